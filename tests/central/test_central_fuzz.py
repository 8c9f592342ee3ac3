"""Property-based fuzzing of the central system's API from its own served OpenAPI schema
(schemathesis), and of the wire protocol's record parser (hypothesis).

Every operation in ``/api/openapi.json`` is exercised, whoever wrote it, with a valid device
token or a valid staff token, with schema-valid and schema-invalid data: no answer may be a
server error, and every answer must match what the schema documents.

The schema is loaded when this module is imported, from an app on its own SQLite database
(schemathesis's fixture-based loading does not work with this pytest).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.app import create_app
from central.db import open_database
from central.store import CentralStore
from posko import wire
from tests.central_support import complaint_record, enroll


@dataclass
class Backend:
    """A database with an enrolled desk, a staff token, an Open311 key and a few real
    reports, so look-ups and status changes find one about half of the time."""

    store: CentralStore
    device_token: str
    staff_token: str
    open311_key: str
    reports: list[dict[str, Any]]

    @classmethod
    def on(cls, url: str) -> Backend:
        store = CentralStore(open_database(url))
        device_token, device = enroll(store)
        reports = [complaint_record(device.tracking_prefix, n) for n in range(1, 4)]
        store.push(device, reports)
        return cls(
            store,
            device_token,
            store.create_client("Petugas", "staff"),
            store.create_client("Aplikasi Open311", "open311"),
            reports,
        )


_DIR = Path(tempfile.mkdtemp(prefix="posko-fuzz-"))
SQLITE = Backend.on(f"sqlite:///{_DIR / 'central.sqlite3'}")
# The look-ups are rate-limited per address; the fuzz is one busy address. The app reads
# its store per request, so the ``backend`` fixture points it at SQLite, then PostgreSQL.
APP = create_app(SQLITE.store, rate_limit_per_minute=1_000_000)
# The API answers 400 to requests the schema allows but the server cannot: a tracking ID
# whose check character is wrong, an enrollment code nobody issued, an end date before the
# start date. Those are refusals by design, so 400 joins what "valid data accepted" allows;
# a 422 (the schema's own checks) for schema-valid data still fails the fuzz.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 429]
            }
        }
    }
)
schema = schemathesis.openapi.from_asgi("/api/openapi.json", APP, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _cleanup() -> Iterator[None]:
    yield
    SQLITE.store.close()
    shutil.rmtree(_DIR, ignore_errors=True)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "sqlite":
        chosen = SQLITE
    else:
        chosen = Backend.on(request.getfixturevalue("pg_cluster").new_database())
    APP.state.store = chosen.store
    try:
        yield chosen
    finally:
        APP.state.store = SQLITE.store
        if chosen is not SQLITE:
            chosen.store.close()


def credentials(path: str, backend: Backend) -> dict[str, str]:
    if path.startswith("/api/v1/staff"):
        return {"Authorization": f"Bearer {backend.staff_token}"}
    return {"Authorization": f"Bearer {backend.device_token}"}


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_every_request_as_documented(
    case: schemathesis.Case[Any], backend: Backend
) -> None:
    """On SQLite and on PostgreSQL: no server error, every answer as documented."""
    # Open311 clients sign with an api_key, in the query or in the form body.
    if isinstance(case.query, dict) and "api_key" in case.query:
        case.query = {**case.query, "api_key": backend.open311_key}
    if isinstance(case.body, dict) and "api_key" in case.body:
        case.body = {**case.body, "api_key": backend.open311_key}
    parameters = case.path_parameters or {}
    reports = backend.reports
    if "tracking_id" in parameters:
        pick = hash(repr(sorted(parameters.items()))) % (2 * len(reports))
        if pick < len(reports):
            case.path_parameters = {**parameters, "tracking_id": reports[pick]["tracking_id"]}
    case.call_and_validate(headers=credentials(case.path, backend))


# -- the record parser ----------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)
_FIELDS = sorted(
    set(wire.ComplaintPayload.model_fields)
    | set(wire.SurveyResponsePayload.model_fields)
    | set(wire.TallyPayload.model_fields)
)
# Near misses: the real field names and kinds with arbitrary values, so the parser gets past
# the discriminator and into each model's own validators (the tracking-ID check among them).
records = st.fixed_dictionaries(
    {"kind": st.sampled_from(["complaint", "survey_response", "tally_event", "x", ""])},
    optional={name: json_values for name in _FIELDS if name != "kind"},
)
valid_then_broken = st.builds(
    lambda base, key, value: {**base, key: value},
    st.sampled_from(
        [
            complaint_record("2222", 1),
            complaint_record("KQ7MXA3", 9),
            {
                "kind": "tally_event",
                "uuid": "6f1c3a4e-1b7d-4c2a-9e8f-0a1b2c3d4e5f",
                "post_code": "MRK",
                "counter": "merchandise",
                "item": "kaos",
                "count": 1,
                "created_at": "2026-04-01T08:00:00+07:00",
            },
        ]
    ),
    st.sampled_from(_FIELDS),
    json_values,
)


@given(st.one_of(json_values, records, valid_then_broken))
@settings(max_examples=400, deadline=None)
def test_parse_record_raises_only_record_error(raw: object) -> None:
    try:
        record = wire.parse_record(raw)
    except wire.RecordError as exc:
        assert exc.reason  # a reason for the operator, never empty
        assert exc.uuid is None or isinstance(exc.uuid, str)
        assert exc.kind is None or isinstance(exc.kind, str)
    else:
        # Whatever is accepted survives the wire both ways unchanged.
        again = wire.parse_record(json.loads(record.model_dump_json()))
        assert again == record
        assert wire.content_hash(again) == wire.content_hash(record)


@given(st.binary(max_size=200) | st.text(max_size=200))
@settings(max_examples=200, deadline=None)
def test_parse_record_of_decoded_garbage(data: bytes | str) -> None:
    """Whatever a broken desk sends, once JSON-decoded, is answered with a reason."""
    try:
        raw = json.loads(data)
    except ValueError:
        return
    try:
        wire.parse_record(raw)
    except wire.RecordError as exc:
        assert exc.reason
