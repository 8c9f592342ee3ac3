"""``posko-central enroll-code``, ``device`` and ``client``: who may talk to the server."""

from __future__ import annotations

import argparse
import json
import sys

from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, control_message, err
from central.i18n import _
from central.store import CentralStore, NotFound
from central.terminal import shown
from posko.wire import has_control


def enroll_code(args: argparse.Namespace, store: CentralStore) -> int:
    """Print a single-use enrollment code for a post."""
    post = args.post.strip().upper()
    if not post or len(post) > 16 or not post.replace("-", "").isalnum():
        err(_("The post code must be 2 to 16 letters, digits or dashes."))
        return EXIT_USAGE
    try:
        code, expires = store.create_enroll_code(post, args.expires)
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
            info = store.reinstate_device(args.device_id)
        else:
            info = store.revoke_device(args.device_id)
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
    print(store.create_client(name, args.role))
    print(_("Shown once: keep it safe. The server keeps only its hash."), file=sys.stderr)
    return EXIT_OK


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
                        "created_at": c.created_at.isoformat() if c.created_at else None,
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
    for c in clients:
        state = _("revoked") if c.revoked_at else _("active")
        print(f"{c.id:>5}  {c.role:<8} {state:<8} {shown(c.name)}")
    return EXIT_OK


def client_revoke(args: argparse.Namespace, store: CentralStore) -> int:
    """Revoke a staff token or an Open311 key."""
    try:
        if not 0 < args.client_id < 2**62:
            raise NotFound(str(args.client_id))
        revoked = store.revoke_client(args.client_id)
    except NotFound:
        err(_("No staff token or Open311 key with ID {id}.").format(id=args.client_id))
        return EXIT_FAILURE
    print(
        _("{name} ({role}, ID {id}) is revoked: its token stops working now.").format(
            name=shown(revoked.name), role=revoked.role, id=revoked.id
        )
    )
    return EXIT_OK
