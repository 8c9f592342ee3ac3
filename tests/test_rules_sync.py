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
from desktop.paths import Profile, assets_dir
from desktop.routing import RoutingError, accept_rule_set, router_for
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll
from desktop.sync.transport import RequestsTransport
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
        router_for.cache_clear()
    assert "Traceback" not in (tmp_path / "server.log").read_text(encoding="utf-8")


def test_a_damaged_or_foreign_rules_file_is_never_used(tmp_path: Path) -> None:
    path = tmp_path / "routing-rules.json"
    try:
        path.write_text("{not json", encoding="utf-8")
        router_for.cache_clear()
        assert router_for(path).version == installed_version()  # installed rules, logged
        routing = json.loads((newer_rules(tmp_path / "r") / "routing.json").read_text("utf-8"))
        agencies = json.loads((assets_dir() / "agencies.json").read_text("utf-8"))
        routing["agency_rules"].append({"category": "TOL", "agency": "NOPE", "terms": ["x"]})
        with pytest.raises(RoutingError, match="NOPE"):
            accept_rule_set(routing, agencies)
        path.write_text(
            json.dumps({"version": routing["version"], "routing": routing, "agencies": agencies}),
            encoding="utf-8",
        )
        router_for.cache_clear()
        assert router_for(path).version == installed_version()
        older = json.loads((assets_dir() / "routing.json").read_text("utf-8"))
        older["version"] = installed_version() - 1 if installed_version() > 1 else 1
        path.write_text(
            json.dumps({"version": older["version"], "routing": older, "agencies": agencies}),
            encoding="utf-8",
        )
        router_for.cache_clear()
        assert router_for(path).version == installed_version()  # never goes back
    finally:
        router_for.cache_clear()


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
