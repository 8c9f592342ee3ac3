"""The standee a post puts on its table: a sheet with a big QR code that opens the SKM
survey on the traveller's own phone, on the central system's page
``{central_url}/survei/{POST_CODE}/{SERVICE_CODE}``. What it says is decided here, without
Qt; ``desktop.printing.render`` lays it out.

Only a desk set up with a central system has a standee: the page and the answers live
there. (Unlike a receipt, it does not fall back to the programme's tracking address: a
post the central system does not know could not be credited with the answers.)"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from desktop.receipt import printed_address
from desktop.store.context import DeskContext
from posko.i18n import _
from posko.survey import Service


def phone_survey_url(central_url: str, post_code: str, service_code: str) -> str:
    """The phone survey page of ``service_code`` at ``post_code``, both path-quoted; ""
    when the desk has no central system (then there is no page to point to)."""
    if not central_url:
        return ""
    post, service = quote(post_code, safe=""), quote(service_code, safe="")
    return f"{central_url.rstrip('/')}/survei/{post}/{service}"


@dataclass(frozen=True)
class StandeeContent:
    title: str
    service: str  # the service's name, in the sheet's language
    post: str
    qr_payload: str
    address_label: str
    address: str  # the page without its scheme, for those who type it
    instructions: tuple[str, ...]


def no_standee_reason() -> str:
    """Why a desk without a central system has no standee, and how to give it one."""
    return _(
        "This desk has no central system address, so there is no survey page for "
        "phones to open: set it with posko setup --central-url URL."
    )


def build_standee(context: DeskContext, service: Service) -> StandeeContent | None:
    """The standee for ``service`` at this desk's post; None without a central system."""
    url = phone_survey_url(context.central_url, context.post_code, service.code)
    if not url:
        return None
    return StandeeContent(
        title=_("Satisfaction survey (SKM)"),
        service=service.name(),
        post=f"{context.post_name} ({context.post_code})",
        qr_payload=url,
        address_label=_("Or type this address into your phone's browser:"),
        address=printed_address(url),
        instructions=(
            _("Scan the QR code with your phone's camera."),
            _("No name, no phone number. Once per service per day."),
        ),
    )
