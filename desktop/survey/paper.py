"""Questionnaires filled on paper, typed into a spreadsheet and imported as CSV (``posko
survey import FILE.csv``): posts fall back to paper when the laptop is down. No Qt.

One row per respondent; the header's names select the columns (any order, any letter
case): ``U1``…``U9`` (1–4, or empty when not answered), and optionally ``tanggal``
(YYYY-MM-DD), ``layanan`` (service code), ``jenis_kelamin``, ``usia``, ``pendidikan``,
``pekerjaan`` and ``saran``. Commas or semicolons (as a spreadsheet set to Indonesian
writes them), UTF-8 with or without a byte-order mark.

Every row is checked, and every problem is reported by line and column; a file with any
bad row imports nothing. Each response's identity comes from its row's content (and, for
rows alike, which of them it is), so importing the same file twice, or again after
correcting one row, adds only what is new.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, tzinfo
from pathlib import Path

from desktop.domain import ValidationError
from desktop.survey.entry import PROFILE_FIELDS, SurveyInput
from posko.i18n import _
from posko.survey import Survey, services, skm_2017
from posko.survey_extra import ExtraQuestion

MAX_BYTES = 20 * 2**20
MAX_ROWS = 100_000
# uuid5 namespace of responses imported from paper (fixed: the same row, the same uuid).
PAPER_NAMESPACE = uuid.UUID("5c0a6f44-4b52-4f3e-9d8e-0a3f2b7d51c1")

COLUMNS = {  # header name -> SurveyInput field
    "layanan": "service_code",
    "jenis_kelamin": "sex",
    "usia": "age_band",
    "pendidikan": "education",
    "pekerjaan": "occupation",
    "saran": "suggestion",
}
DATE_COLUMN = "tanggal"
SEXES = {"l": "L", "laki-laki": "L", "lk": "L", "p": "P", "perempuan": "P", "pr": "P"}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str  # the header's name, or "" for the whole row or file
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            return self.message
        if not self.column:
            return _("line {line}: {message}").format(line=self.line, message=self.message)
        return _("line {line}, column {column}: {message}").format(
            line=self.line, column=self.column, message=self.message
        )


class PaperImportError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def read_paper_csv(
    path: Path,
    *,
    service_code: str = "",
    zone: tzinfo,
    today: date,
    survey: Survey | None = None,
    services_surveyed: Sequence[str] | None = None,
    own: Sequence[ExtraQuestion] = (),
) -> list[SurveyInput]:
    """Every row of ``path`` as a checked questionnaire, or ``PaperImportError`` with every
    problem found. ``service_code`` is for rows without a ``layanan``; ``tanggal`` is read
    as noon at the post (``zone``), and may not be after ``today``. The post's own
    questions (``own``) are columns named by their codes."""
    chosen = survey or skm_2017()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PaperImportError(
            [Problem(0, "", _("The file cannot be read: {error}").format(error=exc.strerror))]
        ) from exc
    if len(data) > MAX_BYTES:
        raise PaperImportError(
            [Problem(0, "", _("The file is larger than {n} MB.").format(n=MAX_BYTES // 2**20))]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PaperImportError(
            [Problem(0, "", _("The file is not UTF-8 text (save it as CSV UTF-8)."))]
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise PaperImportError([Problem(1, "", str(exc))]) from exc
    if not header or not any(h.strip() for h in header):
        raise PaperImportError([Problem(0, "", _("The file is empty: it needs a header row."))])
    names = [h.strip() for h in header]
    problems: list[Problem] = []
    elements = {code.lower(): code for code in chosen.codes}
    own_columns = {q.code.lower(): q for q in own}
    known = {*elements, *COLUMNS, DATE_COLUMN, *own_columns}
    columns: list[str] = []
    for name in names:
        key = name.lower()
        if key not in known:
            problems.append(
                Problem(
                    1,
                    name,
                    _("unknown column; the columns are {columns}.").format(
                        columns=", ".join(
                            [*chosen.codes, DATE_COLUMN, *COLUMNS, *(q.code for q in own)]
                        )
                    ),
                )
            )
        elif key in columns:
            problems.append(Problem(1, name, _("this column is there twice.")))
        columns.append(key)
    if not any(key in elements for key in columns):
        problems.append(Problem(1, "", _("no answer columns: the header needs U1 to U9.")))
    if "layanan" not in columns and not service_code:
        problems.append(
            Problem(1, "", _("no layanan column: give the service with --service CODE."))
        )
    if problems:
        raise PaperImportError(problems)

    service_codes = {s.code.lower(): s.code for s in services()}
    responses: list[SurveyInput] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line between blocks
            if len(responses) >= MAX_ROWS:
                problems.append(Problem(line, "", _("more than {n} rows.").format(n=MAX_ROWS)))
                break
            if len(row) != len(columns):
                problems.append(
                    Problem(
                        line,
                        "",
                        _("{n} cells where the header has {m}.").format(n=len(row), m=len(columns)),
                    )
                )
                continue
            cells = {key: cell.strip() for key, cell in zip(columns, row, strict=True)}
            header_of = {key: name for key, name in zip(columns, names, strict=True)}
            response = _row(
                cells, header_of, line, problems, chosen, elements, service_codes,
                service_code, zone, today, services_surveyed, own_columns,
            )  # fmt: skip
            if response is None:
                continue
            fingerprint = "\x1f".join(f"{k}={cells[k]}" for k in sorted(cells))
            seen[fingerprint] = seen.get(fingerprint, 0) + 1
            identity = uuid.uuid5(
                PAPER_NAMESPACE,
                hashlib.sha256(f"{fingerprint}\x1e{seen[fingerprint]}".encode()).hexdigest(),
            )
            responses.append(replace(response, uuid=str(identity)))
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, "", str(exc)))
    if not responses and not problems:
        problems.append(Problem(0, "", _("The file has no questionnaires, only a header.")))
    if problems:
        raise PaperImportError(problems)
    return responses


def _row(
    cells: dict[str, str],
    header_of: dict[str, str],
    line: int,
    problems: list[Problem],
    survey: Survey,
    elements: dict[str, str],
    service_codes: dict[str, str],
    default_service: str,
    zone: tzinfo,
    today: date,
    services_surveyed: Sequence[str] | None,
    own_columns: dict[str, ExtraQuestion],
) -> SurveyInput | None:
    before = len(problems)
    answers: dict[str, int] = {}
    for key, code in elements.items():
        raw = cells.get(key, "")
        if not raw:
            continue
        if raw in ("1", "2", "3", "4"):
            answers[code] = int(raw)
        else:
            problems.append(
                Problem(line, header_of[key], _("the answer is 1, 2, 3 or 4 (or empty)."))
            )
    if not answers and len(problems) == before:
        problems.append(Problem(line, "", _("no question answered.")))
    service = cells.get("layanan", "") or default_service
    service = service_codes.get(service.lower(), service)
    created: datetime | None = None
    if cells.get(DATE_COLUMN):
        try:
            day = date.fromisoformat(cells[DATE_COLUMN])
        except ValueError:
            problems.append(
                Problem(line, header_of[DATE_COLUMN], _("the date is written YYYY-MM-DD."))
            )
        else:
            if day > today:
                problems.append(
                    Problem(line, header_of[DATE_COLUMN], _("the date is in the future."))
                )
            created = datetime.combine(day, time(12, 0), tzinfo=zone)
    sex = cells.get("jenis_kelamin", "")
    candidate = SurveyInput(
        service_code=service,
        answers=answers,
        sex=SEXES.get(sex.lower(), sex),
        age_band=_age_band(cells.get("usia", ""), survey),
        education=_option(cells.get("pendidikan", ""), "education", survey),
        occupation=_option(cells.get("pekerjaan", ""), "occupation", survey),
        suggestion=cells.get("saran", ""),
        created_at=created,
        extra={
            q.code: _own_answer(cells[key], q) for key, q in own_columns.items() if key in cells
        },
    )
    try:
        clean = candidate.validated(
            survey, services_surveyed=services_surveyed, extra_questions=tuple(own_columns.values())
        )
    except ValidationError as error:
        column_of = {field: name for name, field in COLUMNS.items()}
        for item in error.errors:
            if item.field == "answers":
                continue  # said above, per row
            if item.field in survey.codes:
                continue  # said above, per cell
            key = column_of.get(item.field, item.field.lower())
            if item.field == "service_code" and "layanan" not in header_of:
                key = ""
            problems.append(Problem(line, header_of.get(key, ""), item.message))
        return None
    return None if len(problems) > before else clean


def _own_answer(raw: str, question: ExtraQuestion) -> str:
    """A cell of one of the post's own questions: an option's code in any letter case
    becomes the definition's; anything else as typed, for the check to refuse."""
    return next((o.code for o in question.options if o.code.lower() == raw.lower()), raw)


def _option(raw: str, question: str, survey: Survey) -> str:
    """An option code as the definition spells it (any letter case); else as typed, for
    the check to refuse with the choices."""
    found = survey.question(question)
    if found is None or not raw:
        return raw
    for option in found.options:
        if option.code.lower() == raw.lower():
            return option.code
    return raw


def _age_band(raw: str, survey: Survey) -> str:
    """``usia``: an age band's code, or an age in years put in its band."""
    if raw.isdigit():
        age = int(raw)
        question = survey.question("age_band")
        for option in question.options if question else ():
            low, _sep, high = option.code.partition("-")
            low = low.rstrip("+")
            if low.isdigit() and int(low) <= age and (not high or age <= int(high)):
                return option.code
    return _option(raw, "age_band", survey)


__all__ = ["PROFILE_FIELDS", "PaperImportError", "Problem", "read_paper_csv"]
