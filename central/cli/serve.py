"""``posko-central serve``: the API and the tracking pages, on one or more workers.

The listening socket is bound here, before anything says the server listens: a port that
is taken, or an address this machine does not have, is one plain sentence on stderr in
the operator's language (exit 1), never a traceback or a claim that it is serving. The
bound socket is handed to uvicorn (to its worker processes with ``--workers``)."""

from __future__ import annotations

import argparse
import errno
import os
import socket
from pathlib import Path

from central.bundle_key import ENV_BUNDLE_KEY, BundleKeyError, key_path, load_or_create
from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, err
from central.db import ENV_DATA_DIR, ENV_DATABASE_URL
from central.i18n import _
from central.rules import ENV_RULES_DIR, RulesError, load_rule_set
from central.serve import ENV_PUBLIC_URL, ENV_RATE_LIMIT
from central.store import CentralStore
from posko.wire import has_control


def bind_failure(host: str, port: int, exc: OSError) -> str:
    """What the operator reads when ``host:port`` cannot be listened on, and what to do."""
    if isinstance(exc, socket.gaierror):
        text = _(
            "{host} is not an address or a host name this machine can listen on. Check "
            "--host (for example 127.0.0.1, or 0.0.0.0 for every address)."
        )
    elif exc.errno == errno.EADDRINUSE:
        text = _(
            "Port {port} on {host} is already in use by another program (perhaps another "
            "posko-central serve). Stop that program, or choose another port with --port."
        )
    elif exc.errno in (errno.EACCES, errno.EPERM):
        text = _(
            "This user may not listen on port {port}: ports below 1024 need administrator "
            "rights. Choose a port from 1024 up with --port (the default is 8311), and put "
            "a reverse proxy in front for port 80 or 443."
        )
    elif exc.errno == errno.EADDRNOTAVAIL:
        text = _(
            "{host} is not an address of this machine, so the server cannot listen on it. "
            "Check --host (for example 127.0.0.1, or 0.0.0.0 for every address)."
        )
    else:
        text = _("Cannot listen on {host} port {port}: {error}.")
    return text.format(host=host, port=port, error=exc.strerror or exc)


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` as uvicorn would bind it (``SO_REUSEADDR``,
    IPv6 for an address with a colon), inheritable by the worker processes."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(args: argparse.Namespace, store: CentralStore) -> int:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if not 1 <= args.workers <= 64 or not 1 <= args.port <= 65535 or args.rate_limit < 1:
        err(_("Workers must be 1 to 64, the port 1 to 65535, the rate limit at least 1."))
        return EXIT_USAGE
    rules_dir = args.rules or os.environ.get(ENV_RULES_DIR)
    try:
        rules = load_rule_set(Path(rules_dir).resolve() if rules_dir else None)
    except RulesError as exc:
        err(_("The routing rules cannot be served: {error}").format(error=exc))
        return EXIT_FAILURE
    if rules_dir:
        os.environ[ENV_RULES_DIR] = str(Path(rules_dir).resolve())
    print(_("Routing rules version {version}").format(version=rules.version), flush=True)
    data_dir = args.data_dir or os.environ.get(ENV_DATA_DIR)
    key_file = key_path(Path(data_dir) if data_dir else None).resolve()
    try:
        load_or_create(key_file)  # once, here: every worker then loads the same key
    except (OSError, BundleKeyError) as exc:
        err(_("The bundle key {file} cannot be used: {error}").format(file=key_file, error=exc))
        return EXIT_FAILURE
    os.environ[ENV_BUNDLE_KEY] = str(key_file)
    # Workers are separate processes: they get the resolved settings through the environment.
    os.environ[ENV_DATABASE_URL] = store.engine.url.render_as_string(hide_password=False)
    os.environ[ENV_RATE_LIMIT] = str(args.rate_limit)
    public_url = (
        args.public_url or os.environ.get(ENV_PUBLIC_URL) or f"http://{args.host}:{args.port}"
    ).rstrip("/")
    if not public_url.startswith(("http://", "https://")) or has_control(public_url):
        err(_("--public-url must be an http:// or https:// address."))
        return EXIT_USAGE
    os.environ[ENV_PUBLIC_URL] = public_url
    store.close()
    config = uvicorn.Config(
        "central.serve:factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # access_log off: uvicorn's would print query strings, which carry receipt
        # secrets; the app logs method, path and status itself.
        access_log=False,
        log_level="warning",
        server_header=False,
        # uvicorn believes X-Forwarded-For from 127.0.0.1 by default: a same-host tunnel
        # or TLS terminator passing it through would let each request name its own
        # address.
        proxy_headers=bool(args.forwarded_allow_ips),
        forwarded_allow_ips=args.forwarded_allow_ips or None,
    )
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        err(bind_failure(args.host, args.port, exc))
        return EXIT_FAILURE
    serving = _("Serving on http://{host}:{port}").format(host=args.host, port=args.port)
    with sock:
        print(serving, flush=True)
        server = uvicorn.Server(config)
        try:
            if args.workers > 1:
                Multiprocess(config, sockets=[sock]).run()
                return EXIT_OK
            server.run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        return EXIT_OK if args.workers > 1 or server.started else EXIT_FAILURE
