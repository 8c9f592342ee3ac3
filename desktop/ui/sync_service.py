"""The Qt adapter of the sync engine: when to sync, on which thread, and telling the widgets.

The engine (``desktop.sync.engine``) is Qt-free and synchronous. This adapter runs it on one
worker thread with its own database connection (never an ORM object across threads) and
delivers every result on the GUI thread through a signal. A pass starts:

- at start-up, once the store is open;
- when Qt's network information says the machine is online again (Qt only sees a route,
  so the pass itself is the real probe of the central server);
- on a timer: the regular interval after a good pass, capped exponential back-off with
  jitter after a failed one;
- on "Sync now".
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.paths import Profile
from desktop.settings import CENTRAL_URL, LAST_SYNC_AT
from desktop.store.outbox import AttentionItem, Outbox
from desktop.sync.backoff import Backoff
from desktop.sync.enroll import read_token
from desktop.sync.export import Exported, export_outbox
from desktop.sync.transport import RequestsTransport, Transport

if TYPE_CHECKING:
    from desktop.store.repo import Store
    from desktop.sync.engine import SyncReport
    from desktop.sync.enroll import Enrollment

log = logging.getLogger("posko.sync")


@dataclass(frozen=True)
class OutboxOverview:
    """What the sync panel shows, read in one go (plain data: made on a worker thread)."""

    counts: dict[str, int]
    attention: list[AttentionItem]
    last_sync_at: str | datetime | None
    central_url: str
    enrolled: bool


class SyncService(QObject):
    """Signals: ``started()`` when a pass begins; ``finished(SyncReport)`` when it ends;
    ``onlineChanged(bool)`` when the central system becomes reachable or not;
    ``enrolled(Enrollment)`` / ``enrollFailed(str code, str detail)`` after ``enroll``."""

    started = Signal()
    finished = Signal(object)
    onlineChanged = Signal(bool)
    enrolled = Signal(object)
    enrollFailed = Signal(str, str)
    _completed = Signal(object)  # from the worker thread; delivered on the GUI thread
    _enrollDone = Signal(object)

    def __init__(
        self,
        profile: Profile,
        *,
        transport_factory: Callable[[], Transport] = RequestsTransport,
        interval_seconds: float = 60.0,
        backoff: Backoff | None = None,
        watch_network: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.profile = profile
        self.interval_seconds = interval_seconds
        self.backoff = backoff or Backoff()
        self.online: bool | None = None
        self.running = False
        self.last_report: SyncReport | None = None
        self._transport_factory = transport_factory
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posko-sync")
        self._worker_store: Store | None = None
        self._transport: Transport | None = None
        self._again = False
        self._stopped = False
        self._stop = threading.Event()  # tells a pass in flight to stop between requests
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.sync_now)
        self._completed.connect(self._on_completed)
        self._enrollDone.connect(self._on_enroll_done)
        self._watch_network = watch_network

    # -- scheduling ----------------------------------------------------------------------

    def start(self) -> None:
        """Begin: a first pass now, then on the timer and on connectivity changes."""
        if self._watch_network:
            self._watch_reachability()
        QTimer.singleShot(0, self.sync_now)

    def _watch_reachability(self) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if not QNetworkInformation.loadDefaultBackend():
            log.info("no network information backend; relying on the timer")
            return
        info = QNetworkInformation.instance()
        if info is not None:
            info.reachabilityChanged.connect(self._on_reachability)

    def _on_reachability(self, reachability: object) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if reachability in (
            QNetworkInformation.Reachability.Online,
            QNetworkInformation.Reachability.Site,
            QNetworkInformation.Reachability.Local,
        ):
            log.info("network is back; syncing")
            self.backoff.succeeded()
            self.schedule(1.0)
        elif reachability == QNetworkInformation.Reachability.Disconnected:
            self._set_online(False)

    def schedule(self, seconds: float) -> None:
        if self._stopped:
            return
        self._timer.start(max(0, int(seconds * 1000)))

    def next_run_in(self) -> float | None:
        """Seconds until the next scheduled pass, or None."""
        return self._timer.remainingTime() / 1000 if self._timer.isActive() else None

    # -- a pass --------------------------------------------------------------------------

    def sync_now(self) -> None:
        if self._stopped:
            return
        if self.running:
            self._again = True
            return
        self._timer.stop()
        self.running = True
        self.started.emit()
        future = self._executor.submit(self._work)
        future.add_done_callback(self._completed.emit)

    def _store(self) -> Store:
        if self._worker_store is None:
            from desktop.store.repo import Store

            self._worker_store = Store.open(self.profile)
        return self._worker_store

    def _work(self) -> SyncReport:
        """On the worker thread."""
        from desktop.sync.engine import SyncEngine

        if self._transport is None:
            self._transport = self._transport_factory()
        return SyncEngine(self._store(), self.profile, self._transport, stop=self._stop).run_once()

    def _on_completed(self, future: Future[SyncReport]) -> None:
        from desktop.sync.engine import Problem, SyncReport

        self.running = False
        try:
            report = future.result()
        except Exception as exc:  # a bug, not a network problem: log it and keep going
            log.exception("sync pass failed")
            report = SyncReport(problem=Problem.SERVER_ERROR, detail=str(exc))
        self.last_report = report
        if report.problem == Problem.STOPPED:
            return
        if report.problem not in (Problem.NOT_ENROLLED,):
            self._set_online(report.problem not in (Problem.OFFLINE,))
        self.finished.emit(report)
        if self._again:
            self._again = False
            self.sync_now()
            return
        if report.ok:
            self.backoff.succeeded()
            self.schedule(self.interval_seconds)
        elif report.problem in (Problem.NOT_ENROLLED, Problem.AUTH):
            pass  # nothing to retry until the desk is enrolled (again)
        else:
            self.schedule(self.backoff.failed())

    def _set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self.onlineChanged.emit(online)

    # -- enrollment ----------------------------------------------------------------------

    def enroll(self, server: str, code: str) -> None:
        """Enroll on the worker thread; ``enrolled`` or ``enrollFailed`` follows."""

        def work() -> Enrollment:
            from desktop.sync.enroll import enroll

            if self._transport is None:
                self._transport = self._transport_factory()
            return enroll(self._store(), self.profile, server, code, self._transport)

        self._executor.submit(work).add_done_callback(self._enrollDone.emit)

    def _on_enroll_done(self, future: Future[Enrollment]) -> None:
        from desktop.sync.enroll import EnrollmentError

        try:
            done = future.result()
        except EnrollmentError as exc:
            self.enrollFailed.emit(exc.code, exc.detail)
            return
        except Exception as exc:
            log.exception("enrollment failed")
            self.enrollFailed.emit(EnrollmentError.REFUSED, str(exc))
            return
        self.enrolled.emit(done)
        self.backoff.succeeded()
        self.sync_now()

    # -- the outbox, for the widgets ------------------------------------------------------
    # The widgets never open the outbox themselves: these run on any thread, on the store
    # the caller passes (the desk's), and return plain data.

    def overview(self, store: Store) -> OutboxOverview:
        box = Outbox(store)
        return OutboxOverview(
            counts=box.counts(),
            attention=box.attention(),
            last_sync_at=store.get(LAST_SYNC_AT),
            central_url=store.get(CENTRAL_URL),
            enrolled=read_token(self.profile) is not None,
        )

    def resend(self, store: Store, uuid: str) -> bool:
        """Queue a record needing attention again (``sync_now`` sends it)."""
        return Outbox(store).resend(uuid)

    def set_aside(self, store: Store, uuid: str, reason: str) -> bool:
        """Keep a record, with the operator's reason, and never send it."""
        return Outbox(store).set_aside(uuid, reason)

    def export(self, store: Store, target: Path) -> Exported:
        """Write the signed USB bundle (``ExportError`` when there is none to write)."""
        return export_outbox(store, self.profile, target)

    # -- end -----------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop scheduling; let a pass in flight finish (its records stay safe either way)."""
        self._stopped = True
        self._stop.set()
        self._timer.stop()

        def close() -> None:
            if self._worker_store is not None:
                self._worker_store.close()
            closer = getattr(self._transport, "close", None)
            if callable(closer):
                closer()

        self._executor.submit(close)
        # Not waiting: a pass stuck on a slow network must not hold the window open. Its
        # records are safe either way (marked sending, resent next time).
        self._executor.shutdown(wait=False)
