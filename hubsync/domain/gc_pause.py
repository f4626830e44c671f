"""Python's cyclic garbage collector paused around the steps that build millions of records.

Reading, planning and holding by budget allocate millions of small acyclic records: the
cyclic collector would rescan all of them again and again (it doubled the time of planning
a million channels and made the budget step eight times slower), and has nothing to free
among them. Reference counting still frees everything as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
