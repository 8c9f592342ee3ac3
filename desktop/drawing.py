"""The Statistik section's drawing process: the figures and charts of a refresh are made in
a process of their own (``desktop.store.statistics.draw``), not on a thread of the desk's.

Why a process: matplotlib draws in long C calls that hold Python's GIL, and every Qt event
the GUI thread handles needs the GIL back: drawing six charts on a thread stalled the GUI
for 160 ms at a time (``python -m benchmarks --statistics``). A process shares no GIL, so
the GUI never waits, and matplotlib and numpy are never loaded into the desk itself.

One process, started when first asked (``spawn``: the same on Linux, Windows and macOS, and
in the frozen desk through ``multiprocessing.freeze_support`` in ``desktop.__main__``), kept
for the next refresh, stopped when the desk exits. A process that died is replaced once."""

from __future__ import annotations

import atexit
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from desktop.store.statistics import Drawing, Drawn, draw

# A refresh that takes longer than this is given up (the next one starts a new process).
TIMEOUT_S = 120

_pool: list[ProcessPoolExecutor] = []


def _executor() -> ProcessPoolExecutor:
    if not _pool:
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        _pool.append(ProcessPoolExecutor(max_workers=1, mp_context=context))
        atexit.register(stop)
    return _pool[0]


def stop() -> None:
    """Stop the drawing process (at exit; the next call starts another)."""
    while _pool:
        _pool.pop().shutdown(wait=False, cancel_futures=True)


def start() -> None:
    """Start the process now, so the first refresh does not wait for it to import."""
    _executor().submit(int)


def drawn_elsewhere(asked: Drawing) -> Drawn:
    """``draw(asked)`` in the drawing process, waited for (call it from a worker thread)."""
    for attempt in (1, 2):
        try:
            return _executor().submit(draw, asked).result(timeout=TIMEOUT_S)
        except (BrokenProcessPool, TimeoutError):
            stop()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


__all__ = ["drawn_elsewhere", "start", "stop"]
