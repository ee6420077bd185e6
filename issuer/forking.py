"""Worker processes forked from a warmed-up parent, for bulk work (issuance, certificates).

Forking hands each worker the parent's state in memory (the catalogue, the stylesheet and fonts,
the private key the parent loaded from the key store): no key or passphrase crosses a pipe or
touches a file. A worker dies with its parent, so a parent killed mid-run (SIGKILL) leaves no
worker waiting forever on a queue whose other end it inherited.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: prctl(2) option: the signal a process gets when its parent dies (Linux).
_PR_SET_PDEATHSIG = 1

#: What the parent handed this worker process (see :func:`adopted`).
_adopted: Any = None


def single_threaded() -> bool:
    """True if no other Python thread runs: forking then copies no lock another thread holds."""
    return threading.active_count() == 1


def pool(processes: int, state: Any) -> ProcessPoolExecutor:
    """``processes`` workers forked from this process, each adopting ``state``.

    They are forked now rather than at the first task, so a thread this process starts
    afterwards is never copied into one.
    """
    executor = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(state, os.getpid()),
    )
    executor.submit(os.getpid).result()  # a fork pool forks all its workers for its first task
    return executor


def adopted() -> Any:
    """The state this worker process adopted from its parent."""
    if _adopted is None:
        raise RuntimeError("not a worker process started by forking.pool")
    return _adopted


def _adopt(state: Any, parent: int) -> None:
    """Adopt the parent's ``state`` (inherited in memory by the fork) and die with the parent.

    Everything inherited is then frozen out of the garbage collector's sight: its collections
    would scan the whole inherited heap again and again and touch, hence copy, pages the
    worker otherwise shares with its parent.
    """
    global _adopted
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
    _adopted = state
    gc.freeze()
