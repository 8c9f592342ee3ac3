"""``posko-central due``: open reports by answer deadline."""

from __future__ import annotations

import argparse
import json

from central.cli.common import EXIT_OK, EXIT_USAGE, err
from central.i18n import _
from central.store import MAX_DUE_LIMIT, CentralStore, DueCursor
from central.terminal import shown
from posko import tracking
from posko.workdays import WIB


def due_command(args: argparse.Namespace, store: CentralStore) -> int:
    if not 1 <= args.limit <= MAX_DUE_LIMIT:
        err(_("--limit must be 1 to {max}.").format(max=MAX_DUE_LIMIT))
        return EXIT_USAGE
    if len(args.agency or "") > 100 or len(args.post or "") > 16 or len(args.category or "") > 32:
        err(_("--agency takes at most 100 characters, --post 16, --category 32."))
        return EXIT_USAGE
    try:
        after = DueCursor.decode(args.after) if args.after is not None else None
    except ValueError:
        err(_("--after takes the cursor a previous listing printed."))
        return EXIT_USAGE
    page = store.due(
        args.state,
        agency=args.agency,
        post_code=args.post.strip().upper() if args.post else None,
        category=args.category.strip().upper() if args.category else None,
        limit=args.limit,
        after=after,
    )
    if args.json:
        print(
            json.dumps(
                {
                    "state": page.state,
                    "now": page.now.isoformat(),
                    "today": page.today.isoformat(),
                    "next_working_day": page.next_working_day.isoformat(),
                    "items": [
                        {
                            "tracking_id": item.tracking_id,
                            "type": item.type,
                            "category": item.category,
                            "agency": item.agency,
                            "post_code": item.post_code,
                            "status": item.status.value,
                            "created_at": item.created_at.isoformat(),
                            "expected_at": item.expected_at.isoformat(),
                            "due": item.state,
                            "working_days_late": item.working_days_late,
                        }
                        for item in page.items
                    ],
                    "next": page.next,
                    "counts": {"overdue": page.overdue, "soon": page.soon},
                },
                indent=2,
            )
        )
        return EXIT_OK
    print(
        _(
            "Overdue: {overdue}. Due soon: {soon} (today {today} or the next working day, "
            "{next_day})."
        ).format(
            overdue=page.overdue,
            soon=page.soon,
            today=page.today.strftime("%d-%m-%Y"),
            next_day=page.next_working_day.strftime("%d-%m-%Y"),
        )
    )
    if not page.items:
        empty = {
            "overdue": _("No open report is overdue."),
            "soon": _("No open report is due soon."),
            "open": _("No open reports."),
        }
        print(empty[page.state])
        return EXIT_OK
    states = {"overdue": _("overdue"), "soon": _("due soon"), "ok": ""}
    header = [
        _("Tracking number"),
        _("Category"),
        _("Post"),
        _("Agency"),
        _("Status"),
        _("Answer due"),
        _("Due"),
        _("Working days late"),
    ]
    rows = [
        [
            tracking.display(item.tracking_id),
            item.category,
            item.post_code,
            shown(item.agency) or "-",
            item.status.value,
            item.expected_at.astimezone(WIB).strftime("%d-%m-%Y"),
            states[item.state],
            "" if item.working_days_late is None else str(item.working_days_late),
        ]
        for item in page.items
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if page.next:
        print(_("More follow: add --after {cursor}").format(cursor=page.next))
    return EXIT_OK
