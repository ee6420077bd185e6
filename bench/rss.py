"""Peak resident memory of this process; imports nothing heavy, so it can measure lean runs."""

from __future__ import annotations

import resource


def peak_rss_mib() -> float:
    """Peak resident set size in MiB (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
