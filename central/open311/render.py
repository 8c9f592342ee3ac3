"""Answers in the requested format: XML built from the same dicts as the JSON, the
Open311 error list, and ISO 8601 dates in WIB."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from central.open311.models import FORMATS, LIST_ITEMS, WIB


class Open311Error(Exception):
    def __init__(
        self, status: int, *descriptions: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions or ("error",)
        self.headers = dict(headers or {})


def _not_found(what: str) -> Open311Error:
    return Open311Error(404, f"{what} not found")


# -- rendering -------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _xml_fill(parent: ET.Element, data: Mapping[str, object]) -> None:
    for key, value in data.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                grandchild = ET.SubElement(child, LIST_ITEMS[key])
                if isinstance(item, Mapping):
                    _xml_fill(grandchild, item)
                else:
                    grandchild.text = _xml_text(item)
        elif isinstance(value, Mapping):
            _xml_fill(child, value)
        else:
            child.text = _xml_text(value)


def to_xml(root: str, content: object) -> str:
    """``content`` (a list of objects, or one object) under ``<root>``."""
    element = ET.Element(root)
    if isinstance(content, list):
        for item in content:
            _xml_fill(ET.SubElement(element, LIST_ITEMS[root]), item)
    else:
        assert isinstance(content, Mapping)
        _xml_fill(element, content)
    body = ET.tostring(element, encoding="unicode")
    # ElementTree leaves carriage returns as they are, and XML parsers turn them into
    # line feeds: a character reference keeps them.
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body.replace("\r", "&#13;")


def _render(fmt: str, root: str, content: object, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, content), status_code=status, media_type=FORMATS["xml"])
    return JSONResponse(content, status_code=status)


def _error_response(fmt: str, error: Open311Error) -> Response:
    items = [{"code": error.status, "description": d} for d in error.descriptions]
    response = _render(fmt, "errors", items, error.status)
    response.headers.update(error.headers)
    return response


def _answer(
    fmt: str,
    root: str,
    produce: Callable[[], object],
    headers: Callable[[object], Mapping[str, str]] | None = None,
) -> Response:
    """Run ``produce`` and answer its content, or the errors it raised, in ``fmt``;
    ``headers`` adds headers computed from the content (a page's ``Link``)."""
    if fmt not in FORMATS:
        return _error_response("json", _format_error(fmt))
    try:
        content = produce()
    except Open311Error as error:
        return _error_response(fmt, error)
    response = _render(fmt, root, content)
    if headers is not None:
        response.headers.update(headers(content))
    return response


def _format_error(fmt: str) -> Open311Error:
    return Open311Error(404, f"unknown format {fmt[:20]!r}: use .xml or .json")


def _dump(models_: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in models_]


def iso(moment: datetime) -> str:
    """ISO 8601 in WIB, to the second: ``2026-03-20T14:05:09+07:00``."""
    return moment.astimezone(WIB).isoformat(timespec="seconds")
