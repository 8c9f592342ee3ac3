"""``posko export``: the desk's complaints, survey responses, tallies and stock movements as
zipped CSVs, a workbook or a PDF summary (``desktop.exports``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop.cli import EXIT_USAGE
from desktop.cli.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    _day,
    _err,
    _open_set_up,
    coordinator_by,
)
from desktop.paths import Profile
from posko.i18n import _

FORMATS = ("csv", "xlsx", "pdf")  # desktop.exports writes each


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help=_("write what the desk holds to a file: zipped CSVs, XLSX or PDF")
    )
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("--out", required=True, type=Path, metavar="PATH")
    export.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD")
    export.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD")
    export.add_argument(
        "--post", default="", metavar="CODE", help=_("this desk's post (the only one it holds)")
    )
    export.add_argument(
        "--with-contacts",
        action="store_true",
        help=_("include reporters' names, phones and e-mails, and rahasia reports' text"),
    )
    export.add_argument(
        "--coordinator",
        default="",
        metavar="NAME",
        help=_(
            "with --with-contacts: the coordinator allowing it, whose PIN is asked for "
            "(typed hidden, or one line of standard input)"
        ),
    )


def export(profile: Profile, args: argparse.Namespace) -> int:
    from desktop.exports import Selection, write_export
    from desktop.store.operators import NotAllowed
    from posko.survey_files import ReportFileError

    if args.date_from and args.date_to and args.date_to < args.date_from:
        _err(_("--to is before --from."))
        return EXIT_USAGE
    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, context = opened
    try:
        if args.post and args.post.upper() != context.post_code:
            _err(
                _(
                    "This desk holds post {own} ({name}) only, not {code}; "
                    "the export over every post is made on the central system."
                ).format(own=context.post_code, name=context.post_name, code=args.post)
            )
            return EXIT_USAGE
        selection = Selection(context, args.date_from, args.date_to, args.with_contacts)
        by, go_on = coordinator_by(store, args.coordinator, args.with_contacts)
        if not go_on:
            return EXIT_FAILURE
        try:
            write_export(store, selection, args.format, args.out, by=by)
        except ReportFileError as error:
            _err(str(error))
            return EXIT_FAILURE
        except NotAllowed as refused:
            _err(refused.message)
            return EXIT_FAILURE
    finally:
        store.close()
    print(_("Export written to {file}").format(file=args.out))
    return EXIT_OK
