"""HTML forms as browsers send them (``application/x-www-form-urlencoded``), read
strictly: a page's own form never sends a field twice, a body that is not UTF-8, or more
fields than it has."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

FORM_TYPE = "application/x-www-form-urlencoded"


class FormError(ValueError):
    """A body no page's form sends (only a hand-made request does)."""


def parse_form(body: bytes, max_fields: int) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=max_fields,
        )
    except ValueError:  # not UTF-8, too many fields
        raise FormError from None
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key in fields:
            raise FormError
        fields[key] = value
    return fields


async def read_form(request: Request, limit: int, max_fields: int) -> dict[str, str]:
    """The request's form fields; ``FormError`` for another content type, a body over
    ``limit`` bytes, or one ``parse_form`` refuses."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type != FORM_TYPE or len(body) > limit:
        raise FormError
    return parse_form(body, max_fields)
