"""Database and file work off the GUI thread, its result back on it.

``run(owner, work, success, failure)`` runs ``work`` on a thread pool and calls ``success``
with its result — or ``failure`` with the exception, and logs ``posko.errors.describe`` of
it (its type and where, never a message that could hold report data) — on the GUI thread.
A result arriving after ``owner`` was destroyed, or after the handle was cancelled (a newer
search replaced it), is dropped. ``work`` must return plain data, never an ORM object."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from posko.errors import describe

log = logging.getLogger("posko.ui")
T = TypeVar("T")


class TaskHandle(QObject):
    """One call of ``Tasks.run``, living on the GUI thread. Signals: ``_done(bool, object)``
    from the worker (queued onto the GUI thread); ``finished()`` once the callback ran or
    the result was dropped."""

    _done = Signal(bool, object)
    finished = Signal()

    def __init__(
        self,
        owner: QObject,
        success: Callable[[Any], None],
        failure: Callable[[BaseException], None] | None,
    ) -> None:
        super().__init__()
        self._owner = owner
        self._success = success
        self._failure = failure
        self.cancelled = False
        self.done = False
        self._job: QRunnable | None = None
        self._done.connect(self._deliver)
        owner.destroyed.connect(self.cancel)

    def cancel(self) -> None:
        """Drop the result when it comes (the work itself runs to its end)."""
        self.cancelled = True

    def _deliver(self, ok: bool, value: Any) -> None:
        self.done = True
        _running.discard(self)
        try:
            if self.cancelled or not shiboken6.isValid(self._owner):
                return
            if ok:
                self._success(value)
                return
            assert isinstance(value, BaseException)
            log.error("background task failed: %s", describe(value))
            if self._failure is not None:
                self._failure(value)
        finally:
            self.finished.emit()


class _Job(QRunnable):
    def __init__(self, handle: TaskHandle, work: Callable[[], Any]) -> None:
        super().__init__()
        self._handle = handle
        self._work = work

    def run(self) -> None:
        try:
            value = self._work()
        except Exception as exc:  # delivered to the failure callback, on the GUI thread
            self._handle._done.emit(False, exc)
        else:
            self._handle._done.emit(True, value)


# Handles waiting for their result: kept alive here until it is delivered.
_running: set[TaskHandle] = set()


class Tasks:
    """Runs work on ``pool`` (a private ``QThreadPool``, one worker by default: database
    writes stay in order) and delivers on the GUI thread. ``synchronous=True`` runs the
    work at once in the caller's thread, still delivering through the same path (a test
    that needs no waiting, a command line)."""

    def __init__(
        self, pool: QThreadPool | None = None, *, workers: int = 1, synchronous: bool = False
    ) -> None:
        self.synchronous = synchronous
        self.pool = pool
        if pool is None and not synchronous:
            self.pool = QThreadPool()
            self.pool.setMaxThreadCount(workers)

    def run(
        self,
        owner: QObject,
        work: Callable[[], T],
        success: Callable[[T], None],
        failure: Callable[[BaseException], None] | None = None,
    ) -> TaskHandle:
        handle = TaskHandle(owner, success, failure)
        _running.add(handle)
        job = _Job(handle, work)
        job.setAutoDelete(False)
        handle._job = job  # freed with the handle, not by the pool (PySide6 would crash)
        if self.synchronous or self.pool is None:
            job.run()  # same thread: the signal is delivered directly
        else:
            self.pool.start(job)
        return handle

    def wait(self, msecs: int = -1) -> bool:
        """Wait for the work started so far (at shutdown, in tests)."""
        return self.pool.waitForDone(msecs) if self.pool is not None else True
