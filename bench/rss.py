"""Peak resident memory of this process; imports nothing heavy, so it can measure lean runs."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mib() -> float:
    """Peak resident set size in MiB.

    Linux's ``VmHWM`` belongs to this process image; ``ru_maxrss`` would also count the parent's
    memory at the moment it forked this process (it survives ``exec``).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
