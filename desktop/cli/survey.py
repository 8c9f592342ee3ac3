"""``posko survey``: questionnaires filled on paper imported from CSV, and the SKM report of
what the desk holds (PermenPANRB 14/2017 scoring, ``posko.survey``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from desktop.cli.commands import EXIT_FAILURE, EXIT_OK, _err, _open
from desktop.domain import ValidationError
from desktop.paths import Profile
from desktop.store.context import DeskContext
from desktop.store.repo import Store
from posko.i18n import _, current_language
from posko.survey import services, skm_2017
from posko.survey_report import report_figures
from posko.zones import zone


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    survey = commands.add_parser("survey", help=_("the satisfaction survey (SKM)"))
    survey_commands = survey.add_subparsers(dest="survey_command", required=True)
    paper = survey_commands.add_parser(
        "import", help=_("import questionnaires filled on paper (CSV, one row each)")
    )
    paper.add_argument("file", metavar="FILE.csv")
    paper.add_argument(
        "--service", default="", metavar="CODE", help=_("for rows without a layanan column")
    )
    report = survey_commands.add_parser("report", help=_("the SKM figures: NRR, IKM, grade"))
    report.add_argument("--from", dest="date_from", type=_day, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="date_to", type=_day, metavar="YYYY-MM-DD")
    report.add_argument("--service", default="", metavar="CODE")
    report.add_argument(
        "--population",
        type=int,
        metavar="N",
        help=_("service users in the period, for the minimum sample"),
    )
    report.add_argument(
        "--post", default="", metavar="CODE", help=_("this desk's post (the only one it holds)")
    )
    # One output at a time: the text (default), the JSON, a workbook or a PDF.
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument(
        "--xlsx", type=Path, metavar="FILE", help=_("write the report as a workbook (XLSX)")
    )
    output.add_argument("--pdf", type=Path, metavar="FILE", help=_("write the report as a PDF"))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a date written YYYY-MM-DD").format(value=text)
        ) from None


def survey(profile: Profile, args: argparse.Namespace) -> int:
    if args.survey_command == "import":
        return _import(profile, args)
    return _report(profile, args)


def _import(profile: Profile, args: argparse.Namespace) -> int:
    from desktop.survey.paper import PaperImportError, read_paper_csv

    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        context = store.require_context()
        post_zone = zone(context.time_zone)
        try:
            responses = read_paper_csv(
                Path(args.file),
                service_code=args.service,
                zone=post_zone,
                today=datetime.now(post_zone).date(),
                services_surveyed=context.survey_services or None,
            )
        except PaperImportError as error:
            _err(_("Nothing was imported from {file}:").format(file=args.file))
            for problem in error.problems:
                _err(f"  {problem}")
            return EXIT_FAILURE
        try:
            added = store.save_survey_responses(responses)
        except ValidationError as error:  # checked already; kept for safety
            _err(str(error))
            return EXIT_FAILURE
    finally:
        store.close()
    print(
        _("{added} questionnaires imported from {file} ({skipped} already there).").format(
            added=added, file=args.file, skipped=len(responses) - added
        )
    )
    return EXIT_OK


def _figures(store: Store, context: DeskContext, args: argparse.Namespace) -> dict[str, object]:
    """The report's figures: one SQL aggregate per service, the rows streamed past once
    for the grid, profile and suggestions."""
    post_zone = zone(context.time_zone)

    def start_of(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=post_zone).astimezone(UTC)

    post = args.post.upper()
    selection_of = {
        "date_from": start_of(args.date_from) if args.date_from else None,
        "date_to": start_of(args.date_to + timedelta(days=1)) if args.date_to else None,
        "service_code": args.service,
        "post_code": post,
    }
    return report_figures(
        store.survey_totals(**selection_of, codes=skm_2017().codes),
        store.iter_survey_answers(**selection_of),
        selection={
            "from": args.date_from.isoformat() if args.date_from else None,
            "to": args.date_to.isoformat() if args.date_to else None,
            "service": args.service or None,
            "post": post or None,
        },
        population=args.population,
        survey=skm_2017(),
        language=current_language(),
    )


def _write_file(figures: dict[str, object], context: DeskContext, args: argparse.Namespace) -> int:
    from posko.survey_files import Heading, Report, ReportFileError, write_pdf, write_xlsx

    report = Report(
        figures,
        Heading(context.post_code, context.post_name),
        skm_2017(),
        current_language(),
    )
    target, write = (args.xlsx, write_xlsx) if args.xlsx else (args.pdf, write_pdf)
    try:
        write(report, target)
    except ReportFileError as error:
        _err(str(error))
        return EXIT_FAILURE
    print(_("Survey report written to {file}").format(file=target))
    return EXIT_OK


def _report(profile: Profile, args: argparse.Namespace) -> int:
    if args.date_from and args.date_to and args.date_to < args.date_from:
        _err(_("--to is before --from."))
        return 2
    if args.service and args.service not in {s.code for s in services()}:
        _err(
            _("{code} is not a service surveyed; the services are: {codes}.").format(
                code=args.service, codes=", ".join(s.code for s in services())
            )
        )
        return 2
    if args.population is not None and args.population < 1:
        _err(_("--population is the number of service users: at least 1."))
        return 2
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        context = store.require_context()
        if args.post and args.post.upper() != context.post_code:
            _err(
                _(
                    "This desk holds the survey of post {own} ({name}) only, not {code}; "
                    "the report over every post is made on the central system."
                ).format(own=context.post_code, name=context.post_name, code=args.post)
            )
            return 2
        figures = _figures(store, context, args)
    finally:
        store.close()
    if args.xlsx or args.pdf:
        return _write_file(figures, context, args)
    if args.json:
        json.dump(figures, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    return _print_text(figures)


def _print_text(figures: dict[str, object]) -> int:
    """The text is read from the same figures as the JSON: nothing is scored twice."""
    survey_definition = skm_2017()
    language = current_language()
    nrr, ikm, weakest = figures["nrr"], figures["ikm"], figures["weakest"]
    assert isinstance(nrr, dict) and isinstance(weakest, list)
    print(_("Respondents: {n}").format(n=figures["respondents"]))
    if not isinstance(ikm, float):
        print(_("No answers in this selection yet."))
        return EXIT_OK
    for element in survey_definition.elements:
        if element.code in nrr:
            print(f"  {element.code}  {nrr[element.code]:.3f}  {element.name(language)}")
    print(
        _("IKM {ikm} · grade {grade} ({label})").format(
            ikm=f"{ikm:.2f}", grade=figures["grade"], label=figures["grade_label"]
        )
    )
    elements = [survey_definition.element(code) for code in weakest]
    print(
        _("Weakest: {elements}").format(
            elements=", ".join(f"{e.code} {e.name(language)}" for e in elements if e)
        )
    )
    if "sample" in figures:
        sample = figures["sample"]
        assert isinstance(sample, dict)
        print(
            _("Minimum sample for {population} users: {minimum}; still missing: {missing}").format(
                **sample
            )
        )
    return EXIT_OK
