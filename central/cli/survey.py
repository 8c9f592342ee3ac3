"""``posko-central survey report``: the SKM figures (PermenPANRB 14/2017) over the
questionnaires every post sent, in the same JSON as the desk's ``posko survey report``
(``posko.survey_report``). Days are WIB days, the central system's calendar."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime, time, timedelta

from central.cli.common import EXIT_OK, EXIT_USAGE, err
from central.i18n import _, cli_language
from central.store import CentralStore, SkmSelection
from posko.survey import skm_2017
from posko.survey_report import report_figures
from posko.workdays import WIB


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


def survey_command(args: argparse.Namespace, store: CentralStore) -> int:
    problem = _usage_problem(args)
    if problem:
        err(problem)
        return EXIT_USAGE
    post = args.post.strip().upper()
    selection = SkmSelection(
        date_from=_start_of(args.date_from) if args.date_from else None,
        date_to=_start_of(args.date_to + timedelta(days=1)) if args.date_to else None,
        service_code=args.service,
        post_code=post,
    )
    language = cli_language()
    figures = report_figures(
        store.skm_totals(selection),
        store.skm_rows(selection),
        selection={
            "from": args.date_from.isoformat() if args.date_from else None,
            "to": args.date_to.isoformat() if args.date_to else None,
            "service": args.service or None,
            "post": post or None,
        },
        language=language,
    )
    if args.json:
        json.dump(figures, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    _print_text(figures, language)
    return EXIT_OK


def _usage_problem(args: argparse.Namespace) -> str | None:
    if args.date_from and args.date_to and args.date_to < args.date_from:
        return _("--to is before --from.")
    if len(args.service) > 32 or len(args.post) > 16:
        return _("--service takes at most 32 characters, --post 16.")
    return None


def _print_text(figures: dict[str, object], language: str) -> None:
    """The text, read from the figures the JSON holds: nothing is scored twice."""
    survey = skm_2017()
    nrr, ikm, per_service = figures["nrr"], figures["ikm"], figures["services"]
    assert isinstance(nrr, dict) and isinstance(per_service, dict)
    print(_("Respondents: {n}").format(n=figures["respondents"]))
    if not isinstance(ikm, float):
        print(_("No answers in this selection yet."))
        return
    for element in survey.elements:
        if element.code in nrr:
            print(f"  {element.code}  {nrr[element.code]:.3f}  {element.name(language)}")
    print(_("IKM {ikm} · grade {grade} ({label})").format(
        ikm=f"{ikm:.2f}", grade=figures["grade"], label=figures["grade_label"]
    ))  # fmt: skip
    for code, part in per_service.items():
        assert isinstance(part, dict)
        shown = f"{part['ikm']:.2f} {part['grade']}" if part["ikm"] is not None else "-"
        line = _("{service}: IKM {ikm}, respondents: {n}")
        print("  " + line.format(service=code, n=part["respondents"], ikm=shown))
