"""``posko campaign``: the outreach campaign this desk counts towards and its targets
(``posko.campaign``): set it, set a day's target by hand, see each day's target beside the
people this post reached."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, time, timedelta

from desktop.cli.commands import (
    EXIT_FAILURE,
    EXIT_OK,
    _day,
    _err,
    _open_set_up,
    coordinator_by,
)
from desktop.paths import Profile
from desktop.store.operators import NotAllowed
from desktop.store.repo import Store
from posko.campaign import Campaign, CampaignError, share
from posko.i18n import _
from posko.zones import zone


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    campaign = commands.add_parser(
        "campaign", help=_("the outreach campaign and its targets per post and day")
    )
    actions = campaign.add_subparsers(dest="campaign_command")
    made = actions.add_parser("set", help=_("the campaign this desk counts towards"))
    made.add_argument("--name", required=True)
    made.add_argument("--from", dest="start", required=True, type=_day, metavar="YYYY-MM-DD")
    made.add_argument("--to", dest="end", required=True, type=_day, metavar="YYYY-MM-DD")
    made.add_argument("--posts", required=True, metavar="CODE,CODE", help=_("the campaign's posts"))
    made.add_argument(
        "--people", required=True, type=int, metavar="N", help=_("people to reach, in all")
    )
    target = actions.add_parser("target", help=_("set one day's target of a post by hand"))
    target.add_argument("--day", required=True, type=_day, metavar="YYYY-MM-DD")
    target.add_argument("--post", default="", metavar="CODE", help=_("default: this desk's"))
    given = target.add_mutually_exclusive_group(required=True)
    given.add_argument("--people", type=int, metavar="N")
    given.add_argument(
        "--derived", action="store_true", help=_("back to its share of the campaign")
    )
    cleared = actions.add_parser("clear", help=_("count towards no campaign"))
    for changing in (made, target, cleared):
        changing.add_argument(
            "--coordinator",
            default="",
            metavar="NAME",
            help=_("on a desk with a coordinator: the coordinator changing it, whose PIN is asked"),
        )
    shown = actions.add_parser("show", help=_("each day's target and the people reached"))
    shown.add_argument("--json", action="store_true")


def campaign(profile: Profile, args: argparse.Namespace) -> int:
    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, context = opened
    try:
        current = store.campaign()
        by, go_on = coordinator_by(
            store,
            getattr(args, "coordinator", ""),
            args.campaign_command in ("set", "clear", "target"),
        )
        if not go_on:
            return EXIT_FAILURE
        try:
            if args.campaign_command == "set":
                current = Campaign(
                    name=args.name,
                    start=args.start,
                    end=args.end,
                    posts=tuple(c.strip().upper() for c in args.posts.split(",") if c.strip()),
                    people=args.people,
                )
                store.set_campaign(current, by=by)
            elif args.campaign_command == "clear":
                store.set_campaign(None, by=by)
                print(_("This desk counts towards no campaign."))
                return EXIT_OK
            elif args.campaign_command == "target":
                if current is None:
                    raise CampaignError(_("No campaign is set: posko campaign set first."))
                people = None if args.derived else args.people
                current = current.set_target(
                    args.post.upper() or context.post_code, args.day, people
                )
                store.set_campaign(current, by=by)
        except CampaignError as error:
            _err(str(error))
            return EXIT_FAILURE
        except NotAllowed as refused:
            _err(refused.message)
            return EXIT_FAILURE
        if current is None:
            print(_("This desk counts towards no campaign."))
            return EXIT_OK
        days = _days(store, current, context.post_code, context.time_zone)
    finally:
        store.close()
    return _show(current, context.post_code, days, as_json=getattr(args, "json", False))


def _days(store: Store, campaign: Campaign, post: str, time_zone: str) -> list[dict[str, object]]:
    """Each day of the campaign at ``post``: its target and the people reached."""
    post_zone = zone(time_zone)
    rows: list[dict[str, object]] = []
    for day in campaign.days():
        start = datetime.combine(day, time(0), tzinfo=post_zone)
        reached = store.outreach_totals(
            date_from=start, date_to=start + timedelta(days=1)
        ).people_reached
        target = campaign.target(post, day)
        part = share(reached, target)
        rows.append(
            {
                "day": day.isoformat(),
                "target": target,
                "set_by_hand": (post, day) in campaign.set_by_hand,
                "reached": reached,
                "percent": round(float(part) * 100, 1) if part is not None else None,
            }
        )
    return rows


def _show(campaign: Campaign, post: str, days: list[dict[str, object]], *, as_json: bool) -> int:
    if as_json:
        json.dump(
            {
                "name": campaign.name,
                "people": campaign.people,
                "posts": list(campaign.posts),
                "post": post,
                "days": days,
            },
            sys.stdout,
            ensure_ascii=False,
            indent=2,
        )
        print()
        return EXIT_OK
    print(
        _("{name}: {people} people, {posts} posts, {start} to {end}").format(
            name=campaign.name,
            people=campaign.people,
            posts=len(campaign.posts),
            start=campaign.start.isoformat(),
            end=campaign.end.isoformat(),
        )
    )
    if post not in campaign.posts:
        print(_("This desk's post {post} is not one of the campaign's.").format(post=post))
        return EXIT_OK
    for row in days:
        mark = " *" if row["set_by_hand"] else ""
        percent = f" ({row['percent']} %)" if row["percent"] is not None else ""
        print(
            _("  {day}: target {target}{mark}, reached {reached}{percent}").format(
                day=row["day"],
                target=row["target"],
                mark=mark,
                reached=row["reached"],
                percent=percent,
            )
        )
    return EXIT_OK
