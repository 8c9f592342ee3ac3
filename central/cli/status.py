"""``posko-central status set``: change a report's status from the shell."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, control_message, err
from central.i18n import _, cli_language
from central.rules import ENV_RULES_DIR, RulesError, load_rule_set
from central.store import CentralStore, NotFound
from central.terminal import shown
from posko import tracking
from posko.routing import accept_rule_set
from posko.wire import CentralStatus, has_control


def agency_catalog() -> dict[str, str]:
    """The agencies a report may be assigned to, code → name in the CLI's language: those
    of the routing rules the server hands to the desks (``POSKO_CENTRAL_RULES``, else the
    rules installed with the program). Raises RulesError."""
    folder = os.environ.get(ENV_RULES_DIR)
    rules = load_rule_set(Path(folder).resolve() if folder else None)
    router = accept_rule_set(rules.routing, rules.agencies)
    language = cli_language()
    return {code: router.agency_name(code, language) for code in sorted(router.agency_names)}


def _agency(value: str, catalog: dict[str, str]) -> tuple[str | None, str]:
    """``--agency``'s value as the catalog spells it, or None and the message refusing it.
    Empty means "no agency" (it clears the one assigned)."""
    wanted = value.strip().upper()
    if not wanted or wanted in catalog:
        return wanted, ""
    listing = "\n".join(f"  {code:<16} {name}" for code, name in catalog.items())
    refusal = _(
        "{agency} is not an agency code. --agency takes one of the agencies in the routing "
        'rules (or "" for none):'
    ).format(agency=shown(value, 40))
    return None, f"{refusal}\n{listing}"


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
    agency = None
    if args.agency is not None:
        try:
            catalog = agency_catalog() if args.agency.strip() else {}
        except RulesError as exc:
            err(_("The agency catalog cannot be read: {error}").format(error=exc))
            return EXIT_FAILURE
        agency, refusal = _agency(args.agency, catalog)
        if agency is None:
            err(refusal)
            return EXIT_USAGE
    try:
        store.set_status(
            compact,
            CentralStatus(args.status),
            actor=args.by.strip() or "admin",
            audit_actor=f"cli:{args.by.strip() or 'admin'}",
            public_note=args.public_note,
            internal_note=args.internal_note,
            agency=agency,
        )
    except NotFound:
        err(_("No report {id} has been received.").format(id=tracking.display(compact)))
        return EXIT_FAILURE
    print(_("{id} is now {status}.").format(id=tracking.display(compact), status=args.status))
    return EXIT_OK
