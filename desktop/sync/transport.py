"""HTTP to the central system, behind a small interface so tests can inject faults and
the engine never sees ``requests`` types."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

CONNECT_TIMEOUT = 10.0  # seconds; ODK Collect uses 30 s / 60 s on worse networks
READ_TIMEOUT = 60.0


class TransportError(Exception):
    """No answer: offline, refused, reset, timed out, or the answer was cut off."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str = ""


class Transport(Protocol):
    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer: ...


class RequestsTransport:
    """The real transport: one ``requests`` session (connection reuse), strict timeouts."""

    def __init__(self, timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT)) -> None:
        import requests

        self._session = requests.Session()
        self._timeout = timeout

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        import requests

        try:
            response = self._session.request(
                method, url, data=body, headers=headers, timeout=self._timeout,
                allow_redirects=False,
            )  # fmt: skip
            content = response.content  # reads the whole body: a cut-off body raises here
        except requests.RequestException as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return Answer(response.status_code, content, response.headers.get("content-type", ""))

    def close(self) -> None:
        self._session.close()
