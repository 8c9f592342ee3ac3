"""``posko-central categories``: which groups of categories the desks offer for new reports.
A switch reaches each desk on its next sync; saved reports keep their category."""

from __future__ import annotations

import argparse
import json

from central.cli.common import EXIT_FAILURE, EXIT_OK, err
from central.i18n import _, cli_language
from central.store import CentralStore, NotFound
from central.terminal import shown


def categories_command(args: argparse.Namespace, store: CentralStore) -> int:
    if args.categories_command == "list":
        return categories_list(args, store)
    return categories_switch(args, store)


def categories_list(args: argparse.Namespace, store: CentralStore) -> int:
    """Each group, offered for new reports or not, with its categories."""
    groups = store.category_groups()
    codes = {
        g.code: [c.code for c in store.catalog.categories if c.group == g.code] for g in groups
    }
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "group": g.code,
                        "offered": g.offered,
                        "offered_by_default": g.by_default,
                        "changed_at": g.changed_at.isoformat() if g.changed_at else None,
                        "changed_by": g.changed_by or None,
                        "categories": codes[g.code],
                    }
                    for g in groups
                ],
                indent=2,
            )
        )
        return EXIT_OK
    language = cli_language()
    for g in groups:
        state = _("offered") if g.offered else _("not offered")
        if g.offered != g.by_default:
            by = shown(g.changed_by) or "-"
            if g.offered:
                state = _("offered (switched on by {name})").format(name=by)
            else:
                state = _("not offered (switched off by {name})").format(name=by)
        name = g.names.get(language) or g.names.get("id", g.code)
        print(f"{g.code:<10} {state:<14} {name}: {', '.join(codes[g.code])}")
    return EXIT_OK


def categories_switch(args: argparse.Namespace, store: CentralStore) -> int:
    """Offer a group for new reports (``on``) or stop offering it (``off``)."""
    group = args.group.strip().lower()
    offered = args.categories_command == "on"
    try:
        changed = store.switch_category_group(group, offered, args.by)
    except NotFound:
        err(
            _("No category group {group}; the groups are: {groups}.").format(
                group=args.group, groups=", ".join(store.catalog.groups)
            )
        )
        return EXIT_FAILURE
    if offered:
        message = _("Group {group} is offered for new reports; desks learn it on their next sync.")
    else:
        message = _(
            "Group {group} is no longer offered for new reports; desks learn it on their next "
            "sync. Saved reports keep their category."
        )
    print(message.format(group=group))
    if not changed:
        print(_("(It already was.)"))
    return EXIT_OK
