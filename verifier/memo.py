"""Memoising pure functions within a budget of bytes, not of entries.

``functools.lru_cache(maxsize=256)`` bounds how many results are kept, not how large they are:
256 status lists of 16 MiB each are 4 GiB. :class:`ByteBudget` keeps results until the sizes
its callers report add up to its budget, then forgets the oldest first. A hit costs one dict
lookup and takes no lock (the order is insertion, not use: hot entries are forgotten in their
turn and worked out again, which is cheap next to an unbounded cache); stores take the lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class ByteBudget:
    """Results of one or more pure functions, at most ``max_bytes`` of them (by their own
    reckoning) and at most ``max_entries``; a single result larger than the budget is not kept.
    A call that raises is not cached, as with ``lru_cache``."""

    def __init__(self, max_bytes: int, *, max_entries: int = 4096) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.bytes = 0  # what the results held now add up to
        self._entries: dict[Hashable, tuple[Any, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def memoize(
        self, size: Callable[[tuple[Any, ...], Any], int]
    ) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorate a function of hashable positional arguments; ``size(args, result)`` is what
        keeping its result costs, in bytes (the arguments are kept too: count them)."""

        def decorate(function: Callable[..., T]) -> Callable[..., T]:
            name = function.__qualname__

            @functools.wraps(function)
            def cached(*args: Any) -> T:
                key = (name, args)
                found = self._entries.get(key)
                if found is not None:
                    result: T = found[0]
                    return result
                value = function(*args)
                self._store(key, value, size(args, value))
                return value

            return cached

        return decorate

    def _store(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.max_bytes:
            return
        with self._lock:
            if key in self._entries:
                return
            self._entries[key] = (value, size)
            self.bytes += size
            while self.bytes > self.max_bytes or len(self._entries) > self.max_entries:
                oldest = next(iter(self._entries))
                self.bytes -= self._entries.pop(oldest)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0
