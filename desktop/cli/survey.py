"""``posko survey``: questionnaires filled on paper imported from CSV, the SKM report of
what the desk holds (PermenPANRB 14/2017 scoring, ``posko.survey``), and the standee whose
QR code opens the survey on a traveller's phone."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from desktop.cli.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    _day,
    _err,
    _open,
    _open_set_up,
    coordinator_by,
)
from desktop.domain import ValidationError
from desktop.paths import Profile
from desktop.store.context import DeskContext
from desktop.store.operators import NotAllowed
from desktop.store.repo import Store
from desktop.survey.entry import SurveyRow, services_surveyed
from posko import survey_extra
from posko.i18n import _, current_language, set_language
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

    questions = survey_commands.add_parser(
        "questions", help=_("the post's own questions, asked after the SKM (never in the IKM)")
    )
    change = questions.add_mutually_exclusive_group()
    change.add_argument(
        "--set", dest="definition", metavar="FILE.json", help=_("ask the questions of this file")
    )
    change.add_argument("--clear", action="store_true", help=_("ask none of the post's own"))
    questions.add_argument(
        "--coordinator",
        default="",
        metavar="NAME",
        help=_("on a desk with a coordinator: the coordinator changing it, whose PIN is asked"),
    )

    standee = survey_commands.add_parser(
        "standee", help=_("a sheet whose QR code opens the survey on a traveller's phone (PDF)")
    )
    standee.add_argument(
        "--service", required=True, metavar="CODE", help=_("the service it asks about")
    )
    standee.add_argument(
        "--pdf", type=Path, required=True, metavar="FILE", help=_("write the sheet as a PDF")
    )
    standee.add_argument(
        "--paper",
        choices=("a4", "a5"),
        default="a4",
        help=_("the paper size of the sheet (default A4)"),
    )

    kiosk = commands.add_parser(
        "kiosk", help=_("the survey full screen, filled in by travellers (exit with the PIN)")
    )
    kiosk.add_argument(
        "--screen", type=int, metavar="N", help=_("show it on screen N (1 the first)")
    )
    kiosk.add_argument("--service", default="", metavar="CODE", help=_("the service it asks about"))
    kiosk.add_argument(
        "--set-pin",
        action="store_true",
        help=_("set the PIN that leaves the kiosk (read from the terminal), then exit"),
    )
    kiosk.add_argument(
        "--coordinator",
        default="",
        metavar="NAME",
        help=_("with --set-pin: the coordinator setting it, whose own PIN is asked first"),
    )


def kiosk(profile: Profile, args: argparse.Namespace) -> int:
    """``posko kiosk``: set its exit PIN, or run it (a desk set up, with a PIN)."""
    from desktop.settings import KIOSK_PIN

    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, context = opened
    try:
        if args.set_pin:
            return _set_pin(store, args.coordinator)
        if not store.get(KIOSK_PIN):
            _err(_("The kiosk needs an exit PIN first: posko kiosk --set-pin"))
            return EXIT_FAILURE
        surveyed = services_surveyed(context.survey_services)
        if args.service and args.service not in {s.code for s in surveyed}:
            _err(_("{code} is not a service surveyed here.").format(code=args.service))
            return EXIT_FAILURE
        from desktop.app import run_kiosk

        return run_kiosk(
            profile,
            store,
            screen=args.screen,
            service=args.service,
            crash_dialog=not args.no_crash_dialog,
        )
    finally:
        store.close()


def _set_pin(store: Store, coordinator: str) -> int:
    """The coordinator's own PIN (when the desk has one), then the new PIN typed twice at a
    terminal (hidden), or one line of standard input each."""
    import getpass

    by, go_on = coordinator_by(store, coordinator, True)
    if not go_on:
        return EXIT_FAILURE
    if sys.stdin.isatty():
        pin = getpass.getpass(_("New kiosk PIN (4-12 digits): "))
        repeated: str | None = getpass.getpass(_("The same PIN again: "))
    else:
        pin, repeated = sys.stdin.readline().strip(), None
    try:
        store.set_kiosk_pin(pin, repeated, by=by)
    except ValidationError as error:
        _err(error.errors[0].message)
        return EXIT_FAILURE
    except NotAllowed as refused:
        _err(refused.message)
        return EXIT_FAILURE
    print(_("Kiosk PIN set."))
    return EXIT_OK


def survey(profile: Profile, args: argparse.Namespace) -> int:
    if args.survey_command == "import":
        return _import(profile, args)
    if args.survey_command == "questions":
        return _questions(profile, args)
    if args.survey_command == "standee":
        return _standee(profile, args)
    return _report(profile, args)


def _questions(profile: Profile, args: argparse.Namespace) -> int:
    """Set, clear or show the post's own questions."""
    from posko.survey_extra import ExtraQuestionsError

    definition = None
    if args.definition:
        try:
            definition = Path(args.definition).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            _err(_("Cannot read {file}: {error}").format(file=args.definition, error=exc))
            return EXIT_FAILURE
    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, _context = opened
    try:
        changing = definition is not None or args.clear
        by, go_on = coordinator_by(store, args.coordinator, changing)
        if not go_on:
            return EXIT_FAILURE
        try:
            if changing:
                questions = store.set_survey_extra_questions(definition or "", by=by)
            else:
                questions = store.survey_extra_questions()
        except NotAllowed as refused:
            _err(refused.message)
            return EXIT_FAILURE
        except ExtraQuestionsError as error:
            _err(_("{file}: nothing changed.").format(file=args.definition))
            for problem in error.problems:
                _err(f"  {problem}")
            return EXIT_FAILURE
    finally:
        store.close()
    if not questions:
        print(_("The post asks none of its own questions."))
    for question in questions:
        choices = " · ".join(f"{o.code} {o.name()}" for o in question.options)
        print(f"{question.code} ({question.kind_name()}): {question.name()}")
        if choices:
            print(f"    {choices}")
    return EXIT_OK


def _standee(profile: Profile, args: argparse.Namespace) -> int:
    """The standee of one of the post's services, in the desk's language; none without a
    central system, whose page the QR code opens."""
    from desktop.printing.render import PrintError, render_standee_pdf
    from desktop.survey.standee import build_standee, no_standee_reason

    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, context = opened
    store.close()
    set_language(args.lang or context.language)
    surveyed = {s.code: s for s in services_surveyed(context.survey_services)}
    service = surveyed.get(args.service.strip().upper())
    if service is None:
        _err(
            _("{code} is not a service surveyed; the services are: {codes}.").format(
                code=args.service, codes=", ".join(surveyed)
            )
        )
        return 2
    content = build_standee(context, service)
    if content is None:
        _err(no_standee_reason())
        return EXIT_FAILURE
    try:
        render_standee_pdf(content, args.paper, args.pdf)
    except PrintError as error:
        _err(str(error))
        return EXIT_FAILURE
    print(_("Survey standee written to {file}").format(file=args.pdf))
    return EXIT_OK


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
                own=store.survey_extra_questions(),
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
    asked = store.survey_extra_questions()
    extras: list[dict[str, object]] = []

    def rows() -> Iterator[SurveyRow]:
        for row in store.iter_survey_answers(**selection_of):
            if asked:  # the post's own questions' answers, for their figures below
                extras.append(dict(row.extra))
            yield row

    figures = report_figures(
        store.survey_totals(**selection_of, codes=skm_2017().codes),
        rows(),
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
    # The post's own questions beside, on their own: never part of the figures above.
    figures["extra"] = survey_extra.figures(asked, extras)
    return figures


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
    _print_extra(figures["extra"])
    return EXIT_OK


def _print_extra(figures: object) -> None:
    """The post's own questions' figures, after the SKM's (and apart from them)."""
    assert isinstance(figures, dict)
    if figures:
        print(_("The post's own questions (not in the IKM):"))
    for code, entry in figures.items():
        line = _("  {code} {name}: {n} answered").format(
            code=code, name=entry["name"], n=entry["answered"]
        )
        if entry.get("mean") is not None:
            line += _(", mean {mean}").format(mean=f"{entry['mean']:.2f}")
        print(line)
        for option, name in entry.get("options", {}).items():
            print(f"      {option} {name}: {entry['counts'][option]}")
