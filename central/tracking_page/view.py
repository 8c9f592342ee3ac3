"""What one tracking look-up may show, in the citizen's language: the look-up itself (the
ID parsed, the report found, reduced by ``central.disclosure``), its labels, and the times
as Jakarta reads them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from babel.dates import format_datetime

from central.disclosure import Audience, Disclosed, audience, disclose, known_to
from central.i18n import N_, translator
from central.store import CentralStore
from posko import status as status_vocabulary
from posko import tracking, wire

Translate = Callable[[str], str]  # what ``translator(lang)`` returns

# Jakarta has kept UTC+7 (WIB) since 1964 without daylight saving: a fixed offset is exact
# and needs no time zone database on the server.
JAKARTA = timezone(timedelta(hours=7), "WIB")
SHOWN_INPUT_LIMIT = 40  # how much of a malformed ID is echoed back

TYPE_LABELS: dict[str, str] = {
    "pengaduan": N_("Complaint"),
    "aspirasi": N_("Aspiration"),
    "permintaan_informasi": N_("Request for information"),
}

MALFORMED_HINTS: dict[str, str] = {
    tracking.TrackingIdError.EMPTY: N_("No tracking number was given."),
    tracking.TrackingIdError.BAD_CHARACTER: N_(
        "It contains characters a tracking number never has: {characters}. Tracking numbers "
        "use the digits 2 to 9 and capital letters except I, L, O, U and Z."
    ),
    tracking.TrackingIdError.BAD_LENGTH: N_(
        "It has {count} characters; a tracking number usually has 9, in three groups of three "
        "like 2K7-MQA-42X."
    ),
    tracking.TrackingIdError.BAD_CHECK: N_(
        "Its last character does not match the others: one character is probably mistyped, or "
        "two neighbouring characters are swapped. Compare it with your receipt."
    ),
}


@dataclass(frozen=True)
class PublicStep:
    status: wire.CentralStatus
    label: str
    changed_at: datetime
    when: str
    agency: str | None
    note: str | None


@dataclass(frozen=True)
class PublicReport:
    """A received report reduced to what this request may see, in its language."""

    compact: str
    display: str
    status: wire.CentralStatus
    status_label: str
    status_help: str
    open: bool
    confidential: bool
    details_visible: bool  # title, description, location, category, type, agency
    secret_given: bool
    secret_accepted: bool
    category: str | None
    category_name: str | None
    type: str | None
    type_label: str | None
    agency: str | None
    expected_at: datetime | None
    received_at: datetime
    updated_at: datetime
    title: str | None
    description: str | None
    location: str | None
    timeline: tuple[PublicStep, ...]


@dataclass(frozen=True)
class Unknown:
    """A well-formed ID the central system has not received (yet)."""

    compact: str
    display: str


@dataclass(frozen=True)
class Malformed:
    error: tracking.TrackingIdError
    shown: str  # what was typed, cut short


def local_time(moment: datetime, lang: str) -> str:
    """``Senin, 23 November 2026 14.05 WIB``: the citizen's clock, not the server's."""
    local = _aware(moment).astimezone(JAKARTA)
    pattern = "EEEE, d MMMM y HH.mm" if lang == "id" else "EEEE, d MMMM y, HH:mm"
    return f"{format_datetime(local, pattern, locale=lang)} WIB"


def local_date(moment: datetime, lang: str) -> str:
    return str(format_datetime(_aware(moment).astimezone(JAKARTA), "EEEE, d MMMM y", locale=lang))


def short_date(moment: datetime) -> str:
    return _aware(moment).astimezone(JAKARTA).strftime("%d/%m/%Y")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def look_up(
    store: CentralStore,
    raw_id: str,
    secret: str | None,
    lang: str,
    agency_name: Callable[[str, str], str] | None = None,
) -> PublicReport | Unknown | Malformed:
    """The report behind ``raw_id`` as its audience may see it; ``agency_name(code, lang)``
    names the agency (the central system's rules)."""
    try:
        compact = tracking.parse(raw_id)
    except tracking.TrackingIdError as exc:
        shown = raw_id.strip()
        if len(shown) > SHOWN_INPUT_LIMIT:
            shown = shown[: SHOWN_INPUT_LIMIT - 1] + "…"
        return Malformed(exc, shown)
    view = store.complaint(compact)
    who = audience(view, secret) if view is not None else Audience.PUBLIC
    if view is None or not known_to(view, who):
        return Unknown(compact, tracking.display(compact))

    def named(code: str) -> str:
        return agency_name(code, lang) if agency_name else code

    shown_report = disclose(view, store.timeline(view.id), who, named)
    return public_report(store, shown_report, secret_given=bool(secret), lang=lang)


def public_report(
    store: CentralStore, report: Disclosed, *, secret_given: bool, lang: str
) -> PublicReport:
    """``report`` (already reduced by ``central.disclosure``) in the citizen's language."""
    _ = translator(lang)
    category = store.catalog.get(report.category) if report.category else None
    steps = tuple(
        PublicStep(
            status=step.status,
            label=_(status_vocabulary.LABELS[step.status]),
            changed_at=step.changed_at,
            when=local_time(step.changed_at, lang),
            agency=step.agency,
            note=step.public_note,
        )
        for step in report.timeline
    )
    category_name = None
    if report.category is not None:
        category_name = category.name(lang) if category else report.category
    return PublicReport(
        compact=report.tracking_id,
        display=tracking.display(report.tracking_id),
        status=report.status,
        status_label=_(status_vocabulary.LABELS[report.status]),
        status_help=_(status_vocabulary.HELP[report.status]),
        open=not report.status.closed,
        confidential=report.confidential,
        details_visible=report.content_visible,
        secret_given=secret_given,
        secret_accepted=report.audience is Audience.HOLDER,
        category=report.category,
        category_name=category_name,
        type=report.type,
        type_label=_(TYPE_LABELS[report.type]) if report.type in TYPE_LABELS else None,
        agency=report.agency,
        expected_at=report.expected_at,
        received_at=report.received_at,
        updated_at=report.updated_at,
        title=report.title,
        description=report.description,
        location=report.location,
        timeline=steps,
    )


def malformed_hint(error: tracking.TrackingIdError, shown: str, _: Translate) -> str:
    hint: str = _(MALFORMED_HINTS[error.reason])
    if error.reason == tracking.TrackingIdError.BAD_CHARACTER:
        odd = sorted(set(error.detail))[:6]
        return hint.format(characters=", ".join(f"“{ch}”" for ch in odd))
    if error.reason == tracking.TrackingIdError.BAD_LENGTH:
        return hint.format(count=len(tracking.normalize(shown)))
    return hint
