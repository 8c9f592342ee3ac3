"""``posko enroll``, ``posko sync`` and ``posko outbox``: sync without the GUI."""

from __future__ import annotations

import argparse
import json
import signal
import threading
from types import FrameType

from desktop.commands import EXIT_FAILURE, EXIT_OK, _err, _open
from desktop.paths import Profile
from desktop.settings import LAST_SYNC_AT
from posko.i18n import _

EXIT_USAGE = 2


def problem_message(problem: str | None, detail: str = "") -> str:
    """The operator's words for why a sync pass stopped."""
    from desktop.sync.engine import Problem

    messages = {
        Problem.NOT_ENROLLED: _(
            "This desk is not enrolled with a central system yet: "
            "posko enroll --server URL --code CODE"
        ),
        Problem.OFFLINE: _("The central system cannot be reached; the records stay queued."),
        Problem.SERVER_ERROR: _("The central system answered with an error; it will be retried."),
        Problem.AUTH: _(
            "The central system no longer accepts this desk's token; ask the coordinator "
            "for a new enrollment code."
        ),
        Problem.BAD_ANSWER: _("The central system's answer could not be read; it will be retried."),
        Problem.STOPPED: _("Sync stopped; what was not sent stays queued."),
    }
    text = messages.get(problem or "", problem or "")
    return f"{text} ({detail})" if detail else text


def enroll_message(code: str) -> str:
    """The operator's words for why enrollment failed (``EnrollmentError.code``)."""
    from desktop.sync.enroll import EnrollmentError

    messages = {
        EnrollmentError.OFFLINE: _("The central system cannot be reached."),
        EnrollmentError.BAD_URL: _("The server address must start with http:// or https://."),
        EnrollmentError.CODE_UNKNOWN: _("This enrollment code is not known; check it."),
        EnrollmentError.CODE_USED: _("This enrollment code has already been used."),
        EnrollmentError.CODE_EXPIRED: _("This enrollment code has expired; ask for a new one."),
        EnrollmentError.DEVICE_REVOKED: _(
            "This desk was revoked by the coordinator; ask them to reinstate it, then enroll "
            "again with a new code."
        ),
        EnrollmentError.DEVICE_OTHER_POST: _(
            "This desk is enrolled at another post. To move it, the coordinator revokes and "
            "reinstates it; then enroll with the new post's code."
        ),
        EnrollmentError.REFUSED: _("The central system refused the enrollment."),
    }
    return messages.get(code, code)


def enroll(profile: Profile, args: argparse.Namespace) -> int:
    from desktop.store.repo import NotSetUp
    from desktop.sync.enroll import EnrollmentError
    from desktop.sync.enroll import enroll as do_enroll
    from desktop.sync.transport import RequestsTransport

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
    from desktop.sync.backoff import Backoff
    from desktop.sync.engine import Problem, SyncEngine
    from desktop.sync.transport import RequestsTransport

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
            if report.ok:
                backoff.succeeded()
            else:
                _err(problem_message(report.problem, report.detail))
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
    from desktop.store.outbox import Outbox

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


def export_message(code: str, detail: str = "") -> str:
    from desktop.sync.export import ExportError
    from posko.bundle import MAX_INFLATED_BYTES, MAX_RECORDS

    messages = {
        ExportError.NOT_ENROLLED: _(
            "Enroll this desk first: the central system must know its key to trust a bundle."
        ),
        ExportError.NOTHING: _("Nothing is waiting to be sent: no bundle was written."),
        ExportError.TOO_LARGE: _(
            "More is waiting than one bundle may hold (at most {records} records, {size} MB "
            "unpacked): no bundle was written; sync online instead."
        ).format(records=MAX_RECORDS, size=MAX_INFLATED_BYTES // (1024 * 1024)),
        ExportError.WRITE_FAILED: _("The bundle could not be written: {error}").format(
            error=detail
        ),
    }
    return messages.get(code, code)


def bundle(profile: Profile, args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.sync.export import ExportError, export_outbox

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
    return EXIT_OK


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enroll_parser = commands.add_parser(
        "enroll", help=_("enroll this desk with the central system")
    )
    enroll_parser.add_argument("--server", required=True, metavar="URL")
    enroll_parser.add_argument("--code", required=True, metavar="CODE")
    sync_parser = commands.add_parser("sync", help=_("send queued records, fetch statuses"))
    sync_parser.add_argument("--once", action="store_true", help=_("one pass, then exit"))
    sync_parser.add_argument(
        "--interval", type=float, default=60.0, metavar="SECONDS", help=argparse.SUPPRESS
    )
    outbox_parser = commands.add_parser("outbox", help=_("what is queued and what needs attention"))
    outbox_parser.add_argument("--json", action="store_true")
    bundle_parser = commands.add_parser(
        "bundle", help=_("write queued records to a signed file for a USB stick")
    )
    bundle_commands = bundle_parser.add_subparsers(dest="bundle_command", required=True)
    export_parser = bundle_commands.add_parser("export", help=_("write the bundle"))
    export_parser.add_argument("--out", required=True, metavar="FILE")


HANDLERS = {"enroll": enroll, "sync": sync, "outbox": outbox, "bundle": bundle}

__all__ = ["HANDLERS", "add_parsers"]
