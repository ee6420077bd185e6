"""The fixed vocabulary shared by rule files and evidence bundles."""

from __future__ import annotations

EVIDENCE_FORMAT = "vouch.evidence/v1"
MILESTONE_FORMAT = "vouch.milestone/v1"

#: Quality grades, lowest first (DESIGN.md, "Evidence bundle").
QUALITY_GRADES: tuple[str, ...] = ("unsatisfactory", "satisfactory", "good", "high", "expert")
GRADE_RANK: dict[str, int] = {grade: rank for rank, grade in enumerate(QUALITY_GRADES)}

REVIEWER_ROLES: tuple[str, ...] = ("peer", "mentor", "expert")
REVIEW_VERDICTS: tuple[str, ...] = ("pass", "fail")
EXERCISE_STATUSES: tuple[str, ...] = ("not-started", "in-progress", "complete")

#: Benchmark metrics an evidence bundle may report, with a unit for messages.
METRICS: dict[str, str] = {
    "p50_ms": "ms",
    "p95_ms": "ms",
    "p99_ms": "ms",
    "throughput_per_s": "/s",
    "api_requests_per_s": "/s",
    "error_rate": "",
    "recovery_s": "s",
    "uptime": "",
}
#: Metrics that are fractions in 0..1.
FRACTION_METRICS: frozenset[str] = frozenset({"error_rate", "uptime"})

COMPARISONS: tuple[str, ...] = ("<", "<=", ">", ">=")
