"""The operator's words for what the sync stack reports (a pass that stopped, a refused
enrollment, a bundle not written): shared by the command line and the sync panel, so Qt-free
and in neither of them."""

from __future__ import annotations

from desktop.sync.engine import Problem
from desktop.sync.enroll import EnrollmentError
from desktop.sync.export import ExportError
from posko.bundle import MAX_INFLATED_BYTES, MAX_RECORDS
from posko.i18n import _


def problem_message(problem: str | None, detail: str = "") -> str:
    """The operator's words for why a sync pass stopped."""
    messages = {
        Problem.NOT_ENROLLED: _("This desk is not enrolled with a central system yet."),
        Problem.OFFLINE: _("The central system cannot be reached; the records stay queued."),
        Problem.SERVER_ERROR: _("The central system answered with an error; it will be retried."),
        Problem.AUTH: _(
            "The central system no longer accepts this desk's token; ask the coordinator "
            "for a new enrollment code."
        ),
        Problem.BAD_ANSWER: _("The central system's answer could not be read; it will be retried."),
        Problem.STOPPED: _("Sync stopped; what was not sent stays queued."),
    }
    text = messages.get(problem or "", problem or "")
    return f"{text} ({detail})" if detail else text


def enroll_message(code: str) -> str:
    """The operator's words for why enrollment failed (``EnrollmentError.code``)."""
    messages = {
        EnrollmentError.OFFLINE: _("The central system cannot be reached."),
        EnrollmentError.BAD_URL: _("The server address must start with http:// or https://."),
        EnrollmentError.CODE_UNKNOWN: _("This enrollment code is not known; check it."),
        EnrollmentError.CODE_USED: _("This enrollment code has already been used."),
        EnrollmentError.CODE_EXPIRED: _("This enrollment code has expired; ask for a new one."),
        EnrollmentError.DEVICE_REVOKED: _(
            "This desk was revoked by the coordinator; ask them to reinstate it, then enroll "
            "again with a new code."
        ),
        EnrollmentError.DEVICE_OTHER_POST: _(
            "This desk is enrolled at another post. To move it, the coordinator revokes and "
            "reinstates it; then enroll with the new post's code."
        ),
        EnrollmentError.REFUSED: _("The central system refused the enrollment."),
    }
    return messages.get(code, code)


def unsealed_warning() -> str:
    """Said after a bundle was written in clear (``Exported.sealed`` false)."""
    text: str = _(
        "Warning: this bundle is not encrypted, because the desk has not received the "
        "central system's key yet: anyone who finds the stick can read the reports in it. "
        "Sync online once to receive the key, then export again."
    )
    return text


def export_message(code: str, detail: str = "") -> str:
    """The operator's words for why a bundle was not written (``ExportError.code``)."""
    messages = {
        ExportError.NOT_ENROLLED: _(
            "Enroll this desk first: the central system must know its key to trust a bundle."
        ),
        ExportError.NOTHING: _("Nothing is waiting to be sent: no bundle was written."),
        ExportError.TOO_LARGE: _(
            "More is waiting than one bundle may hold (at most {records} records, {size} MB "
            "unpacked): no bundle was written; sync online instead."
        ).format(records=MAX_RECORDS, size=MAX_INFLATED_BYTES // (1024 * 1024)),
        ExportError.WRITE_FAILED: _("The bundle could not be written: {error}").format(
            error=detail
        ),
    }
    return messages.get(code, code)
