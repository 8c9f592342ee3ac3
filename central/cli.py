"""``posko-central``: serve the central system and administer it from a shell.

Global options (``--data-dir``, ``--database-url``, ``--lang``) come before the subcommand
and apply to every subcommand. Exit codes: 0 done, 1 failed, 2 usage.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from posko import __version__

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    from central.i18n import LANGUAGES, _
    from posko.wire import CentralStatus

    parser = argparse.ArgumentParser(
        prog="posko-central",
        description=_("Posko central system: receives synced reports, serves tracking pages."),
    )
    parser.add_argument("--version", action="version", version=f"posko-central {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("data directory (default: POSKO_CENTRAL_DATA_DIR or the user data directory)"),
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help=_(
            "database URL, e.g. postgresql+psycopg://user@host/posko "
            "(default: POSKO_CENTRAL_DATABASE_URL or SQLite in the data directory)"
        ),
    )
    parser.add_argument("--lang", choices=sorted(LANGUAGES), help=_("language of messages"))
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser("serve", help=_("serve the API and the tracking pages"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8311)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--rate-limit",
        type=int,
        default=60,
        metavar="N",
        help=_("tracking look-ups per minute per client address"),
    )
    serve.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help=_(
            "behind a reverse proxy: the proxy's addresses (comma separated), whose "
            "X-Forwarded-For is believed for the client's address; by default none is, so "
            "no client can pick its own address to dodge the look-up limit"
        ),
    )
    serve.add_argument(
        "--public-url",
        metavar="URL",
        help=_(
            "where citizens and Open311 clients reach this server, e.g. "
            "https://lapor.example.go.id (default: POSKO_CENTRAL_PUBLIC_URL, else "
            "http://HOST:PORT)"
        ),
    )
    serve.add_argument(
        "--rules",
        metavar="DIR",
        help=_(
            "a directory with routing.json and agencies.json to hand to the desks "
            "(default: the rules installed with the program)"
        ),
    )

    code = commands.add_parser("enroll-code", help=_("print a single-use enrollment code"))
    code.add_argument("--post", required=True, metavar="CODE")
    code.add_argument("--expires", type=float, default=72, metavar="HOURS")

    device = commands.add_parser("device", help=_("list, revoke or reinstate enrolled devices"))
    device_commands = device.add_subparsers(dest="device_command", required=True)
    device_list = device_commands.add_parser("list", help=_("list enrolled devices"))
    device_list.add_argument("--json", action="store_true")
    revoke = device_commands.add_parser(
        "revoke", help=_("revoke a device: its token stops working, and it cannot enroll again")
    )
    revoke.add_argument("device_id", metavar="ID", type=int)
    reinstate = device_commands.add_parser(
        "reinstate", help=_("let a revoked device enroll again (with a new code)")
    )
    reinstate.add_argument("device_id", metavar="ID", type=int)

    status = commands.add_parser("status", help=_("change a report's status"))
    status_commands = status.add_subparsers(dest="status_command", required=True)
    status_set = status_commands.add_parser("set", help=_("set a report's status"))
    status_set.add_argument("tracking_id", metavar="TRACKING_ID")
    status_set.add_argument("status", choices=[s.value for s in CentralStatus])
    status_set.add_argument(
        "--public-note",
        default="",
        metavar="TEXT",
        help=_("a note for the citizen (tracking page, Open311, the desk)"),
    )
    status_set.add_argument(
        "--internal-note",
        default="",
        metavar="TEXT",
        help=_("a note for the staff only, never shown to the citizen"),
    )
    status_set.add_argument("--agency")
    status_set.add_argument("--by", default=os.environ.get("USER", "admin"), metavar="NAME")

    bundle = commands.add_parser(
        "import-bundle", help=_("import a desk's USB bundle (same deduplication as a sync)")
    )
    bundle.add_argument("file", metavar="FILE")
    bundle.add_argument("--json", action="store_true")

    due = commands.add_parser(
        "due", help=_("open reports by answer deadline: overdue, due soon, or all open")
    )
    due.add_argument(
        "--state",
        choices=["overdue", "soon", "open"],
        default="open",
        help=_("overdue, soon (today or the next working day), or open (default: open)"),
    )
    due.add_argument("--agency", metavar="CODE", help=_("only reports assigned to this agency"))
    due.add_argument("--post", metavar="CODE", help=_("only reports from this post"))
    due.add_argument("--category", metavar="CODE", help=_("only reports in this category"))
    due.add_argument(
        "--limit", type=int, default=100, metavar="N", help=_("at most N reports (1 to 500)")
    )
    due.add_argument(
        "--after", metavar="CURSOR", help=_("continue a listing from the cursor it printed")
    )
    due.add_argument("--json", action="store_true")

    client = commands.add_parser("client", help=_("staff tokens and Open311 API keys"))
    client_commands = client.add_subparsers(dest="client_command", required=True)
    client_add = client_commands.add_parser("add", help=_("create a token and print it once"))
    client_add.add_argument("name", metavar="NAME")
    client_add.add_argument("--role", choices=["staff", "open311"], required=True)
    client_list = client_commands.add_parser("list", help=_("list staff tokens and Open311 keys"))
    client_list.add_argument("--json", action="store_true")
    client_revoke = client_commands.add_parser(
        "revoke", help=_("revoke a staff token or an Open311 key: it stops working at once")
    )
    client_revoke.add_argument("client_id", metavar="ID", type=int)
    return parser


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _control_message(option: str) -> str:
    from central.i18n import _

    text: str = _(
        "{option} contains a control character (an invisible character such as NUL or an "
        "escape code); type it again."
    )
    return text.format(option=option)


def open_store(args: argparse.Namespace) -> object:
    from central.db import ENV_DATA_DIR, ENV_DATABASE_URL, database_url, open_database
    from central.store import CentralStore

    data_dir = args.data_dir or os.environ.get(ENV_DATA_DIR)
    url = database_url(
        Path(data_dir) if data_dir else None,
        args.database_url or os.environ.get(ENV_DATABASE_URL),
    )
    return CentralStore(open_database(url))


def main(argv: Sequence[str] | None = None) -> int:
    from central.i18n import DEFAULT_LANGUAGE, _, set_cli_language

    raw = list(sys.argv[1:] if argv is None else argv)
    lang = os.environ.get("POSKO_LANG", DEFAULT_LANGUAGE)
    if "--lang" in raw[:-1]:
        lang = raw[raw.index("--lang") + 1]
    try:
        set_cli_language(lang)
    except ValueError:
        set_cli_language(DEFAULT_LANGUAGE)
    parser = build_parser()
    args = parser.parse_args(raw)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from central.db import CentralDatabaseError

    try:
        store = open_store(args)
    except CentralDatabaseError as exc:
        _err(_("Cannot open the database: {error}").format(error=exc))
        return EXIT_FAILURE
    from central.store import CentralStore

    assert isinstance(store, CentralStore)
    try:
        return _run(args, store)
    finally:
        store.close()


def _serve(args: argparse.Namespace, store: object) -> int:
    import uvicorn

    from central.db import ENV_DATABASE_URL
    from central.i18n import _
    from central.rules import ENV_RULES_DIR, RulesError, load_rule_set
    from central.serve import ENV_PUBLIC_URL, ENV_RATE_LIMIT
    from central.store import CentralStore
    from posko.wire import has_control

    assert isinstance(store, CentralStore)
    if not 1 <= args.workers <= 64 or not 1 <= args.port <= 65535 or args.rate_limit < 1:
        _err(_("Workers must be 1 to 64, the port 1 to 65535, the rate limit at least 1."))
        return EXIT_USAGE
    rules_dir = args.rules or os.environ.get(ENV_RULES_DIR)
    try:
        rules = load_rule_set(Path(rules_dir).resolve() if rules_dir else None)
    except RulesError as exc:
        _err(_("The routing rules cannot be served: {error}").format(error=exc))
        return EXIT_FAILURE
    if rules_dir:
        os.environ[ENV_RULES_DIR] = str(Path(rules_dir).resolve())
    print(_("Routing rules version {version}").format(version=rules.version), flush=True)
    # Workers are separate processes: they get the resolved settings through the environment.
    os.environ[ENV_DATABASE_URL] = store.engine.url.render_as_string(hide_password=False)
    os.environ[ENV_RATE_LIMIT] = str(args.rate_limit)
    public_url = (
        args.public_url or os.environ.get(ENV_PUBLIC_URL) or f"http://{args.host}:{args.port}"
    ).rstrip("/")
    if not public_url.startswith(("http://", "https://")) or has_control(public_url):
        _err(_("--public-url must be an http:// or https:// address."))
        return EXIT_USAGE
    os.environ[ENV_PUBLIC_URL] = public_url
    store.close()
    print(_("Serving on http://{host}:{port}").format(host=args.host, port=args.port), flush=True)
    # access_log off: uvicorn's would print query strings, which carry receipt secrets;
    # the app logs method, path and status itself.
    uvicorn.run(
        "central.serve:factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
        server_header=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: a same-host tunnel or
        # TLS terminator passing it through would let each request name its own address.
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or None,
    )
    return EXIT_OK


def _bundle_refusal(code: str) -> str:
    """The operator's one message for a refused bundle (``BundleError.code``)."""
    from central.bundles import BundleRefused
    from central.i18n import _
    from posko.bundle import MAX_FILE_BYTES, MAX_INFLATED_BYTES, MAX_RECORDS, BundleError

    mib = 1024 * 1024
    messages = {
        BundleError.TOO_LARGE: _(
            "The file is larger than a bundle can be ({limit} MB), so it was not read."
        ).format(limit=MAX_FILE_BYTES // mib),
        BundleError.NOT_A_BUNDLE: _("This file is not a Posko bundle."),
        BundleError.OLD_VERSION: _(
            "This bundle was made by an older Posko: update the desk and export again."
        ),
        BundleError.NEWER_VERSION: _("The bundle was made by a newer Posko; update this server."),
        BundleError.TRUNCATED: _("The bundle is cut off: copy it from the desk again."),
        BundleError.TRAILING_DATA: _(
            "The bundle has extra data after its end: copy it from the desk again."
        ),
        BundleError.BAD_SIGNATURE: _(
            "The bundle's signature does not match: it was changed after the desk wrote it."
        ),
        BundleError.UNKNOWN_DEVICE: _("The bundle comes from a desk this server did not enroll."),
        BundleError.CONTENT_TOO_LARGE: _(
            "The bundle holds more than one import takes (at most {records} records, "
            "{size} MB unpacked)."
        ).format(records=MAX_RECORDS, size=MAX_INFLATED_BYTES // mib),
        BundleError.UNREADABLE: _(
            "The bundle's records cannot be read, although its signature is valid: "
            "export it again on the desk with an up-to-date Posko."
        ),
        BundleRefused.REVOKED: _("The desk that wrote this bundle has been revoked."),
        BundleRefused.WRONG_PREFIX: _("The bundle does not match the desk's tracking prefix."),
    }
    return messages.get(code, _("This file is not a Posko bundle."))


def _wib(moment: str) -> str:
    """An ISO time from a bundle's header (checked when it was read), as a clerk reads it."""
    from datetime import datetime

    from posko.workdays import WIB

    return datetime.fromisoformat(moment).astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def _import_bundle(args: argparse.Namespace, store: object) -> int:
    """Import a bundle file. Everything printed from inside it goes through ``shown``; a
    refusal is one line on stderr, and nothing is stored."""
    import json

    from central.bundles import import_bundle
    from central.i18n import _
    from central.store import CentralStore
    from central.terminal import shown
    from posko.bundle import BundleError

    assert isinstance(store, CentralStore)
    try:
        report = import_bundle(store, Path(args.file))
    except OSError as exc:
        _err(
            _("Cannot read {file}: {error}").format(
                file=shown(args.file, 200), error=shown(exc.strerror or exc)
            )
        )
        return EXIT_FAILURE
    except BundleError as exc:
        nothing = _("Nothing was imported.")
        _err(f"{_bundle_refusal(exc.code)} {nothing}")
        return EXIT_FAILURE
    counts = {k: report.counts.get(k, 0) for k in ("accepted", "duplicate", "conflict", "rejected")}
    problems = [
        {
            "index": p.index,
            "uuid": None if p.uuid is None else shown(p.uuid, 40),
            "kind": None if p.kind is None else shown(p.kind, 20),
            "result": p.result.value,
            "reason": None if p.reason is None else shown(p.reason, 300),
        }
        for p in report.problems
    ]
    if args.json:
        document = {
            "device_id": report.device.id,
            "post_code": shown(report.device.post_code, 16),
            "created_at": shown(report.created_at, 40),
            "counts": counts,
            "problems": problems,
        }
        print(json.dumps(document, indent=2, ensure_ascii=True))
        return EXIT_OK
    print(
        _(
            "Bundle of device {device} ({post}) written {created_at}: {accepted} new, "
            "{duplicate} already here, {conflict} conflicting, {rejected} refused."
        ).format(
            device=report.device.id,
            post=shown(report.device.post_code, 16),
            created_at=shown(_wib(report.created_at), 40),
            **counts,
        )
    )
    for problem in problems:
        print(
            f"  #{problem['index']}  {problem['uuid'] or '-'}  {problem['kind'] or '-'}  "
            f"{problem['result']}: {problem['reason'] or ''}".rstrip()
        )
    return EXIT_OK


def _due(args: argparse.Namespace, store: object) -> int:
    import json

    from central.i18n import _
    from central.store import MAX_DUE_LIMIT, CentralStore, DueCursor
    from central.terminal import shown
    from posko import tracking
    from posko.workdays import WIB

    assert isinstance(store, CentralStore)
    if not 1 <= args.limit <= MAX_DUE_LIMIT:
        _err(_("--limit must be 1 to {max}.").format(max=MAX_DUE_LIMIT))
        return EXIT_USAGE
    if len(args.agency or "") > 100 or len(args.post or "") > 16 or len(args.category or "") > 32:
        _err(_("--agency takes at most 100 characters, --post 16, --category 32."))
        return EXIT_USAGE
    try:
        after = DueCursor.decode(args.after) if args.after is not None else None
    except ValueError:
        _err(_("--after takes the cursor a previous listing printed."))
        return EXIT_USAGE
    page = store.due(
        args.state,
        agency=args.agency,
        post_code=args.post.strip().upper() if args.post else None,
        category=args.category.strip().upper() if args.category else None,
        limit=args.limit,
        after=after,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "state": page.state,
                    "now": page.now.isoformat(),
                    "today": page.today.isoformat(),
                    "next_working_day": page.next_working_day.isoformat(),
                    "items": [
                        {
                            "tracking_id": item.tracking_id,
                            "type": item.type,
                            "category": item.category,
                            "agency": item.agency,
                            "post_code": item.post_code,
                            "status": item.status.value,
                            "created_at": item.created_at.isoformat(),
                            "expected_at": item.expected_at.isoformat(),
                            "due": item.state,
                            "working_days_late": item.working_days_late,
                        }
                        for item in page.items
                    ],
                    "next": page.next,
                    "counts": {"overdue": page.overdue, "soon": page.soon},
                },
                indent=2,
            )
        )
        return EXIT_OK
    print(
        _(
            "Overdue: {overdue}. Due soon: {soon} (today {today} or the next working day, "
            "{next_day})."
        ).format(
            overdue=page.overdue,
            soon=page.soon,
            today=page.today.strftime("%d-%m-%Y"),
            next_day=page.next_working_day.strftime("%d-%m-%Y"),
        )
    )
    if not page.items:
        empty = {
            "overdue": _("No open report is overdue."),
            "soon": _("No open report is due soon."),
            "open": _("No open reports."),
        }
        print(empty[page.state])
        return EXIT_OK
    states = {"overdue": _("overdue"), "soon": _("due soon"), "ok": ""}
    header = [
        _("Tracking number"),
        _("Category"),
        _("Post"),
        _("Agency"),
        _("Status"),
        _("Answer due"),
        _("Due"),
        _("Working days late"),
    ]
    rows = [
        [
            tracking.display(item.tracking_id),
            item.category,
            item.post_code,
            shown(item.agency) or "-",
            item.status.value,
            item.expected_at.astimezone(WIB).strftime("%d-%m-%Y"),
            states[item.state],
            "" if item.working_days_late is None else str(item.working_days_late),
        ]
        for item in page.items
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if page.next:
        print(_("More follow: add --after {cursor}").format(cursor=page.next))
    return EXIT_OK


def _run(args: argparse.Namespace, store: object) -> int:
    import json

    from central.i18n import _
    from central.store import CentralStore, NotFound
    from central.terminal import shown
    from posko import tracking
    from posko.wire import CentralStatus, has_control

    assert isinstance(store, CentralStore)
    if args.command == "serve":
        return _serve(args, store)
    if args.command == "enroll-code":
        post = args.post.strip().upper()
        if not post or len(post) > 16 or not post.replace("-", "").isalnum():
            _err(_("The post code must be 2 to 16 letters, digits or dashes."))
            return EXIT_USAGE
        try:
            code, expires = store.create_enroll_code(post, args.expires)
        except ValueError:
            _err(_("The code must expire within 1 minute to 90 days."))
            return EXIT_USAGE
        print(code)
        print(
            _("Single use, for post {post}, valid until {time} UTC.").format(
                post=post, time=expires.strftime("%Y-%m-%d %H:%M")
            ),
            file=sys.stderr,
        )
        return EXIT_OK
    if args.command == "device":
        if args.device_command == "list":
            devices = store.devices()
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "id": d.id,
                                "post_code": d.post_code,
                                "tracking_prefix": d.tracking_prefix,
                                "label": d.label,
                                "created_at": d.created_at.isoformat(),
                                "last_seen_at": d.last_seen_at.isoformat()
                                if d.last_seen_at
                                else None,
                                "revoked": d.revoked_at is not None,
                            }
                            for d in devices
                        ],
                        indent=2,
                    )
                )
                return EXIT_OK
            if not devices:
                print(_("No devices enrolled yet."))
            for d in devices:
                state = _("revoked") if d.revoked_at else _("active")
                seen = d.last_seen_at.strftime("%Y-%m-%d %H:%M") if d.last_seen_at else "-"
                line = f"{d.id:>5}  {d.post_code:<16} {d.tracking_prefix}  {state:<8} {seen}"
                print(f"{line}  {shown(d.label)}".rstrip())
            return EXIT_OK
        try:
            if not 0 < args.device_id < 2**62:
                raise NotFound(str(args.device_id))
            if args.device_command == "reinstate":
                info = store.reinstate_device(args.device_id)
            else:
                info = store.revoke_device(args.device_id)
        except NotFound:
            _err(_("No device with ID {id}.").format(id=args.device_id))
            return EXIT_FAILURE
        if args.device_command == "reinstate":
            print(
                _(
                    "Device {id} ({post}) is reinstated: it can enroll again with a new code "
                    "(its old token stays void)."
                ).format(id=info.id, post=info.post_code)
            )
        else:
            print(_("Device {id} ({post}) is revoked.").format(id=info.id, post=info.post_code))
        return EXIT_OK
    if args.command == "status":
        try:
            compact = tracking.parse(args.tracking_id)
        except tracking.TrackingIdError:
            _err(_("{id} is not a valid tracking ID; check it again.").format(id=args.tracking_id))
            return EXIT_USAGE
        if (
            len(args.by.strip()) > 100
            or len(args.agency or "") > 100
            or max(len(args.public_note), len(args.internal_note)) > 2000
        ):
            _err(
                _(
                    "--by and --agency take at most 100 characters, --public-note and "
                    "--internal-note at most 2000."
                )
            )
            return EXIT_USAGE
        for option, value, lines in (
            ("--public-note", args.public_note, True),
            ("--internal-note", args.internal_note, True),
            ("--agency", args.agency or "", False),
            ("--by", args.by, False),
        ):
            if has_control(value, lines=lines):
                _err(_control_message(option))
                return EXIT_USAGE
        try:
            store.set_status(
                compact,
                CentralStatus(args.status),
                actor=args.by.strip() or "admin",
                public_note=args.public_note,
                internal_note=args.internal_note,
                agency=args.agency,
            )
        except NotFound:
            _err(_("No report {id} has been received.").format(id=tracking.display(compact)))
            return EXIT_FAILURE
        print(_("{id} is now {status}.").format(id=tracking.display(compact), status=args.status))
        return EXIT_OK
    if args.command == "import-bundle":
        return _import_bundle(args, store)
    if args.command == "due":
        return _due(args, store)
    if args.command == "client" and args.client_command == "list":
        clients = store.clients()
        if args.json:
            print(
                json.dumps(
                    [
                        {
                            "id": c.id,
                            "name": shown(c.name),
                            "role": c.role,
                            "created_at": c.created_at.isoformat() if c.created_at else None,
                            "revoked": c.revoked_at is not None,
                        }
                        for c in clients
                    ],
                    indent=2,
                )
            )
            return EXIT_OK
        if not clients:
            print(_("No staff tokens or Open311 keys yet."))
        for c in clients:
            state = _("revoked") if c.revoked_at else _("active")
            print(f"{c.id:>5}  {c.role:<8} {state:<8} {shown(c.name)}")
        return EXIT_OK
    if args.command == "client" and args.client_command == "revoke":
        try:
            if not 0 < args.client_id < 2**62:
                raise NotFound(str(args.client_id))
            revoked = store.revoke_client(args.client_id)
        except NotFound:
            _err(_("No staff token or Open311 key with ID {id}.").format(id=args.client_id))
            return EXIT_FAILURE
        print(
            _("{name} ({role}, ID {id}) is revoked: its token stops working now.").format(
                name=shown(revoked.name), role=revoked.role, id=revoked.id
            )
        )
        return EXIT_OK
    if args.command == "client":
        name = args.name.strip()
        if not 2 <= len(name) <= 100:
            _err(_("The name must be 2 to 100 characters."))
            return EXIT_USAGE
        if has_control(name):
            _err(_control_message("NAME"))
            return EXIT_USAGE
        print(store.create_client(name, args.role))
        print(_("Shown once: keep it safe. The server keeps only its hash."), file=sys.stderr)
        return EXIT_OK
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
