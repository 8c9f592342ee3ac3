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
from PySide6.QtWidgets import QWidget

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
        *,
        log_failure: bool = True,
    ) -> None:
        super().__init__()
        self._log_failure = log_failure
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
            if self._log_failure:
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
            outcome: tuple[bool, Any] = (True, self._work())
        except BaseException as exc:  # delivered to the failure callback, on the GUI thread
            outcome = (False, exc)
        if shiboken6.isValid(self._handle):  # gone when the process is shutting down
            self._handle._done.emit(*outcome)


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


_shared: dict[str, Tasks] = {}


def shared(purpose: str = "reads") -> Tasks:
    """The process's own pool for the reads widgets ask for (one worker, so they run in
    the order asked), alive as long as the process; another ``purpose`` ("export") has a
    worker of its own, so a long job holds up no read. A pool owned by a widget or a model
    can be freed by the garbage collector while one of its own threads runs Python, which
    crashes Qt."""
    if purpose not in _shared:
        _shared[purpose] = Tasks()
    return _shared[purpose]


def wait_for(work: Callable[[], T], parent: QWidget | None, text: str) -> T:
    """Run ``work`` (a database recovery, a file copy) off the GUI thread and return its
    result here, or raise its exception here. Meanwhile a modal busy window says ``text``
    and keeps the desk painting, and no other window takes input (nothing is saved into
    a database being replaced)."""
    from PySide6.QtCore import QEventLoop, Qt
    from PySide6.QtWidgets import QProgressDialog

    busy = QProgressDialog(text, "", 0, 0, parent)
    busy.setCancelButton(None)  # the work cannot be stopped half-way
    busy.setWindowModality(Qt.WindowModality.ApplicationModal)
    busy.setMinimumDuration(300)  # a quick step shows no window at all
    loop = QEventLoop()
    outcome: list[tuple[bool, Any]] = []

    def finish(ok: bool, value: Any) -> None:
        outcome.append((ok, value))
        loop.quit()

    handle = TaskHandle(
        busy, lambda value: finish(True, value), lambda exc: finish(False, exc), log_failure=False
    )
    _running.add(handle)
    job = _Job(handle, work)
    job.setAutoDelete(False)
    handle._job = job
    shared().pool.start(job)  # type: ignore[union-attr]
    if not outcome:
        # Paint, but take no keystroke or click until the work is done (as when it ran on
        # the GUI thread): nothing reaches a window whose database is being replaced before
        # the busy window is up.
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    busy.close()
    busy.deleteLater()
    ok, value = outcome[0]
    if ok:
        return value  # type: ignore[no-any-return]
    raise value
