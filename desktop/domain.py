"""What a complaint is and what makes one acceptable — no storage, no Qt."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from posko import status as status_vocabulary
from posko.catalog import Catalog
from posko.i18n import N_, _
from posko.phones import normalize_phone


class ComplaintType(enum.StrEnum):
    PENGADUAN = "pengaduan"
    ASPIRASI = "aspirasi"
    INFORMASI = "permintaan_informasi"

    def label(self) -> str:
        return _(_TYPE_LABELS[self])


_TYPE_LABELS = {
    ComplaintType.PENGADUAN: N_("Complaint (pengaduan)"),
    ComplaintType.ASPIRASI: N_("Aspiration (aspirasi)"),
    ComplaintType.INFORMASI: N_("Information request"),
}


class SyncState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    NEEDS_ATTENTION = "needs_attention"
    SET_ASIDE = "set_aside"  # the operator decided not to send it, with a reason


def central_status_label(status: str | None) -> str:
    if not status:
        return _("not known yet")
    label = status_vocabulary.label(status)
    return _(label) if label else status


class PaperSize(enum.StrEnum):
    THERMAL_58 = "58mm"
    THERMAL_80 = "80mm"
    A6 = "a6"
    A4 = "a4"

    def label(self) -> str:
        return _(_PAPER_LABELS[self])


_PAPER_LABELS = {
    PaperSize.THERMAL_58: N_("Thermal roll 58 mm"),
    PaperSize.THERMAL_80: N_("Thermal roll 80 mm"),
    PaperSize.A6: N_("A6 sheet"),
    PaperSize.A4: N_("A4 sheet"),
}

LIMITS = {
    "title": (5, 150),
    "description": (10, 4000),
    "location": (0, 200),
    "note": (0, 200),  # a stock movement's note (posko.wire's limit)
    "reporter_name": (0, 100),
    "email": (0, 254),
    "post_code": (2, 16),
    "post_name": (2, 100),
    "operator": (2, 100),
    "suggestion": (0, 2000),  # an SKM questionnaire's saran (posko.wire's limit)
}

# Control characters other than tab and newline are never typed on purpose; they break
# printers, SMS and CSV exports, so they are refused with a message instead of stored.
# The patterns are compiled on first use (``re`` caches them): start-up does not validate.
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
_SINGLE_LINE_CONTROL = r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]"
_EMAIL = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_POST_CODE = r"^[A-Z0-9][A-Z0-9-]*$"


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationError(ValueError):
    """Input that cannot be accepted; ``errors`` has one message per offending field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors

    def for_field(self, name: str) -> str | None:
        return next((e.message for e in self.errors if e.field == name), None)


def is_email(raw: str) -> bool:
    local, _sep, _domain = raw.partition("@")
    return bool(re.match(_EMAIL, raw)) and len(local) <= 64 and ".." not in raw


def check_text(
    errors: list[FieldError],
    name: str,
    value: str,
    *,
    label: str,
    required: bool,
    multiline: bool = False,
) -> str:
    """Validate a free-text field; returns it stripped of surrounding blanks, else verbatim."""
    text = value.strip()
    low, high = LIMITS[name]
    control = _CONTROL if multiline else _SINGLE_LINE_CONTROL
    if required and not text:
        errors.append(FieldError(name, _("{field} must be filled in.").format(field=label)))
    elif text and re.search(control, text):
        errors.append(
            FieldError(
                name,
                _("{field} contains an invisible control character; please retype it.").format(
                    field=label
                ),
            )
        )
    elif text and len(text) < low:
        errors.append(
            FieldError(
                name,
                _("{field} is too short: at least {n} characters.").format(field=label, n=low),
            )
        )
    elif len(text) > high:
        errors.append(
            FieldError(
                name,
                _("{field} is too long: at most {n} characters (now {m}).").format(
                    field=label, n=high, m=len(text)
                ),
            )
        )
    return text


@dataclass
class ComplaintInput:
    """What the intake form (or a test, or demo data) hands to storage."""

    type: ComplaintType | str | None
    category: str | None
    title: str
    description: str
    location: str = ""
    occurred_at: datetime | None = None
    reporter_name: str = ""
    phone: str = ""
    email: str = ""
    anonymous: bool = False
    confidential: bool = False
    category_suggested: str | None = field(default=None)

    def validated(self, catalog: Catalog, now: datetime) -> ComplaintInput:
        """A cleaned copy (trimmed text, normalised phone), or ``ValidationError``."""
        errors: list[FieldError] = []
        kind: ComplaintType | None = None
        try:
            kind = ComplaintType(self.type) if self.type else None
        except ValueError:
            kind = None
        if kind is None:
            errors.append(FieldError("type", _("Choose the type of report.")))
        if not self.category or self.category not in catalog.codes():
            errors.append(FieldError("category", _("Choose a category.")))
        title = check_text(errors, "title", self.title, label=_("Title"), required=True)
        description = check_text(
            errors,
            "description",
            self.description,
            label=_("Description"),
            required=True,
            multiline=True,
        )
        location = check_text(
            errors, "location", self.location, label=_("Location"), required=False
        )
        name = check_text(
            errors, "reporter_name", self.reporter_name, label=_("Name"), required=False
        )
        phone = self.phone.strip()
        if phone:
            normalized = normalize_phone(phone)
            if normalized is None:
                errors.append(
                    FieldError(
                        "phone",
                        _(
                            "The phone number is not valid. Examples: 0812-3456-7890, "
                            "+62 812 3456 7890, (021) 555-1234; abroad with its country "
                            "code: +60 12-345 6789."
                        ),
                    )
                )
            else:
                phone = normalized
        email = self.email.strip()
        if email and (len(email) > LIMITS["email"][1] or not is_email(email)):
            errors.append(
                FieldError("email", _("The e-mail address is not valid. Example: nama@contoh.id"))
            )
        if self.occurred_at is not None and self.occurred_at > now + timedelta(minutes=5):
            errors.append(FieldError("occurred_at", _("The time of the event is in the future.")))
        if errors:
            raise ValidationError(errors)
        assert kind is not None
        return ComplaintInput(
            type=kind,
            category=self.category,
            title=title,
            description=description,
            location=location,
            occurred_at=self.occurred_at,
            reporter_name=name,
            phone=phone,
            email=email,
            anonymous=self.anonymous,
            confidential=self.confidential,
            category_suggested=self.category_suggested,
        )


def validate_operator(name: str) -> str:
    """An operator's name as typed at a shift change, trimmed; ``ValidationError``."""
    errors: list[FieldError] = []
    clean = check_text(errors, "operator", name, label=_("Operator name"), required=True)
    if errors:
        raise ValidationError(errors)
    return clean


def validate_setup(post_code: str, post_name: str, operator: str, central_url: str) -> str:
    """Check the first-run answers; returns the normalised post code."""
    errors: list[FieldError] = []
    code = check_text(errors, "post_code", post_code.upper(), label=_("Post code"), required=True)
    if code and not any(e.field == "post_code" for e in errors) and not re.match(_POST_CODE, code):
        errors.append(
            FieldError("post_code", _("The post code may contain only letters, digits and dashes."))
        )
    check_text(errors, "post_name", post_name, label=_("Post name"), required=True)
    check_text(errors, "operator", operator, label=_("Operator name"), required=True)
    url = central_url.strip()
    if url and not re.match(r"^https?://[^\s/$.?#][^\s]*$", url):
        errors.append(
            FieldError(
                "central_url",
                _("The central system address must start with https:// or http://"),
            )
        )
    if errors:
        raise ValidationError(errors)
    return code
