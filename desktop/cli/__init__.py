"""``posko``: the desk GUI, plus subcommands for headless work.

Global options (``--data-dir``, ``--lang``) come before any subcommand. Heavy modules (Qt,
SQLAlchemy) are imported only by the commands that need them, so ``posko --version`` is
instant and a broken printer never stops ``posko setup``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

from posko import __version__
from posko.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, set_language
from posko.zones import ZONES

if TYPE_CHECKING:
    import argparse  # imported where a parser is built: not on the everyday start

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _add_global_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help=_("profile directory (default: POSKO_DATA_DIR or the user data directory)"),
    )
    parser.add_argument(
        "--lang", choices=sorted(LANGUAGES), help=_("language of messages (default: Indonesian)")
    )
    parser.add_argument(
        "--no-crash-dialog",
        action="store_true",
        help=_("write crash reports without showing a dialog (for CI and kiosks)"),
    )


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from desktop.domain import PaperSize

    parser = argparse.ArgumentParser(
        prog="posko",
        description=_("Posko: the complaint desk for mudik outreach posts."),
    )
    parser.add_argument("--version", action="version", version=f"posko {__version__}")
    _add_global_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser("gui", help=_("start the desk (the default)"))

    setup = commands.add_parser("setup", help=_("prepare this desk: post, operator, server"))
    setup.add_argument("--post-code", required=True, metavar="CODE")
    setup.add_argument("--post-name", required=True, metavar="NAME")
    setup.add_argument("--operator", required=True, metavar="NAME")
    setup.add_argument("--central-url", default="", metavar="URL")
    setup.add_argument(
        "--coordinator",
        default="",
        metavar="NAME",
        help=_("on a desk with a coordinator: the coordinator changing it, whose PIN is asked"),
    )
    setup.add_argument("--paper", choices=[p.value for p in PaperSize])
    setup.add_argument("--language", choices=sorted(LANGUAGES))
    setup.add_argument(
        "--printer",
        metavar="QUEUE",
        help=_('print receipts straight to this print queue ("": ask each time)'),
    )
    setup.add_argument(
        "--survey-services",
        metavar="CODE,CODE",
        help=_('the services this post\'s SKM survey is about ("": all)'),
    )
    setup.add_argument(
        "--print-on-save",
        action=argparse.BooleanOptionalAction,
        help=_("print each receipt as soon as its report is saved (needs --printer)"),
    )
    setup.add_argument(
        "--time-zone", choices=list(ZONES), help=_("the post's time zone (default WIB)")
    )

    commands.add_parser(
        "selftest",
        help=_("check this installation in a throwaway profile (database, receipt, QR)"),
    )

    demo = commands.add_parser("demo-data", help=_("fill a training profile with sample data"))
    demo.add_argument("--complaints", type=int, default=200, metavar="N")
    demo.add_argument(
        "--survey", type=int, default=0, metavar="N", help=_("also N filled SKM questionnaires")
    )
    demo.add_argument("--seed", type=int, default=1, metavar="S")

    receipt = commands.add_parser("receipt", help=_("print a receipt again"))
    receipt.add_argument("tracking_id", metavar="TRACKING_ID")
    receipt.add_argument("--pdf", required=True, metavar="FILE", help=_("write it to this PDF"))
    receipt.add_argument("--paper", choices=[p.value for p in PaperSize])

    route = commands.add_parser(
        "route", help=_("suggest category and agency for a text (to test the rules)")
    )
    route.add_argument("text", nargs="+", metavar="TEXT")
    route.add_argument("--json", action="store_true")

    recover = commands.add_parser(
        "recover",
        help=_("recover a damaged or missing database (the desk keeps its tracking numbers)"),
    )
    recover.add_argument(
        "--backup",
        nargs="?",
        const="",
        metavar="FILE",
        help=_("restore the newest backup (or FILE) instead"),
    )

    _add_sync_parsers(commands)
    from desktop.cli import export, outreach, survey

    survey.add_parsers(commands)
    outreach.add_parsers(commands)
    export.add_parsers(commands)
    return parser


def _add_sync_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import argparse

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


def _early_language(argv: Sequence[str]) -> str:
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in LANGUAGES else DEFAULT_LANGUAGE
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
            return value if value in LANGUAGES else DEFAULT_LANGUAGE
    env = os.environ.get("POSKO_LANG", "")
    return env if env in LANGUAGES else DEFAULT_LANGUAGE


_GLOBAL_VALUES = {"--data-dir": "data_dir", "--lang": "lang"}


def _gui_only(args_list: list[str]) -> SimpleNamespace | None:
    """The global options, spelled out in full, when they are all there is (the everyday
    start of the desk); None for anything else (a command, ``--help``, an abbreviation, a
    mistake), which the full parser then handles and explains.

    Building the full parser imports every command's module, and even a small argparse
    parser looks up its translations on disk: neither is needed to show the window, and
    start-up is measured (``benchmarks``) through this path."""
    values: dict[str, str | bool | None] = {"data_dir": None, "lang": None}
    values["no_crash_dialog"] = False
    rest = list(args_list)
    while rest:
        arg = rest.pop(0)
        if arg == "--no-crash-dialog":
            values["no_crash_dialog"] = True
            continue
        name, equals, value = arg.partition("=")
        if name not in _GLOBAL_VALUES:
            return None
        if not equals:
            if not rest or rest[0].startswith("-"):
                return None  # a missing value
            value = rest.pop(0)
        values[_GLOBAL_VALUES[name]] = value
    if values["lang"] is not None and values["lang"] not in LANGUAGES:
        return None
    return SimpleNamespace(command=None, **values)


def _desk(args: SimpleNamespace | argparse.Namespace) -> int:
    """``posko`` with no command: the desk's window."""
    from desktop.app import run_gui
    from desktop.paths import Profile

    profile = Profile.resolve(args.data_dir)
    return run_gui(profile, language=args.lang, crash_dialog=not args.no_crash_dialog)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    set_language(_early_language(args_list))
    quick = _gui_only(args_list)
    if quick is not None:
        return _desk(quick)
    args = build_parser().parse_args(args_list)
    if args.command is None:
        return _desk(args)
    from desktop.paths import Profile

    profile = Profile.resolve(args.data_dir)
    command = args.command
    from desktop.cli import commands, export, outreach, survey, sync  # only to run a command

    handler = {
        "setup": commands.setup,
        "selftest": commands.selftest,
        "demo-data": commands.demo_data,
        "receipt": commands.receipt,
        "route": commands.route,
        "recover": commands.recover,
        "survey": survey.survey,
        "kiosk": survey.kiosk,
        "campaign": outreach.campaign,
        "export": export.export,
        **sync.HANDLERS,
    }[command]
    return handler(profile, args)


if __name__ == "__main__":
    raise SystemExit(main())
