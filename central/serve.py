"""The application factory uvicorn imports in each worker process.

``posko-central serve`` resolves the database URL and options once, runs the migrations,
then passes the settings to the workers through the environment (each worker is a fresh
process, possibly several with ``--workers``)."""

from __future__ import annotations

import gc
import os

from central.app import DEFAULT_PUBLIC_URL, ASGIApp, asgi_app
from central.bundle_key import key_path, load_or_create
from central.db import ENV_DATABASE_URL, open_database
from central.store import CentralStore

ENV_RATE_LIMIT = "POSKO_CENTRAL_RATE_LIMIT"
ENV_PUBLIC_URL = "POSKO_CENTRAL_PUBLIC_URL"


def factory() -> ASGIApp:
    url = os.environ[ENV_DATABASE_URL]
    rate = int(os.environ.get(ENV_RATE_LIMIT, "60"))
    public_url = os.environ.get(ENV_PUBLIC_URL) or DEFAULT_PUBLIC_URL
    # Made by ``posko-central serve`` before the workers start, so they all load one key.
    bundle_key = load_or_create(key_path(None))
    app = asgi_app(
        CentralStore(open_database(url)),
        rate_limit_per_minute=rate,
        public_url=public_url,
        bundle_key=bundle_key,
    )
    # What is loaded now (modules, routes, schemas, the ORM's mappers) lives as long as the
    # process: out of the collector's sight, so the collections a large push sets off do not
    # walk it again and again (about a tenth of a 500-record push's time).
    gc.collect()
    gc.freeze()
    return app
