"""Who may see what of a report, by the two SP4N-LAPOR! flags: the rules both sides share.
``central/disclosure.py`` builds every central surface from them (``docs/disclosure.md`` is
the table in words); the desk's export (``desktop/exports.py``) applies the same ones, so the
desk never decides on its own what an export without the reporters' contacts may hold.

* *rahasia* (confidential) hides the report's content (type, category, agency, deadline,
  title, description, place) from the public.
* The reporter's name, phone and e-mail are for staff only, whatever the flags.
"""

from __future__ import annotations

import enum
from typing import Protocol


class Audience(enum.Enum):
    PUBLIC = "public"
    HOLDER = "holder"
    STAFF = "staff"


class Flagged(Protocol):
    """What the rules read of a report."""

    @property
    def confidential(self) -> bool: ...


def content_visible(report: Flagged, who: Audience) -> bool:
    """The report's content: hidden from the public when it is rahasia."""
    return who is not Audience.PUBLIC or not report.confidential


def contacts_visible(who: Audience) -> bool:
    """The reporter's name, phone and e-mail: staff only."""
    return who is Audience.STAFF


__all__ = ["Audience", "Flagged", "contacts_visible", "content_visible"]
