"""What a receipt says, decided without Qt: the renderer in ``desktop.printing`` only lays it
out. Keeping the words here lets the CLI, tests and (later) the central system reuse them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from desktop.programme import programme, receipt_url, tracking_address
from desktop.store.records import ComplaintRecord, DeskContext
from posko import tracking
from posko.catalog import Catalog
from posko.i18n import _, current_language
from posko.zones import zone


def format_datetime_local(
    moment: datetime, language: str | None = None, *, time_zone: str | None = None
) -> str:
    """``Senin, 23 November 2026 14.05 WITA`` in the post's ``time_zone`` (``posko.zones``),
    or else in the laptop's."""
    from babel.dates import format_datetime, get_timezone_name

    locale = language or current_language()
    if time_zone is not None:
        local = moment.astimezone(zone(time_zone))
        text = format_datetime(local, "EEEE, d MMMM y HH.mm", locale=locale)
        return f"{text} {local.tzname()}"
    local = moment.astimezone()
    text = format_datetime(local, "EEEE, d MMMM y HH.mm", locale=locale)
    name = local.strftime("%Z")
    if name and not name.startswith(("+", "-")):
        return f"{text} {name}"
    return f"{text} {get_timezone_name(local, 'short', locale=locale)}".strip()


def format_date_local(day: date, language: str | None = None) -> str:
    """``Selasa, 31 Maret 2026``."""
    from babel.dates import format_date

    return format_date(day, "EEEE, d MMMM y", locale=language or current_language())


def access_code(secret: str) -> str:
    """``K7QM-XA42-PT9B``: the receipt secret in groups of four, to read and type."""
    return "-".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_payload(record: ComplaintRecord, context: DeskContext) -> str:
    """The tracking page with the ID and the receipt secret, at the address the desk knows
    now (its central system's, else the programme's): a receipt printed before the desk
    had an address of its own and reprinted after carries the new one. "" when there is no
    address at all: then the receipt has no QR code, since a bare ID opens nothing on a
    phone. The access code is printed either way, so every receipt carries its secret."""
    return receipt_url(context.central_url, record.tracking_id, record.secret)


@dataclass(frozen=True)
class Step:
    """One line of a receipt's list; ``address``, if any, is printed on a line of its own,
    never broken (a citizen types it from the paper)."""

    text: str
    address: str = ""


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
    title_label: str
    title: str  # the complaint's title: which report this receipt is for
    facts: tuple[tuple[str, str], ...]
    next_steps_title: str
    next_steps: tuple[Step, ...]
    follow_up_title: str
    follow_up: tuple[Step, ...]
    footer: str


def printed_address(url: str) -> str:
    """``pusat.posko.id/t`` for ``https://pusat.posko.id/t``: what a person types into a
    phone's browser, without the scheme it adds itself."""
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return url[len(scheme) :]
    return url


def _next_steps(record: ComplaintRecord, catalog: Catalog) -> tuple[Step, ...]:
    """Both deadlines as dates, each said to count from the day of the report (neither
    waits for the other)."""
    from posko.workdays import VERIFY_DAYS, deadlines

    category = catalog.get(record.category)
    due = deadlines(record.type.value, category.group if category else "", record.created_at)
    verify = _(
        "Verified and forwarded to the agency with authority over it by {date} "
        "({days} working days from the day of your report)."
    ).format(date=format_date_local(due.verify_by), days=VERIFY_DAYS)
    if due.resolve_by is not None:
        answer = _(
            "COVID-19 report: a response by {date} (1 working day from the day of your "
            "report), resolved by {resolve}."
        ).format(date=format_date_local(due.answer_by), resolve=format_date_local(due.resolve_by))
        return (Step(answer),)
    answer = _(
        "Answered by the agency by {date} ({days} working days from the day of your report)."
    ).format(date=format_date_local(due.answer_by), days=due.answer_days)
    steps = [Step(verify), Step(answer)]
    if record.type.value == "pengaduan":
        steps.append(Step(_("A dispute between parties may take 14 to 60 working days.")))
    return tuple(steps)


def _follow_up(context: DeskContext, display: str) -> tuple[Step, ...]:
    """Only what can work from this receipt: with no tracking address, no QR code to scan
    and no page to open; the SMS line and the posts always."""
    steps: list[Step] = []
    address = tracking_address(context.central_url)
    if address:
        steps.append(Step(_("Scan the QR code with your phone's camera.")))
        steps.append(
            Step(
                _("Or open this address and type the access code:"), printed_address(f"{address}/t")
            )
        )
    sms = (
        _("Send an SMS to {number} with the tracking number:")
        if not steps
        else _("Or send an SMS to {number} with the tracking number:")
    )
    steps.append(Step(sms.format(number=programme().sms_number), display))
    steps.append(Step(_("Or ask at any mudik post with this receipt.")))
    return tuple(steps)


def build_receipt(
    record: ComplaintRecord, context: DeskContext, catalog: Catalog
) -> ReceiptContent:
    category = catalog.get(record.category)
    yes, no = _("Yes"), _("No")
    facts = (
        (_("Type"), record.type.label()),
        (_("Category"), category.name() if category else record.category),
        (_("Anonymous"), yes if record.anonymous else no),
        (_("Confidential"), yes if record.confidential else no),
    )
    display = tracking.display(record.tracking_id)
    return ReceiptContent(
        program=programme().name,
        post=f"{context.post_name} ({context.post_code})",
        created=format_datetime_local(record.created_at, time_zone=context.time_zone),
        tracking_label=_("Tracking number"),
        tracking_id=display,
        access_label=_("Access code (keep it to yourself)"),
        access_code=access_code(record.secret),
        qr_payload=qr_payload(record, context),
        title_label=_("Your report"),
        title=record.title,
        facts=facts,
        next_steps_title=_("What happens next"),
        next_steps=_next_steps(record, catalog),
        follow_up_title=_("How to follow up"),
        follow_up=_follow_up(context, display),
        footer=_("Served by {operator}. Keep this receipt.").format(operator=record.operator_name),
    )
