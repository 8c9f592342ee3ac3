"""``posko-central import-bundle``: a desk's USB bundle, deduplicated as a sync is."""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime
from pathlib import Path

from central.bundle_key import BundleKeyError, key_path, load
from central.bundles import BundleRefused, import_bundle
from central.cli.common import EXIT_FAILURE, EXIT_OK, err
from central.db import ENV_DATA_DIR
from central.i18n import _
from central.store import CentralStore
from central.terminal import shown
from posko.bundle import MAX_FILE_BYTES, MAX_INFLATED_BYTES, MAX_RECORDS, BundleError
from posko.workdays import WIB


def _bundle_refusal(code: str) -> str:
    """The operator's one message for a refused bundle (``BundleError.code``)."""
    mib = 1024 * 1024
    messages = {
        BundleError.TOO_LARGE: _(
            "The file is larger than a bundle can be ({limit} MB), so it was not read."
        ).format(limit=MAX_FILE_BYTES // mib),
        BundleError.NOT_A_BUNDLE: _("This file is not a Posko bundle."),
        BundleError.OLD_VERSION: _(
            "This bundle was made by an older Posko: update the desk and export again."
        ),
        BundleError.NEWER_VERSION: _("The bundle was made by a newer Posko; update this server."),
        BundleError.TRUNCATED: _("The bundle is cut off: copy it from the desk again."),
        BundleError.TRAILING_DATA: _(
            "The bundle has extra data after its end: copy it from the desk again."
        ),
        BundleError.BAD_SIGNATURE: _(
            "The bundle's signature does not match: it was changed after the desk wrote it."
        ),
        BundleError.UNKNOWN_DEVICE: _("The bundle comes from a desk this server did not enroll."),
        BundleError.CONTENT_TOO_LARGE: _(
            "The bundle holds more than one import takes (at most {records} records, "
            "{size} MB unpacked)."
        ).format(records=MAX_RECORDS, size=MAX_INFLATED_BYTES // mib),
        BundleError.UNREADABLE: _(
            "The bundle's records cannot be read, although its signature is valid: "
            "export it again on the desk with an up-to-date Posko."
        ),
        BundleError.OTHER_CENTRAL: _(
            "The bundle is sealed to another central system's key (or this server's key "
            "file is missing): it can only be imported where the desk enrolled."
        ),
        BundleError.UNDECRYPTABLE: _(
            "The bundle's signature is valid but its contents do not decrypt: export it "
            "again on the desk with an up-to-date Posko."
        ),
        BundleRefused.REVOKED: _("The desk that wrote this bundle has been revoked."),
        BundleRefused.WRONG_PREFIX: _("The bundle does not match the desk's tracking prefix."),
    }
    return messages.get(code, _("This file is not a Posko bundle."))


def _wib(moment: str) -> str:
    """An ISO time from a bundle's header (checked when it was read), as a clerk reads it."""
    return datetime.fromisoformat(moment).astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB")


def import_bundle_command(args: argparse.Namespace, store: CentralStore) -> int:
    """Import a bundle file. Everything printed from inside it goes through ``shown``; a
    refusal is one line on stderr, and nothing is stored."""
    data_dir = args.data_dir or os.environ.get(ENV_DATA_DIR)
    key_file = key_path(Path(data_dir) if data_dir else None)
    try:
        # Loaded, never made here: a key made now could open no bundle a desk wrote.
        bundle_key = load(key_file)
    except (OSError, BundleKeyError) as exc:
        err(_("The bundle key {file} cannot be used: {error}").format(
            file=shown(str(key_file), 200), error=shown(str(exc), 300)))  # fmt: skip
        return EXIT_FAILURE
    try:
        report = import_bundle(store, Path(args.file), bundle_key)
    except OSError as exc:
        err(
            _("Cannot read {file}: {error}").format(
                file=shown(args.file, 200), error=shown(exc.strerror or exc)
            )
        )
        return EXIT_FAILURE
    except BundleError as exc:
        nothing = _("Nothing was imported.")
        err(f"{_bundle_refusal(exc.code)} {nothing}")
        return EXIT_FAILURE
    counts = {
        k: report.counts.get(k, 0)
        for k in ("accepted", "duplicate", "conflict", "rejected", "deferred")
    }
    problems = [
        {
            "index": p.index,
            "uuid": None if p.uuid is None else shown(p.uuid, 40),
            "kind": None if p.kind is None else shown(p.kind, 20),
            "result": p.result.value,
            "reason": None if p.reason is None else shown(p.reason, 300),
        }
        for p in report.problems
    ]
    if args.json:
        document = {
            "device_id": report.device.id,
            "post_code": shown(report.device.post_code, 16),
            "created_at": shown(report.created_at, 40),
            "counts": counts,
            "audit_lines": report.audit_lines,
            "problems": problems,
        }
        print(json.dumps(document, indent=2, ensure_ascii=True))
        return EXIT_OK
    print(
        _(
            "Bundle of device {device} ({post}) written {created_at}: {accepted} new, "
            "{duplicate} already here, {conflict} conflicting, {rejected} refused."
        ).format(
            device=report.device.id,
            post=shown(report.device.post_code, 16),
            created_at=shown(_wib(report.created_at), 40),
            **counts,
        )
    )
    if report.audit_lines:
        print(_("{n} lines of the desk's activity log are kept.").format(n=report.audit_lines))
    if counts["deferred"]:
        print(
            _(
                "{deferred} records of kinds this central system does not keep yet (survey "
                "responses, tallies, stock) were left out: import this bundle again once it "
                "keeps them."
            ).format(deferred=counts["deferred"])
        )
    for problem in problems:
        print(
            f"  #{problem['index']}  {problem['uuid'] or '-'}  {problem['kind'] or '-'}  "
            f"{problem['result']}: {problem['reason'] or ''}".rstrip()
        )
    return EXIT_OK
