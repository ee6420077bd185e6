"""Vouch's criteria engine: milestone rules as data, evidence in, an explained verdict out.

Pure: no Flask, no database, no I/O beyond reading rule files.

    >>> catalogue = load_catalogue()
    >>> verdict = catalogue.check(bundle_json)
    >>> verdict.met, [r.reason for r in verdict.results]
"""

from criteria.engine import Catalogue as Catalogue
from criteria.engine import load_catalogue as load_catalogue
from criteria.errors import CriteriaError as CriteriaError
from criteria.errors import EvidenceError as EvidenceError
from criteria.errors import EvidenceProblem as EvidenceProblem
from criteria.errors import RuleFileError as RuleFileError
from criteria.errors import UnknownMilestoneError as UnknownMilestoneError
from criteria.evidence import Evidence as Evidence
from criteria.model import Milestone as Milestone
from criteria.verdict import RuleResult as RuleResult
from criteria.verdict import Status as Status
from criteria.verdict import Verdict as Verdict
