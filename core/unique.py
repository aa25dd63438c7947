"""Ids unique across processes and restarts without a syscall each: a random prefix per process
(drawn again in a forked child, so workers never share one) and a counter."""

from __future__ import annotations

import itertools
import os


class _UniqueIds:
    def __init__(self) -> None:
        self._renew()
        os.register_at_fork(after_in_child=self._renew)

    def _renew(self) -> None:
        self._prefix = os.urandom(8).hex()
        self._counter = itertools.count()

    def __call__(self) -> str:
        """32 hex digits."""
        return f"{self._prefix}{next(self._counter):016x}"


unique_id = _UniqueIds()
