"""``posko-central enroll-code``, ``device`` and ``client``: who may talk to the server."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta

from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, control_message, err
from central.i18n import _
from central.rules import RulesError
from central.store import (
    AGENCY_OFFICER,
    COORDINATOR,
    MAX_STAFF_TOKEN_DAYS,
    STAFF_TOKEN_DAYS,
    CentralStore,
    NotFound,
)
from central.terminal import shown
from posko.wire import has_control


def shell_actor() -> str:
    """Who the central audit trail names for a command typed at the shell."""
    return f"cli:{os.environ.get('USER', 'admin')}"[:100]


def enroll_code(args: argparse.Namespace, store: CentralStore) -> int:
    """Print a single-use enrollment code for a post."""
    post = args.post.strip().upper()
    if not post or len(post) > 16 or not post.replace("-", "").isalnum():
        err(_("The post code must be 2 to 16 letters, digits or dashes."))
        return EXIT_USAGE
    try:
        code, expires = store.create_enroll_code(post, args.expires, actor=shell_actor())
    except ValueError:
        err(_("The code must expire within 1 minute to 90 days."))
        return EXIT_USAGE
    print(code)
    print(
        _("Single use, for post {post}, valid until {time} UTC.").format(
            post=post, time=expires.strftime("%Y-%m-%d %H:%M")
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def device_list(args: argparse.Namespace, store: CentralStore) -> int:
    """List the enrolled devices."""
    devices = store.devices()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": d.id,
                        "post_code": d.post_code,
                        "tracking_prefix": d.tracking_prefix,
                        "label": d.label,
                        "created_at": d.created_at.isoformat(),
                        "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
                        "revoked": d.revoked_at is not None,
                    }
                    for d in devices
                ],
                indent=2,
            )
        )
        return EXIT_OK
    if not devices:
        print(_("No devices enrolled yet."))
    for d in devices:
        state = _("revoked") if d.revoked_at else _("active")
        seen = d.last_seen_at.strftime("%Y-%m-%d %H:%M") if d.last_seen_at else "-"
        line = f"{d.id:>5}  {d.post_code:<16} {d.tracking_prefix}  {state:<8} {seen}"
        print(f"{line}  {shown(d.label)}".rstrip())
    return EXIT_OK


def device_revoke_or_reinstate(args: argparse.Namespace, store: CentralStore) -> int:
    """Revoke a device, or let a revoked one enroll again."""
    try:
        if not 0 < args.device_id < 2**62:
            raise NotFound(str(args.device_id))
        if args.device_command == "reinstate":
            info = store.reinstate_device(args.device_id, actor=shell_actor())
        else:
            info = store.revoke_device(args.device_id, actor=shell_actor())
    except NotFound:
        err(_("No device with ID {id}.").format(id=args.device_id))
        return EXIT_FAILURE
    if args.device_command == "reinstate":
        print(
            _(
                "Device {id} ({post}) is reinstated: it can enroll again with a new code "
                "(its old token stays void)."
            ).format(id=info.id, post=info.post_code)
        )
    else:
        print(_("Device {id} ({post}) is revoked.").format(id=info.id, post=info.post_code))
    return EXIT_OK


def client_add(args: argparse.Namespace, store: CentralStore) -> int:
    """Create a staff token or an Open311 key and print it once."""
    name = args.name.strip()
    if not 2 <= len(name) <= 100:
        err(_("The name must be 2 to 100 characters."))
        return EXIT_USAGE
    if has_control(name):
        err(control_message("NAME"))
        return EXIT_USAGE
    if args.role != "staff":
        if args.staff_role or args.agency is not None or args.expires_days is not None:
            err(_("--staff-role, --agency and --expires-days are for staff tokens (--role staff)."))
            return EXIT_USAGE
        print(store.create_client(name, args.role, actor=shell_actor()))
        print(_("Shown once: keep it safe. The server keeps only its hash."), file=sys.stderr)
        return EXIT_OK
    staff_role = args.staff_role or COORDINATOR
    days = STAFF_TOKEN_DAYS if args.expires_days is None else args.expires_days
    if not 1 <= days <= MAX_STAFF_TOKEN_DAYS:
        err(_("--expires-days takes 1 to {days} days.").format(days=MAX_STAFF_TOKEN_DAYS))
        return EXIT_USAGE
    agency = ""
    if staff_role == AGENCY_OFFICER:
        found, refusal = _officer_agency(args.agency)
        if found is None:
            err(refusal)
            return EXIT_USAGE if refusal else EXIT_FAILURE
        agency = found
    elif args.agency is not None:
        err(_("--agency is only for an agency officer (--staff-role petugas_instansi)."))
        return EXIT_USAGE
    expires = store.clock() + timedelta(days=days)
    token = store.create_client(
        name, "staff", staff_role=staff_role, agency=agency, days=days, actor=shell_actor()
    )
    print(token)
    if agency:
        print(
            _("A token for an officer of {agency}: it sees only that agency's reports.").format(
                agency=agency
            ),
            file=sys.stderr,
        )
    else:
        print(_("A coordinator's token: it sees every report."), file=sys.stderr)
    print(
        _("Valid until {time} UTC.").format(time=expires.strftime("%Y-%m-%d %H:%M")),
        file=sys.stderr,
    )
    print(_("Shown once: keep it safe. The server keeps only its hash."), file=sys.stderr)
    return EXIT_OK


def _officer_agency(value: str | None) -> tuple[str | None, str]:
    """An agency officer's ``--agency`` as the routing rules spell it, or None and the
    refusal (empty when the rules cannot be read: that was said already)."""
    from central.cli.status import agency_catalog

    try:
        catalog = agency_catalog()
    except RulesError as exc:
        err(_("The agency catalog cannot be read: {error}").format(error=exc))
        return None, ""
    wanted = (value or "").strip().upper()
    if wanted and wanted in catalog:
        return wanted, ""
    if value is not None and has_control(value):
        return None, control_message("--agency")
    listing = "\n".join(f"  {code:<16} {name}" for code, name in catalog.items())
    refusal = _(
        "An agency officer (--staff-role petugas_instansi) needs --agency CODE, one of the "
        "agencies in the routing rules:"
    )
    return None, f"{refusal}\n{listing}"


def client_list(args: argparse.Namespace, store: CentralStore) -> int:
    """List the staff tokens and Open311 keys."""
    clients = store.clients()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": c.id,
                        "name": shown(c.name),
                        "role": c.role,
                        "staff_role": c.staff_role or None,
                        "agency": c.agency or None,
                        "created_at": c.created_at.isoformat() if c.created_at else None,
                        "expires_at": c.expires_at.isoformat() if c.expires_at else None,
                        "revoked": c.revoked_at is not None,
                    }
                    for c in clients
                ],
                indent=2,
            )
        )
        return EXIT_OK
    if not clients:
        print(_("No staff tokens or Open311 keys yet."))
    now = store.clock()
    for c in clients:
        if c.revoked_at:
            state = _("revoked")
        elif c.expires_at is not None and c.expires_at <= now:
            state = _("expired")
        else:
            state = _("active")
        until = c.expires_at.strftime("%Y-%m-%d") if c.expires_at else "-"
        kind = f"{c.staff_role} {c.agency}".strip() if c.role == "staff" else c.role
        print(f"{c.id:>5}  {kind:<28} {state:<8} {until:<10}  {shown(c.name)}")
    return EXIT_OK


def client_revoke(args: argparse.Namespace, store: CentralStore) -> int:
    """Revoke a staff token or an Open311 key."""
    try:
        if not 0 < args.client_id < 2**62:
            raise NotFound(str(args.client_id))
        revoked = store.revoke_client(args.client_id, actor=shell_actor())
    except NotFound:
        err(_("No staff token or Open311 key with ID {id}.").format(id=args.client_id))
        return EXIT_FAILURE
    print(
        _("{name} ({role}, ID {id}) is revoked: its token stops working now.").format(
            name=shown(revoked.name), role=revoked.role, id=revoked.id
        )
    )
    return EXIT_OK
