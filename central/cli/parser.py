"""The ``posko-central`` command line: global options, then one subcommand."""

from __future__ import annotations

import argparse
import os
from datetime import date

from central.i18n import LANGUAGES, _
from posko import __version__
from posko.wire import CentralStatus


def build_parser() -> argparse.ArgumentParser:
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
    status_set.add_argument(
        "--agency",
        metavar="CODE",
        help=_(
            "the agency in charge: a code from the routing rules' agencies, e.g. ASDP "
            '(POSKO_CENTRAL_RULES, else the installed rules); "" for none'
        ),
    )
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
    client_add.add_argument(
        "--staff-role",
        choices=["koordinator", "petugas_instansi"],
        default=None,
        help=_(
            "a staff token's role: koordinator sees every report (the default), "
            "petugas_instansi only its agency's"
        ),
    )
    client_add.add_argument(
        "--agency",
        metavar="CODE",
        default=None,
        help=_("an agency officer's agency: a code of the routing rules' agencies"),
    )
    client_add.add_argument(
        "--expires-days",
        metavar="DAYS",
        type=int,
        default=None,
        help=_("a staff token stops working after this many days (90 by default, at most 366)"),
    )
    client_list = client_commands.add_parser("list", help=_("list staff tokens and Open311 keys"))
    client_list.add_argument("--json", action="store_true")
    client_revoke = client_commands.add_parser(
        "revoke", help=_("revoke a staff token or an Open311 key: it stops working at once")
    )
    client_revoke.add_argument("client_id", metavar="ID", type=int)

    categories = commands.add_parser(
        "categories", help=_("which groups of categories the desks offer for new reports")
    )
    categories_commands = categories.add_subparsers(dest="categories_command", required=True)
    categories_list = categories_commands.add_parser(
        "list", help=_("list the groups of categories, offered or not")
    )
    categories_list.add_argument("--json", action="store_true")
    for verb, text in (
        ("on", _("offer a group's categories for new reports")),
        ("off", _("stop offering a group's categories for new reports (saved reports keep them)")),
    ):
        switch = categories_commands.add_parser(verb, help=text)
        switch.add_argument("group", metavar="GROUP")
        switch.add_argument("--by", default=os.environ.get("USER", "admin"), metavar="NAME")
    add_survey_parser(commands)
    add_statistics_parsers(commands)
    return parser


def add_statistics_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help=_("the statistics page's figures as files: zipped CSVs or a workbook")
    )
    export.add_argument("--format", choices=["csv", "xlsx"], required=True)
    export.add_argument("--out", required=True, metavar="PATH")
    export.add_argument("--from", dest="date_from", default="", metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", default="", metavar="YYYY-MM-DD")
    export.add_argument("--post", default="", metavar="CODE", help=_("only this post"))
    campaign = commands.add_parser(
        "campaign", help=_("the outreach campaign the statistics measure progress against")
    )
    campaign_commands = campaign.add_subparsers(dest="campaign_command", required=True)
    campaign_set = campaign_commands.add_parser(
        "set", help=_("set the campaign from a JSON file (replacing the one set)")
    )
    campaign_set.add_argument("--file", required=True, metavar="FILE")
    campaign_commands.add_parser("show", help=_("show the campaign"))
    campaign_commands.add_parser("clear", help=_("forget the campaign"))


def add_survey_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = commands.add_parser("survey", help=_("the satisfaction survey (SKM)"))
    survey_commands = survey.add_subparsers(dest="survey_command", required=True)
    report = survey_commands.add_parser(
        "report", help=_("the SKM figures over every post: NRR, IKM, grade")
    )
    report.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD")
    report.add_argument("--service", default="", metavar="CODE")
    report.add_argument("--post", default="", metavar="CODE", help=_("only this post"))
    report.add_argument("--json", action="store_true")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a date written YYYY-MM-DD").format(value=text)
        ) from None
