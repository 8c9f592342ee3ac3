"""``posko-central export`` (the statistics page's downloads, as files) and
``posko-central campaign set|show|clear`` (the campaign its figures are measured against).
The figures are the page's: ``central.statistics_view``, the same filters, read the same
strict way."""

from __future__ import annotations

import argparse
from pathlib import Path

from central.cli.common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, err
from central.i18n import _, cli_language
from central.statistics_view import FilterError, figures, read_filters, write_files
from central.store import CentralStore
from posko.campaign import Campaign, CampaignError
from posko.i18n import speaking
from posko.survey_files import ReportFileError

MOST_CAMPAIGN_BYTES = 1_000_000


def export_command(args: argparse.Namespace, store: CentralStore) -> int:
    params = {
        "from": [args.date_from] if args.date_from else [],
        "to": [args.date_to] if args.date_to else [],
        "post": [args.post] if args.post else [],
    }
    try:
        filters = read_filters(params, store, _)
    except FilterError as error:
        err(str(error))
        return EXIT_USAGE
    language = cli_language()
    target = Path(args.out)
    try:
        write_files(figures(store, filters, language), args.format, target, language, _)
    except ReportFileError as error:
        err(str(error))
        return EXIT_FAILURE
    print(_("Written: {file}").format(file=target))
    return EXIT_OK


def campaign_command(args: argparse.Namespace, store: CentralStore) -> int:
    if args.campaign_command == "set":
        return _set(Path(args.file), store)
    if args.campaign_command == "clear":
        print(_("Campaign cleared.") if store.clear_campaign() else _("No campaign was set."))
        return EXIT_OK
    campaign = store.campaign()
    if campaign is None:
        print(_("No campaign was set."))
        return EXIT_OK
    _show(campaign)
    return EXIT_OK


def _set(path: Path, store: CentralStore) -> int:
    try:
        with path.open("rb") as handle:
            data = handle.read(MOST_CAMPAIGN_BYTES + 1)
    except OSError as error:
        err(_("Cannot read {file}: {error}").format(file=path, error=error.strerror or error))
        return EXIT_FAILURE
    try:
        if len(data) > MOST_CAMPAIGN_BYTES:
            raise CampaignError(_("The campaign file is larger than 1 MB."))
        with speaking(cli_language()):
            campaign = Campaign.from_json(data.decode("utf-8"))
    except UnicodeDecodeError:
        err(_("The campaign file is not UTF-8 text."))
        return EXIT_USAGE
    except CampaignError as error:
        err(str(error))
        return EXIT_USAGE
    store.set_campaign(campaign)
    print(_("Campaign set: {name}").format(name=campaign.name))
    _show(campaign)
    return EXIT_OK


def _show(campaign: Campaign) -> None:
    print(campaign.name)
    print(_("Days: {first} to {last}").format(
        first=campaign.start.isoformat(), last=campaign.end.isoformat()
    ))  # fmt: skip
    print(_("Posts: {codes}").format(codes=", ".join(campaign.posts)))
    print(_("People target: {n}").format(n=campaign.people))
