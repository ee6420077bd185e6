"""Vouch's criteria engine: milestone rules as data, evidence in, an explained verdict out.

Pure: no Flask, no database, no I/O beyond reading rule files.

    >>> catalogue = load_catalogue()
    >>> verdict = catalogue.check(bundle_json)
    >>> verdict.met, [r.reason for r in verdict.results]

The issuer reaches the engine only through this module: the catalogue and its verdicts, the
errors, the strict bundle reader and the vocabulary its forms and API name.
"""

from criteria.engine import Catalogue as Catalogue
from criteria.engine import load_catalogue as load_catalogue
from criteria.errors import CriteriaError as CriteriaError
from criteria.errors import EvidenceError as EvidenceError
from criteria.errors import EvidenceProblem as EvidenceProblem
from criteria.errors import EvidenceTooLargeError as EvidenceTooLargeError
from criteria.errors import ProblemJSON as ProblemJSON
from criteria.errors import RuleFileError as RuleFileError
from criteria.errors import UnknownMilestoneError as UnknownMilestoneError
from criteria.evidence import Evidence as Evidence
from criteria.evidence import with_held as with_held
from criteria.evidence import with_reviews as with_reviews
from criteria.model import Milestone as Milestone
from criteria.rules.review import ReviewRule as ReviewRule
from criteria.rules.scored import RubricRule as RubricRule
from criteria.validation import MAX_BUNDLE_BYTES as MAX_BUNDLE_BYTES
from criteria.validation import decode as decode
from criteria.verdict import RuleResult as RuleResult
from criteria.verdict import RuleResultJSON as RuleResultJSON
from criteria.verdict import Status as Status
from criteria.verdict import Verdict as Verdict
from criteria.verdict import VerdictJSON as VerdictJSON
from criteria.vocabulary import EXERCISE_STATUSES as EXERCISE_STATUSES
from criteria.vocabulary import METRICS as METRICS
from criteria.vocabulary import QUALITY_GRADES as QUALITY_GRADES
from criteria.vocabulary import REVIEW_VERDICTS as REVIEW_VERDICTS
from criteria.vocabulary import REVIEWER_ROLES as REVIEWER_ROLES
