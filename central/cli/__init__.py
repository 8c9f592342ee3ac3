"""``posko-central``: serve the central system and administer it from a shell.

Global options (``--data-dir``, ``--database-url``, ``--lang``) come before the subcommand
and apply to every subcommand. Exit codes: 0 done, 1 failed, 2 usage, 141 when the reader
of a pipe (``| head``) stopped reading early.

One module per job: ``parser`` (the options), ``serve``, ``devices`` (enrollment codes,
devices, staff and Open311 clients), ``status``, ``bundle``, ``due``, ``categories`` (the
groups offered for new reports), ``survey`` (the SKM report), ``statistics`` (``export``
and ``campaign``). A command's module is imported only when it runs, so ``--help`` stays
quick.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from central.cli.common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    err,
    open_store,
)
from central.cli.parser import build_parser

if TYPE_CHECKING:
    from central.store import CentralStore

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "build_parser", "main", "open_store"]


def main(argv: Sequence[str] | None = None) -> int:
    from central.i18n import DEFAULT_LANGUAGE, _, set_cli_language

    raw = list(sys.argv[1:] if argv is None else argv)
    lang = os.environ.get("POSKO_LANG", DEFAULT_LANGUAGE)
    if "--lang" in raw[:-1]:
        lang = raw[raw.index("--lang") + 1]
    try:
        set_cli_language(lang)
    except ValueError:
        set_cli_language(DEFAULT_LANGUAGE)
    parser = build_parser()
    args = parser.parse_args(raw)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from central.db import CentralDatabaseError
    from central.store import CentralStore

    try:
        store = open_store(args)
    except CentralDatabaseError as exc:
        err(_("Cannot open the database: {error}").format(error=exc))
        return EXIT_FAILURE
    assert isinstance(store, CentralStore)
    try:
        code = _run(args, store)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``posko-central due | head -1``): what it did not read is
        # dropped, as for any Unix listing, without a traceback. Python's advice: point
        # stdout at devnull, so the flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    finally:
        store.close()
    return code


def _run(args: argparse.Namespace, store: CentralStore) -> int:
    if args.command == "serve":
        from central.cli.serve import serve

        return serve(args, store)
    if args.command == "enroll-code":
        from central.cli.devices import enroll_code

        return enroll_code(args, store)
    if args.command == "device":
        return _run_device(args, store)
    if args.command == "status":
        from central.cli.status import status_set

        return status_set(args, store)
    if args.command == "import-bundle":
        from central.cli.bundle import import_bundle_command

        return import_bundle_command(args, store)
    if args.command == "due":
        from central.cli.due import due_command

        return due_command(args, store)
    if args.command == "client":
        return _run_client(args, store)
    if args.command == "categories":
        from central.cli.categories import categories_command

        return categories_command(args, store)
    if args.command == "survey":
        from central.cli.survey import survey_command

        return survey_command(args, store)
    if args.command in ("export", "campaign"):
        from central.cli import statistics

        if args.command == "export":
            return statistics.export_command(args, store)
        return statistics.campaign_command(args, store)
    return EXIT_USAGE


def _run_device(args: argparse.Namespace, store: CentralStore) -> int:
    from central.cli.devices import device_list, device_revoke_or_reinstate

    if args.device_command == "list":
        return device_list(args, store)
    return device_revoke_or_reinstate(args, store)


def _run_client(args: argparse.Namespace, store: CentralStore) -> int:
    from central.cli.devices import client_add, client_list, client_revoke

    if args.client_command == "list":
        return client_list(args, store)
    if args.client_command == "revoke":
        return client_revoke(args, store)
    return client_add(args, store)
