"""What a receipt says, decided without Qt: the renderer in ``desktop.printing`` only lays it
out. Keeping the words here lets the CLI, tests and (later) the central system reuse them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from desktop.store.records import ComplaintRecord, DeskContext
from posko import tracking
from posko.catalog import Catalog
from posko.i18n import _, current_language

PROGRAM_NAME = "Posko Mudik · SP4N-LAPOR!"
SMS_NUMBER = "1708"


def format_datetime_local(moment: datetime, language: str | None = None) -> str:
    """``Senin, 23 November 2026 14.05`` in the desk's local time zone."""
    from babel.dates import format_datetime, get_timezone_name

    local = moment.astimezone()
    locale = language or current_language()
    text = format_datetime(local, "EEEE, d MMMM y HH.mm", locale=locale)
    zone = local.strftime("%Z")
    if zone and not zone.startswith(("+", "-")):
        return f"{text} {zone}"
    return f"{text} {get_timezone_name(local, 'short', locale=locale)}".strip()


def format_date_local(day: date, language: str | None = None) -> str:
    """``Selasa, 31 Maret 2026``."""
    from babel.dates import format_date

    return format_date(day, "EEEE, d MMMM y", locale=language or current_language())


def access_code(secret: str) -> str:
    """``K7QM-XA42-PT9B``: the receipt secret in groups of four, to read and type."""
    return "-".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_payload(record: ComplaintRecord, context: DeskContext) -> str:
    """The tracking page with the ID and the receipt secret, at the central system's
    address as the desk knows it now: a receipt printed before the desk had an address and
    reprinted after carries it. With no address yet, the tracking ID; the access code is
    printed beside it either way, so every receipt carries its secret."""
    if context.central_url:
        return tracking.tracking_url(context.central_url, record.tracking_id, record.secret)
    return record.tracking_id


@dataclass(frozen=True)
class ReceiptContent:
    program: str
    post: str
    created: str
    tracking_label: str
    tracking_id: str
    access_label: str
    access_code: str  # the receipt secret, for typing where the QR cannot be scanned
    qr_payload: str
    facts: tuple[tuple[str, str], ...]
    next_steps_title: str
    next_steps: tuple[str, ...]
    follow_up_title: str
    follow_up: tuple[str, ...]
    footer: str


def build_receipt(
    record: ComplaintRecord, context: DeskContext, catalog: Catalog
) -> ReceiptContent:
    from posko.workdays import deadlines

    category = catalog.get(record.category)
    yes, no = _("Yes"), _("No")
    due = deadlines(record.type.value, category.group if category else "", record.created_at)
    facts = (
        (_("Type"), record.type.label()),
        (_("Category"), category.name() if category else record.category),
        (_("Anonymous"), yes if record.anonymous else no),
        (_("Confidential"), yes if record.confidential else no),
        (_("Answer due by"), format_date_local(due.answer_by)),
    )
    verify = format_date_local(due.verify_by)
    if due.resolve_by is not None:
        answer = _("COVID-19 report: a response within 1 working day, resolved by {date}.").format(
            date=format_date_local(due.resolve_by)
        )
    elif record.type.value == "aspirasi":
        answer = _("The agency responds to your aspiration within 3 working days.")
    elif record.type.value == "pengaduan":
        answer = _("The agency answers within 5 working days; a dispute may take 14 to 60.")
    else:
        answer = _("The agency answers within 5 working days.")
    next_steps = (
        _(
            "By {date} your report is verified and forwarded to the agency with authority over it."
        ).format(date=verify),
        answer,
    )
    display = tracking.display(record.tracking_id)
    follow_up = [_("Scan the QR code with your phone's camera.")]
    if context.central_url:
        follow_up.append(
            _("Or open {url} and type the access code.").format(url=f"{context.central_url}/t")
        )
    follow_up.append(
        _("Or send an SMS to {number} quoting {tracking_id}.").format(
            number=SMS_NUMBER, tracking_id=display
        )
    )
    follow_up.append(_("Or ask at any mudik post with this receipt."))
    return ReceiptContent(
        program=PROGRAM_NAME,
        post=f"{context.post_name} ({context.post_code})",
        created=format_datetime_local(record.created_at),
        tracking_label=_("Tracking number"),
        tracking_id=display,
        access_label=_("Access code (keep it to yourself)"),
        access_code=access_code(record.secret),
        qr_payload=qr_payload(record, context),
        facts=facts,
        next_steps_title=_("What happens next"),
        next_steps=next_steps,
        follow_up_title=_("How to follow up"),
        follow_up=tuple(follow_up),
        footer=_("Served by {operator}. Keep this receipt.").format(operator=record.operator_name),
    )
