"""The coordinator's campaign reaches every desk: set on the central system (``posko-central
campaign set``), a desk takes it on its next sync in place of its own, so the Penjangkauan
and Statistik sections measure every post against the same targets. Answers that do not
check out leave the desk's campaign as it was; with none set centrally, a desk keeps its
own. Real server on 127.0.0.1, real SQLite profile."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from central.db import open_database
from central.store import CentralStore
from desktop.paths import Profile
from desktop.store.repo import Store
from desktop.sync.engine import SyncEngine
from desktop.sync.enroll import enroll as enroll_desk
from desktop.sync.transport import Answer, RequestsTransport
from posko.campaign import Campaign
from tests.central_support import (
    CentralServer,
    FaultAt,
    enroll,
    run_central,
    start_server,
    stop_process,
)

MUDIK = Campaign("Mudik 2026", date(2026, 3, 14), date(2026, 3, 20), ("MRK", "CRB"), 30_000)
OWN = Campaign("Posko sendiri", date(2026, 3, 1), date(2026, 3, 2), ("MRK",), 100)


@pytest.mark.slow
def test_a_desk_takes_the_coordinators_campaign(
    store: Store, profile: Profile, central_db_url: str, tmp_path: Path
) -> None:
    process, url = start_server(central_db_url, tmp_path / "server.log")
    central = CentralStore(open_database(central_db_url))
    transport = RequestsTransport(timeout=(5, 30))
    try:
        code, _expires = central.create_enroll_code("MRK", 1)
        enroll_desk(store, profile, url, code, transport)
        store.set_campaign(OWN)
        assert SyncEngine(store, profile, transport).run_once().ok
        assert store.campaign() == OWN  # none on the central system: the desk's own stays

        hand = MUDIK.set_target("MRK", date(2026, 3, 15), 9_000)
        chosen = tmp_path / "campaign.json"
        chosen.write_text(hand.to_json(), encoding="utf-8")
        done = run_central("--database-url", central_db_url, "campaign", "set", "--file",
                           str(chosen))  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert SyncEngine(store, profile, transport).run_once().ok
        assert store.campaign() == hand
        assert store.campaign().target("MRK", date(2026, 3, 15)) == 9_000

        faulty = FaultAt(transport, "/sync/campaign")
        engine = SyncEngine(store, profile, faulty)
        for bad in (
            Answer(500, b'{"error":"internal","message":"boom"}'),
            Answer(200, b"{not json"),
            Answer(200, b'{"protocol": 1, "campaign": 5}'),
            Answer(200, b'{"protocol": 1, "campaign": "{\\"name\\": \\"x\\"}"}'),
            Answer(200, b'{"protocol": 1, "campaign": null, "more": 1}'),
            Answer(200, b'{"protocol": 2, "campaign": null}'),
            Answer(200, b'{"protocol": 1, "campaign": "' + b"x" * 1_000_001 + b'"}'),
            Answer(404, b""),  # a central system from before campaigns
        ):
            faulty.answer = bad
            assert engine.run_once().ok, bad
            assert store.campaign() == hand, bad
        assert faulty.asked == 8

        # Cleared by the coordinator: cleared on the desk too. A desk's own campaign, set
        # after, stays while the central system has none.
        cleared = run_central("--database-url", central_db_url, "campaign", "clear")
        assert cleared.returncode == 0, cleared.stderr
        assert SyncEngine(store, profile, transport).run_once().ok
        assert store.campaign() is None
        store.set_campaign(OWN)
        assert SyncEngine(store, profile, transport).run_once().ok
        assert store.campaign() == OWN
    finally:
        central.close()
        stop_process(process)


def test_only_an_enrolled_desk_reads_the_campaign(central_server: CentralServer) -> None:
    """The campaign names the posts and their targets: staff tokens, revoked devices and
    strangers get 401 from the real server; the desk gets the campaign, nothing else."""
    central_server.store.set_campaign(MUDIK)
    token, device = enroll(central_server.store)
    staff = central_server.store.create_client("Dewi", "staff")
    with central_server.client() as http:
        for headers in (
            {},
            {"Authorization": "Bearer  x"},
            {"Authorization": f"Bearer {staff}"},
            {"Authorization": "Bearer " + "A" * 10_000},
            {"Authorization": f"Basic {token}"},
        ):
            assert http.get("/api/v1/sync/campaign", headers=headers).status_code == 401
        own = http.get("/api/v1/sync/campaign", headers={"Authorization": f"Bearer {token}"})
        assert own.status_code == 200
        assert Campaign.from_json(own.json()["campaign"]) == MUDIK
        assert set(own.json()) == {"protocol", "campaign"}
        central_server.store.revoke_device(device.id)
        gone = http.get("/api/v1/sync/campaign", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401
