"""The tracking status as an SMS reply: at most 160 plain characters, never a reporter's
name or a note."""

from __future__ import annotations

import unicodedata

from central.i18n import N_, translator
from central.tracking_page.view import Malformed, PublicReport, Unknown, short_date
from posko import tracking

SMS_LIMIT = 160

SMS_MALFORMED_HINTS: dict[str, str] = {
    tracking.TrackingIdError.EMPTY: N_("No number was given."),
    tracking.TrackingIdError.BAD_CHARACTER: N_("It has characters a tracking number never has."),
    tracking.TrackingIdError.BAD_LENGTH: N_("A tracking number usually has 9 characters."),
    tracking.TrackingIdError.BAD_CHECK: N_("One character is probably mistyped."),
}


def gsm(text: str) -> str:
    """Plain ASCII: one character outside the GSM alphabet turns a 160-character SMS into a
    70-character one, so accents and typographic quotes are folded away."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())


def fit(text: str, limit: int = SMS_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def sms_for_report(report: PublicReport, lang: str) -> str:
    _ = translator(lang)
    last = report.timeline[-1].changed_at if report.timeline else report.updated_at
    tail = ""
    if report.open and report.details_visible:  # a confidential report's deadline is hidden
        if report.expected_at is not None:
            tail = _("Response due {date}.").format(date=short_date(report.expected_at))
        else:
            tail = _("Response date set after verification.")

    def compose(status: str) -> str:
        head = _("Report {id}: {status}, {date}.").format(
            id=report.display, status=status, date=short_date(last)
        )
        return gsm(f"{head} {tail}")

    status = gsm(report.status_label)
    agency = gsm(report.agency or "")
    if not agency:
        return fit(compose(status))
    full = compose(f"{status} ({agency})")
    if len(full) <= SMS_LIMIT:
        return full
    # A long agency name is cut, never the status or the dates.
    room = SMS_LIMIT - len(compose(f"{status} ()")) - 3
    if room >= 8:
        return fit(compose(f"{status} ({agency[:room].rstrip()}...)"))
    return fit(compose(status))


def sms_for_unknown(found: Unknown, lang: str) -> str:
    _ = translator(lang)
    return fit(
        gsm(
            _(
                "{id} is valid but not received yet; check again later. A confidential "
                "report needs its access code after the number."
            ).format(id=found.display)
        )
    )


def sms_for_malformed(found: Malformed, lang: str) -> str:
    _ = translator(lang)
    shown = gsm(found.shown)[:20] or "-"
    text = _("{id} is not a valid tracking number. {hint} Check your receipt.").format(
        id=shown, hint=_(SMS_MALFORMED_HINTS[found.error.reason])
    )
    return fit(gsm(text))
