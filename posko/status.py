"""Where a report stands on the central system (LAPOR!'s agency workflow), in the words a
citizen is told: one vocabulary for the desk's list and receipt look-ups and the central
system's tracking page and Open311, and the wire protocol (``posko.wire`` re-exports
``CentralStatus``). The texts are marked for translation here and translated by whichever
program shows them. Imports nothing heavy: the desk reads it before its window shows."""

from __future__ import annotations

import enum

from posko.i18n import N_


class CentralStatus(enum.StrEnum):
    """Where a report stands on the central system (LAPOR!'s agency workflow)."""

    RECEIVED = "received"
    VERIFIED = "verified"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    POSTPONED = "postponed"
    NOT_AUTHORITY = "not_authority"
    ARCHIVED = "archived"

    @property
    def closed(self) -> bool:
        """Open311 knows only open and closed."""
        return self in (CentralStatus.RESOLVED, CentralStatus.ARCHIVED)


# A short label per status.
LABELS: dict[CentralStatus, str] = {
    CentralStatus.RECEIVED: N_("Received by the central system"),
    CentralStatus.VERIFIED: N_("Verified"),
    CentralStatus.FORWARDED: N_("Forwarded to the agency"),
    CentralStatus.IN_PROGRESS: N_("Being followed up"),
    CentralStatus.RESOLVED: N_("Resolved"),
    CentralStatus.POSTPONED: N_("Postponed"),
    CentralStatus.NOT_AUTHORITY: N_("Not within its authority (redirected)"),
    CentralStatus.ARCHIVED: N_("Archived"),
}

# What the status means for the citizen, on the tracking page.
HELP: dict[CentralStatus, str] = {
    CentralStatus.RECEIVED: N_(
        "Your report has reached the central system and is waiting to be verified."
    ),
    CentralStatus.VERIFIED: N_(
        "Staff have checked your report and will forward it to the responsible agency."
    ),
    CentralStatus.FORWARDED: N_(
        "Your report has been forwarded to the responsible agency, which must respond by the "
        "date shown."
    ),
    CentralStatus.IN_PROGRESS: N_("The agency is following up your report."),
    CentralStatus.RESOLVED: N_("The agency has reported that your report is resolved."),
    CentralStatus.POSTPONED: N_(
        "The follow-up of your report is on hold for now; staff will update its status."
    ),
    CentralStatus.NOT_AUTHORITY: N_(
        "The matter is not within this agency's authority; your report is being redirected to "
        "the agency that can handle it."
    ),
    CentralStatus.ARCHIVED: N_("Your report has been archived and is no longer followed up."),
}


def label(status: str | None) -> str | None:
    """The untranslated label of ``status``; None for a value this program does not know."""
    try:
        return LABELS[CentralStatus(status)] if status else None
    except ValueError:
        return None
