"""The smaller holes a hostile test found, each attacked through the real server on
127.0.0.1."""

from __future__ import annotations

import httpx

from tests.central_support import CentralServer


def test_discovery_never_echoes_the_host_header(central_server: CentralServer) -> None:
    """Before: the discovery document's endpoint URL was built from the request's Host
    header, so a forged header made the server advertise an attacker's address."""
    for fmt in ("json", "xml"):
        answer = httpx.get(
            f"{central_server.url}/open311/v2/discovery.{fmt}",
            headers={"host": "evil.example:666"},
        )
        assert answer.status_code == 200
        assert "evil.example" not in answer.text
        assert f"{central_server.url}/open311/v2" in answer.text
