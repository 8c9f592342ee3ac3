"""``posko-central status set``: change a report's status from the shell."""

from __future__ import annotations

import argparse

from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, control_message, err
from central.i18n import _
from central.store import CentralStore, NotFound
from posko import tracking
from posko.wire import CentralStatus, has_control


def status_set(args: argparse.Namespace, store: CentralStore) -> int:
    """Set a report's status, with notes and the agency in charge."""
    try:
        compact = tracking.parse(args.tracking_id)
    except tracking.TrackingIdError:
        err(_("{id} is not a valid tracking ID; check it again.").format(id=args.tracking_id))
        return EXIT_USAGE
    if (
        len(args.by.strip()) > 100
        or len(args.agency or "") > 100
        or max(len(args.public_note), len(args.internal_note)) > 2000
    ):
        err(
            _(
                "--by and --agency take at most 100 characters, --public-note and "
                "--internal-note at most 2000."
            )
        )
        return EXIT_USAGE
    for option, value, lines in (
        ("--public-note", args.public_note, True),
        ("--internal-note", args.internal_note, True),
        ("--agency", args.agency or "", False),
        ("--by", args.by, False),
    ):
        if has_control(value, lines=lines):
            err(control_message(option))
            return EXIT_USAGE
    try:
        store.set_status(
            compact,
            CentralStatus(args.status),
            actor=args.by.strip() or "admin",
            public_note=args.public_note,
            internal_note=args.internal_note,
            agency=args.agency,
        )
    except NotFound:
        err(_("No report {id} has been received.").format(id=tracking.display(compact)))
        return EXIT_FAILURE
    print(_("{id} is now {status}.").format(id=tracking.display(compact), status=args.status))
    return EXIT_OK
