"""``posko enroll``, ``posko sync``, ``posko outbox`` and ``posko bundle``: sync without
the GUI. Imported only to run one of them (the parser is in ``desktop.cli``), so the sync
stack is imported here at the top."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from pathlib import Path
from types import FrameType

from desktop.cli.commands import EXIT_FAILURE, EXIT_OK, _err, _open
from desktop.messages import enroll_message, export_message, problem_message, unsealed_warning
from desktop.paths import Profile
from desktop.settings import LAST_SYNC_AT
from desktop.store.outbox import Outbox
from desktop.store.repo import NotSetUp
from desktop.sync.backoff import Backoff
from desktop.sync.engine import Problem, SyncEngine
from desktop.sync.enroll import EnrollmentError
from desktop.sync.enroll import enroll as do_enroll
from desktop.sync.export import ExportError, export_outbox
from desktop.sync.transport import RequestsTransport
from posko.i18n import _

EXIT_USAGE = 2


def enroll(profile: Profile, args: argparse.Namespace) -> int:
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    transport = RequestsTransport()
    try:
        done = do_enroll(store, profile, args.server, args.code, transport)
    except NotSetUp:
        _err(_("Set this desk up first: posko setup …"))
        return EXIT_FAILURE
    except EnrollmentError as exc:
        _err(enroll_message(exc.code) + (f" ({exc.detail})" if exc.detail else ""))
        return EXIT_FAILURE
    finally:
        transport.close()
        store.close()
    print(
        _("Enrolled as device {device} of post {post}; new tracking numbers start with {prefix}.")
        .format(device=done.device_id, post=done.post_code, prefix=done.tracking_prefix)
    )  # fmt: skip
    return EXIT_OK


def sync(profile: Profile, args: argparse.Namespace) -> int:
    """One pass with ``--once``; otherwise keep syncing (back-off after failures) until
    interrupted."""

    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    transport = RequestsTransport()
    engine = SyncEngine(store, profile, transport)
    stop = threading.Event()

    def interrupted(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    if not args.once:
        signal.signal(signal.SIGINT, interrupted)
        signal.signal(signal.SIGTERM, interrupted)
    backoff = Backoff()
    try:
        while True:
            report = engine.run_once()
            print(
                _("Sent {sent}, needing attention {attention}, statuses received {pulled}.")
                .format(sent=report.sent, attention=report.attention, pulled=report.pulled),
                flush=True,
            )  # fmt: skip
            if report.rules_version is not None:
                print(
                    _("Routing rules updated to version {version}.").format(
                        version=report.rules_version
                    ),
                    flush=True,
                )
            if report.categories_changed:
                print(_("The categories offered for new reports changed."), flush=True)
            if report.ok:
                backoff.succeeded()
            else:
                _err(problem_message(report.problem, report.detail))
                if report.problem == Problem.NOT_ENROLLED:
                    _err(_("Enroll it with: posko enroll --server URL --code CODE"))
            if args.once:
                return EXIT_OK if report.ok else EXIT_FAILURE
            if report.problem in (Problem.NOT_ENROLLED, Problem.AUTH):
                return EXIT_FAILURE
            wait = args.interval if report.ok else backoff.failed()
            if stop.wait(wait):
                return EXIT_OK
    finally:
        transport.close()
        store.close()


def outbox(profile: Profile, args: argparse.Namespace) -> int:
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        box = Outbox(store)
        counts = box.counts()
        attention = box.attention()
        last = store.get(LAST_SYNC_AT)
    finally:
        store.close()
    if args.json:
        print(
            json.dumps(
                {
                    "counts": counts,
                    "attention": [
                        {
                            "uuid": item.uuid,
                            "tracking_id": item.tracking_id,
                            "title": item.title,
                            "attempts": item.attempts,
                            "last_error": item.last_error,
                            "last_http_status": item.last_http_status,
                            "last_attempt_at": item.last_attempt_at.isoformat()
                            if item.last_attempt_at
                            else None,
                        }
                        for item in attention
                    ],
                    "last_sync_at": last or None,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    labels = {
        "pending": _("waiting to be sent"),
        "sending": _("being sent"),
        "sent": _("sent"),
        "needs_attention": _("need attention"),
        "set_aside": _("set aside"),
    }
    for state, n in counts.items():
        print(f"{n:>8}  {labels.get(state, state)}")
    print(_("Last successful sync: {time}").format(time=last or _("never")))
    for item in attention:
        print(f"  {item.tracking_id}  {item.title[:40]}  ×{item.attempts}  {item.last_error}")
    return EXIT_OK


def bundle(profile: Profile, args: argparse.Namespace) -> int:
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        done = export_outbox(store, profile, Path(args.out))
    except ExportError as exc:
        _err(export_message(exc.code, exc.detail))
        return EXIT_FAILURE
    finally:
        store.close()
    print(
        _("{n} records written to {path} ({size} KB). Take it to the central system.").format(
            n=done.records, path=done.path, size=max(1, done.size // 1024)
        )
    )
    if not done.sealed:
        _err(unsealed_warning())
    return EXIT_OK


HANDLERS = {"enroll": enroll, "sync": sync, "outbox": outbox, "bundle": bundle}

__all__ = ["HANDLERS"]
