"""What every ``posko-central`` command shares: exit codes, the one way to complain on
stderr, and the database the global options name."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from central.i18n import _

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
# What a shell reports for a program that SIGPIPE ended (128 + 13): the reader of a pipe
# (``| head``) stopped reading before the listing was done.
EXIT_BROKEN_PIPE = 141


def err(message: str) -> None:
    print(message, file=sys.stderr)


def control_message(option: str) -> str:
    text: str = _(
        "{option} contains a control character (an invisible character such as NUL or an "
        "escape code); type it again."
    )
    return text.format(option=option)


def open_store(args: argparse.Namespace) -> object:
    from central.db import ENV_DATA_DIR, ENV_DATABASE_URL, database_url, open_database
    from central.store import CentralStore

    data_dir = args.data_dir or os.environ.get(ENV_DATA_DIR)
    url = database_url(
        Path(data_dir) if data_dir else None,
        args.database_url or os.environ.get(ENV_DATABASE_URL),
    )
    return CentralStore(open_database(url))
