"""The Statistik section's drawing process: the figures and charts of a refresh are made in
a process of their own (``desktop.store.statistics.draw``), not on a thread of the desk's.

Why a process: matplotlib draws in long C calls that hold Python's GIL, and every Qt event
the GUI thread handles needs the GIL back: drawing six charts on a thread stalled the GUI
for 160 ms at a time (``python -m benchmarks --statistics``). A process shares no GIL, so
the GUI never waits, and matplotlib and numpy are never loaded into the desk itself.

Two processes, started when first asked (``spawn``: the same on Linux, Windows and macOS,
and in the frozen desk through ``multiprocessing.freeze_support`` in ``desktop.__main__``),
kept for the next refresh, stopped when the desk exits; each draws half the charts, on a
core of its own (a refresh redrawing all six took 503 ms in one). A process that died is
replaced once."""

from __future__ import annotations

import atexit
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from desktop.store.statistics import Drawing, Drawn, draw

# The charts each process draws, about equal in drawing time; the two a tap changes
# (people and merchandise) fall one to each.
HALVES = (("people", "agencies", "ikm"), ("categories", "deadlines", "merchandise"))

# A refresh that takes longer than this is given up (the next one starts a new process).
TIMEOUT_S = 120

_pool: list[ProcessPoolExecutor] = []


def _executor() -> ProcessPoolExecutor:
    if not _pool:
        import multiprocessing

        from desktop.store import cipher

        context = multiprocessing.get_context("spawn")
        _pool.append(
            ProcessPoolExecutor(
                max_workers=len(HALVES),
                mp_context=context,
                initializer=_follow_the_desk,
                # The database's key, unlocked in the desk, goes to the child over its pipe.
                initargs=(cipher.registered(),),
            )
        )
        atexit.register(stop)
    return _pool[0]


def _follow_the_desk(keys: dict[str, bytes]) -> None:
    """In a drawing process: take the desk's database keys, and exit when the desk does,
    however it ended (killed, crashed), rather than wait on its queue for ever with the
    database open."""
    import multiprocessing
    import os
    import threading

    from desktop.store import cipher

    cipher.register_all(keys)

    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="posko-follow-desk", daemon=True).start()


def stop() -> None:
    """Stop the drawing processes now, a drawing under way or not (the desk is closing,
    its database file is about to be replaced, a drawing hung); the next call starts
    others."""
    while _pool:
        executor = _pool.pop()
        # No public way to end the workers: shutdown() waits for the drawing in hand,
        # and the interpreter's exit joins it, so a hung one would keep the desk open.
        for process in list(getattr(executor, "_processes", {}).values()):
            process.terminate()
        executor.shutdown(wait=False, cancel_futures=True)


def drawn_elsewhere(asked: Drawing) -> Drawn:
    """``draw(asked)``, each half of the charts in a drawing process, waited for (call it
    from a worker thread)."""
    for attempt in (1, 2):
        try:
            pool = _executor()
            halves = [pool.submit(draw, replace(asked, names=names)) for names in HALVES]
            return _joined([half.result(timeout=TIMEOUT_S) for half in halves])
        except (BrokenProcessPool, TimeoutError):
            stop()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _joined(parts: list[Drawn]) -> Drawn:
    whole = Drawn(parts[0].stats)
    for part in parts:
        whole.pixels.update(part.pixels)
        whole.keys.update(part.keys)
        whole.texts.update(part.texts)
    return whole


__all__ = ["HALVES", "drawn_elsewhere", "stop"]
