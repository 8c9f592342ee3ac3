"""Routing rules are versioned data the central system hands out: a desk takes a newer set
on its next sync (after checking it with its own rule engine) and routes with it offline;
a set that does not check out never replaces the one in use."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from central.app import create_app
from central.rules import RulesError, load_rule_set
from central.store import CentralStore
from desktop.domain import ComplaintInput, ComplaintType
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.transport import Answer, RequestsTransport
from posko.assets import assets_dir
from posko.routing import (
    RoutingError,
    accept_rule_set,
    default_router,
    router_for,
    use_profile_rules,
)
from tests.central_support import enroll as enroll_device
from tests.central_support import start_server, stop_process

SKIMMING = "Saldo tabungan terkuras, kartu kena skimming di mesin setor tunai"


def installed_version() -> int:
    return int(json.loads((assets_dir() / "routing.json").read_text("utf-8"))["version"])


def newer_rules(directory: Path, **categories: object) -> Path:
    """A copy of the installed rules, one version up, that knows 'skimming' (card fraud);
    ``categories``: more categories, by code, with their terms."""
    directory.mkdir(parents=True, exist_ok=True)
    routing = json.loads((assets_dir() / "routing.json").read_text("utf-8"))
    routing["version"] = installed_version() + 1
    routing["categories"]["KEAMANAN"]["skimming"] = 5
    for name, terms in categories.items():
        routing["categories"][name] = terms
    (directory / "routing.json").write_text(json.dumps(routing), encoding="utf-8")
    shutil.copy(assets_dir() / "agencies.json", directory / "agencies.json")
    return directory


def test_the_sync_api_hands_out_newer_rules_only(
    central_store: CentralStore, tmp_path: Path
) -> None:
    rules = load_rule_set(newer_rules(tmp_path / "rules"))
    token, _device = enroll_device(central_store)
    auth = {"authorization": f"Bearer {token}"}
    with TestClient(create_app(central_store, rules=rules)) as client:
        assert client.get("/api/v1/sync/rules").status_code == 401
        fresh = client.get("/api/v1/sync/rules", params={"have": installed_version()}, headers=auth)
        assert fresh.status_code == 200
        body = fresh.json()
        assert body["version"] == installed_version() + 1
        assert body["routing"]["categories"]["KEAMANAN"]["skimming"] == 5
        assert body["agencies"]["category_agency"]["KEAMANAN"] == "POLRI"
        same = client.get("/api/v1/sync/rules", params={"have": rules.version}, headers=auth)
        assert same.status_code == 204 and same.content == b""
        bad = client.get("/api/v1/sync/rules", params={"have": "-1"}, headers=auth)
        assert bad.status_code == 422


def test_the_central_system_refuses_rules_a_desk_would_refuse(tmp_path: Path) -> None:
    broken = newer_rules(tmp_path / "a", NEWCAT={"x": 1})
    with pytest.raises(RulesError, match="NEWCAT"):
        load_rule_set(broken)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "routing.json").write_text("{", encoding="utf-8")
    with pytest.raises(RulesError, match="routing rules"):
        load_rule_set(tmp_path / "b")
    with pytest.raises(RulesError):
        load_rule_set(tmp_path / "missing")
    assert load_rule_set(None).version == installed_version()  # the installed set


@pytest.mark.slow
def test_a_desk_takes_newer_rules_on_its_next_sync(
    store: Store, profile: Profile, central_db_url: str, tmp_path: Path
) -> None:
    rules_dir = newer_rules(tmp_path / "central-rules")
    env = dict(os.environ, POSKO_CENTRAL_RULES=str(rules_dir))
    process, url = start_server(central_db_url, tmp_path / "server.log", env=env)
    central: CentralStore | None = None
    transport = RequestsTransport(timeout=(5, 30))
    try:
        from central.db import open_database

        central = CentralStore(open_database(central_db_url))
        code, _expires = central.create_enroll_code("MRK", 1)
        enroll(store, profile, url, code, transport)
        assert router_for(profile.rules).route(SKIMMING).category != "KEAMANAN"

        # A rules answer that fails, or a set the desk must refuse, never fails the pass
        # (the records went through) and leaves the rules in use as they were.
        store.save_complaint(complaint())
        faulty = RulesFault(transport)
        faulty.answer = Answer(500, b'{"error":"internal","message":"boom"}')
        failed = SyncEngine(store, profile, faulty).run_once()
        assert failed.ok and failed.sent == 1 and failed.rules_version is None
        foreign = json.loads((newer_rules(tmp_path / "foreign", NEWCAT={"x": 1}) / "routing.json")
                             .read_text("utf-8"))  # fmt: skip
        foreign["version"] = installed_version() + 5
        agencies = json.loads((assets_dir() / "agencies.json").read_text("utf-8"))
        body = {"version": foreign["version"], "routing": foreign, "agencies": agencies}
        faulty.answer = Answer(200, json.dumps(body).encode())
        refusing = SyncEngine(store, profile, faulty)
        refused = refusing.run_once()
        assert refused.ok and refused.rules_version is None and not profile.rules.exists()
        faulty.answer = None
        assert refusing.run_once().ok  # not asked for again: have= the refused version
        assert faulty.asked[-1].endswith(f"have={installed_version() + 5}")
        assert not profile.rules.exists()

        engine = SyncEngine(store, profile, transport)
        report = engine.run_once()
        assert report.ok, report
        assert report.rules_version == installed_version() + 1
        saved = json.loads(profile.rules.read_text(encoding="utf-8"))
        assert saved["version"] == installed_version() + 1
        suggestion = router_for(profile.rules).route(SKIMMING)
        assert (suggestion.category, suggestion.agency) == ("KEAMANAN", "POLRI")
        assert "skimming" in suggestion.why

        again = engine.run_once()  # up to date: nothing fetched, nothing rewritten
        assert again.ok and again.rules_version is None
    finally:
        transport.close()
        stop_process(process)
        if central is not None:
            central.close()
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")


class RulesFault:
    """The real transport, except that the rules request gets ``answer`` when one is set;
    records the rules requests made."""

    def __init__(self, inner: RequestsTransport) -> None:
        self.inner = inner
        self.answer: Answer | None = None
        self.asked: list[str] = []

    def request(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        if "/sync/rules" in url:
            self.asked.append(url)
            if self.answer is not None:
                return self.answer
        return self.inner.request(method, url, body=body, headers=headers)


def complaint() -> ComplaintInput:
    return ComplaintInput(
        type=ComplaintType.PENGADUAN,
        category="TOL",
        title="Antrean gerbang tol",
        description="Antrean kendaraan di gerbang tol lebih dari 5 km.",
    )


def saved_rules(path: Path, routing: dict[str, object]) -> Path:
    agencies = json.loads((assets_dir() / "agencies.json").read_text("utf-8"))
    data = {"version": routing["version"], "routing": routing, "agencies": agencies}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_profile_rules_are_used_when_newer_and_never_when_broken(tmp_path: Path) -> None:
    path = tmp_path / "routing-rules.json"
    newer = json.loads((newer_rules(tmp_path / "r") / "routing.json").read_text("utf-8"))
    saved_rules(path, newer)
    router = router_for(path)
    assert router.version == installed_version() + 1
    assert router.route(SKIMMING).category == "KEAMANAN"
    try:  # what the desk does once it knows its profile
        use_profile_rules(path)
        assert default_router() is router
    finally:
        use_profile_rules(None)
    assert default_router().version == installed_version()

    path.write_text("{not json", encoding="utf-8")  # damaged: the installed rules, logged
    assert router_for(path).version == installed_version()
    foreign = json.loads(json.dumps(newer))
    foreign["agency_rules"].append({"category": "TOL", "agency": "NOPE", "terms": ["x"]})
    saved_rules(path, foreign)
    assert router_for(path).version == installed_version()
    older = json.loads((assets_dir() / "routing.json").read_text("utf-8"))
    older["version"] = max(installed_version() - 1, 1)
    saved_rules(path, older)
    assert router_for(path).version == installed_version()  # never goes back


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 2026112301}, "version"),  # more than the protocol carries
        ({"version": "3"}, "version"),
        ({"agency_rules": [{"category": "TOL", "agency": ["X"], "terms": ["y"]}]}, "text"),
        ({"agency_rules": [{"category": "TOL", "agency": "NOPE", "terms": ["y"]}]}, "NOPE"),
        ({"agency_rules": [{"category": "NEWCAT", "agency": "BPJT", "terms": ["y"]}]}, "NEWCAT"),
        ({"categories": {"TOL": {"tol": float("nan")}}}, "weight"),
        ({"categories": {"TOL": {"tol": True}}}, "weight"),
        ({"categories": {"TOL": {"tol": 0}}}, "weight"),
    ],
)
def test_malformed_rules_are_refused_with_the_reason(
    change: dict[str, object], message: str
) -> None:
    routing = json.loads((assets_dir() / "routing.json").read_text("utf-8"))
    agencies = json.loads((assets_dir() / "agencies.json").read_text("utf-8"))
    routing.update(change)
    with pytest.raises(RoutingError, match=message):
        accept_rule_set(routing, agencies)


def test_serve_refuses_to_start_with_rules_a_desk_would_refuse(tmp_path: Path) -> None:
    import subprocess
    import sys

    broken = newer_rules(tmp_path / "rules", NEWCAT={"x": 1})
    database = f"sqlite:///{tmp_path / 'central.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "central.cli", "--database-url", database, "serve",
         "--port", "9", "--rules", str(broken)],
        capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if k != "POSKO_LANG"},
    )  # fmt: skip
    assert result.returncode == 1
    assert "Aturan rute tidak dapat dilayani" in result.stderr and "NEWCAT" in result.stderr
