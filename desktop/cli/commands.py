"""The headless subcommands of ``posko``. Each returns an exit code and prints messages in
the user's language; expected failures are messages, never tracebacks. Imported only to run
a command (``desktop.cli``), so the store's modules are imported at the top; painting (Qt)
and the QR reader only by the commands that use them, so a broken printer never stops
``posko setup``."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from desktop import keys
from desktop.demo import demo_complaints, demo_survey
from desktop.domain import ComplaintInput, ComplaintType, PaperSize, ValidationError, validate_setup
from desktop.logs import configure as configure_logs
from desktop.paths import Profile
from desktop.store import recover as rescue
from desktop.store.context import DeskContext, ReceiptPrinting
from desktop.store.db import DatabaseError
from desktop.store.health import (
    DatabaseDamaged,
    DatabaseVanished,
    describe,
    newest_backups,
    notice_text,
)
from desktop.store.operators import NotAllowed, OperatorAccount
from desktop.store.outbox import Outbox
from desktop.store.recover import RecoveryError
from desktop.store.repo import Store
from posko import tracking, wire
from posko.bundle import open_bundle
from posko.bundle import write_bundle as write
from posko.catalog import default_catalog, offered_groups_in
from posko.i18n import _, current_language, set_language
from posko.routing import RoutingError, router_for

EXIT_OK, EXIT_FAILURE = 0, 1


def read_secret(prompt: str) -> str:
    """A PIN typed hidden at a terminal, or the next line of standard input."""
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(prompt)
    return sys.stdin.readline().strip()


def coordinator_by(store: Store, name: str, needed: bool) -> tuple[OperatorAccount | None, bool]:
    """For a command only a coordinator may run: the account of ``name`` once their PIN
    (``read_secret``) checks out, and whether to go on. Not asked when not ``needed`` or
    when the desk has no coordinator yet (roles apply from the first one on)."""
    from desktop.store.operators import PinRefused

    if not needed or store.needs_coordinator():
        return None, True
    if not name:
        _err(_("Only a coordinator may do this: add --coordinator NAME (their PIN is asked)."))
        return None, False
    try:
        return store.check_pin(name, read_secret(_("Coordinator's PIN: "))), True
    except PinRefused as refused:
        _err(refused.message)
        return None, False


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def unlock(profile: Profile, *, start_anew: bool = False) -> bool:
    """The database's key unlocked: from the keyring, or the coordinator's passphrase
    typed (hidden) or given in ``POSKO_DESK_PASSPHRASE`` (for scripts; removed from the
    environment once read, so no process started later inherits it); when the desk has
    no key yet and no keyring, the passphrase chosen (typed twice). Whether it is."""
    from desktop.store import desk_key
    from desktop.store.desk_key import KeyProblem, WrongPassphrase

    # Taken out of the environment once read: a process this one starts (a drawing
    # process, a helper) has no use for the passphrase and is not handed it.
    given = os.environ.pop("POSKO_DESK_PASSPHRASE", None)
    try:
        desk_key.unlock(profile, start_anew=start_anew)
        return True
    except KeyProblem as problem:
        reason, found = problem.reason, problem
    try:
        if reason == KeyProblem.NEW_PASSPHRASE_NEEDED:
            return _choose_passphrase(profile, given, start_anew=start_anew)
        if reason != KeyProblem.PASSPHRASE_NEEDED:
            _err(desk_key.describe(found))
            return False
        for _attempt in range(1 if given else 3):
            try:
                desk_key.unlock_with_passphrase(
                    profile, given or read_secret(_("Coordinator's passphrase: "))
                )
                return True
            except WrongPassphrase:
                _err(_("That passphrase does not open this desk's data."))
        return False
    except KeyProblem as problem:
        _err(desk_key.describe(problem))
        return False


def _choose_passphrase(profile: Profile, given: str | None, *, start_anew: bool = False) -> bool:
    from desktop.store import desk_key

    _err(
        _(
            "This computer has no keyring: choose the coordinator's passphrase (at least {n} "
            "characters) that protects the desk's data. It is asked at every start."
        ).format(n=desk_key.MIN_PASSPHRASE)
    )
    typed = given or read_secret(_("New passphrase: "))
    if len(typed) < desk_key.MIN_PASSPHRASE:
        _err(_("The passphrase needs at least {n} characters.").format(n=desk_key.MIN_PASSPHRASE))
        return False
    if not given and read_secret(_("The passphrase again: ")) != typed:
        _err(_("The two passphrases are not the same."))
        return False
    desk_key.create_with_passphrase(profile, typed, start_anew=start_anew)
    return True


def _open(profile: Profile) -> Store | None:
    try:
        configure_logs(profile.logs)  # first: what the opening finds goes to the log
        if not unlock(profile):
            return None
        store = Store.open(profile)
    except (DatabaseDamaged, DatabaseVanished) as exc:
        _explain(profile, exc)
        return None
    except (DatabaseError, OSError) as exc:
        _err(_("Cannot open the database: {error}").format(error=exc))
        return None
    for notice in store.notices:
        _err(notice_text(notice))
    return store


def _day(text: str) -> date:
    """A ``--from``/``--to`` option's day, written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("{value} is not a date written YYYY-MM-DD").format(value=text)
        ) from None


def _open_set_up(profile: Profile) -> tuple[Store, DeskContext] | None:
    """The store of a desk that is set up, and its context; None after saying why not."""
    store = _open(profile)
    if store is None:
        return None
    context = store.context()
    if context is None:
        store.close()
        _err(_("This desk is not set up yet: run posko setup first."))
        return None
    return store, context


def _explain(profile: Profile, error: Exception) -> None:
    """What happened to the database and what to do, in the operator's words (SQLite's
    own text goes to the log only)."""

    logging.getLogger("posko.db").error("cannot open the database: %s", error)
    assert isinstance(error, DatabaseError)
    _title, what, todo = describe(error, backups=newest_backups(profile))
    _err(what)
    _err(todo)


def _print_errors(error: ValidationError) -> None:
    for item in error.errors:
        _err(f"{item.field}: {item.message}")


def _printing(args: argparse.Namespace, store: Store) -> ReceiptPrinting | None:
    """The receipt printing the options ask for, on top of what the desk has; None after
    explaining why they cannot be (saving prints nowhere without a printer)."""
    current = store.context()
    known = current.printing if current is not None else ReceiptPrinting()
    printer = known.printer if args.printer is None else args.printer.strip()
    on_save = known.on_save if args.print_on_save is None else args.print_on_save
    if args.print_on_save and not printer:
        print(
            _("--print-on-save needs a receipt printer: give it with --printer QUEUE."),
            file=sys.stderr,
        )
        return None
    return ReceiptPrinting(printer=printer, on_save=on_save and bool(printer))


def _survey_services(args: argparse.Namespace) -> list[str] | bool:
    """The services ``--survey-services`` names (True: not given, left as it is; False:
    after explaining a code that is not a service)."""
    if args.survey_services is None:
        return True
    from posko.survey import services

    known = [s.code for s in services()]
    chosen = [code.strip().upper() for code in args.survey_services.split(",") if code.strip()]
    unknown = [code for code in chosen if code not in known]
    if unknown:
        print(
            _("{codes}: not a service; the services are {known}.").format(
                codes=", ".join(unknown), known=", ".join(known)
            ),
            file=sys.stderr,
        )
        return False
    return chosen


def setup(profile: Profile, args: argparse.Namespace) -> int:
    try:
        code = validate_setup(args.post_code, args.post_name, args.operator, args.central_url)
    except ValidationError as error:
        _print_errors(error)
        return EXIT_FAILURE
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        printing = _printing(args, store)
        surveyed = _survey_services(args)
        if printing is None or surveyed is False:
            return EXIT_FAILURE
        by, go_on = coordinator_by(store, args.coordinator, store.context() is not None)
        if not go_on:
            return EXIT_FAILURE
        try:
            context = store.setup(
                post_code=code,
                post_name=args.post_name,
                operator=args.operator,
                central_url=args.central_url,
                language=args.language,
                paper=PaperSize(args.paper) if args.paper else None,
                time_zone=args.time_zone,
                printing=printing,
                survey_services=None if surveyed is True else surveyed,
                by=by,
            )
        except NotAllowed as refused:
            _err(refused.message)
            return EXIT_FAILURE
    finally:
        store.close()
    print(
        _("Desk ready: post {post} ({code}), operator {operator}, profile {path}").format(
            post=context.post_name,
            code=context.post_code,
            operator=context.operator_name,
            path=profile.root,
        )
    )
    return EXIT_OK


def receipt(profile: Profile, args: argparse.Namespace) -> int:
    from desktop.printing.render import PrintError, render_pdf
    from desktop.receipt import build_receipt

    opened = _open_set_up(profile)
    if opened is None:
        return EXIT_FAILURE
    store, context = opened
    try:
        set_language(args.lang or context.language)
        record = store.complaint(args.tracking_id)
        if record is None:
            try:
                tracking.parse(args.tracking_id)
            except tracking.TrackingIdError:
                _err(
                    _("{tracking_id} is not a valid tracking number; check it again.").format(
                        tracking_id=args.tracking_id
                    )
                )
                return EXIT_FAILURE
            _err(_("No report {tracking_id} on this desk.").format(tracking_id=args.tracking_id))
            return EXIT_FAILURE
        paper = PaperSize(args.paper) if args.paper else context.paper
        try:
            path = render_pdf(build_receipt(record, context, store.catalog), paper, Path(args.pdf))
        except PrintError as exc:
            _err(_("The receipt could not be written: {error}").format(error=exc))
            return EXIT_FAILURE
        print(path)
        return EXIT_OK
    finally:
        store.close()


def demo_data(profile: Profile, args: argparse.Namespace) -> int:
    if args.complaints < 0 or args.complaints > 2_000_000:
        _err(_("The number of complaints must be between 0 and 2,000,000."))
        return EXIT_FAILURE
    if not 0 <= args.survey <= 200_000:
        _err(_("The number of questionnaires must be between 0 and 200,000."))
        return EXIT_FAILURE
    store = _open(profile)
    if store is None:
        return EXIT_FAILURE
    try:
        if store.context() is None:
            store.setup(post_code="LATIH", post_name="Posko Latihan", operator="Operator Latihan")
        now = datetime.now(UTC)
        items = demo_complaints(args.complaints, args.seed, now, store.catalog)
        total = 0
        batch: list[tuple[ComplaintInput, datetime]] = []
        for item in items:
            batch.append(item)
            if len(batch) == 5000:
                total += store.save_many(batch, now=now)
                batch = []
        total += store.save_many(batch, now=now)
        surveyed = store.require_context().survey_services
        filled = list(demo_survey(args.survey, args.seed, now, surveyed))
        answered = store.save_survey_responses(filled, now=now) if filled else 0
    finally:
        store.close()
    print(_("{n} sample complaints added to {path}").format(n=total, path=profile.root))
    if answered:
        print(_("{n} sample questionnaires added.").format(n=answered))
    return EXIT_OK


def _sync_selftest(store: Store, scratch: Profile) -> bool:
    """The outbox yields a valid protocol record and a bundle signed with a fresh key and
    sealed to a fresh central key opens again (pydantic and cryptography, its AES-GCM,
    X25519 and HKDF included, are present and work in this build)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    claimed = Outbox(store).claim(10)
    for item in claimed:  # the report, and the audit trail's line of its making
        wire.parse_any(item.payload)
    items = [item for item in claimed if item.kind == "complaint"]
    if len(items) != 1:
        return False
    wire.parse_record(items[0].payload)
    key = keys.load_or_create(scratch)
    assert key is not None
    target = scratch.root / "selftest.posko"
    central = X25519PrivateKey.generate()
    write(target, key, device_id="1", tracking_prefix="2223", records=[items[0].payload],
          central_key=central.public_key())  # fmt: skip
    with open_bundle(target) as sealed:
        bundle = sealed.verify(keys.public_text(key), central)
    return list(bundle.records()) == [items[0].payload]


def selftest(profile: Profile, args: argparse.Namespace) -> int:
    """Migrate a throwaway profile, save a complaint, render its receipt, read the QR back."""

    import zxingcpp

    from desktop.printing.render import render_image, render_pdf
    from desktop.receipt import build_receipt

    with tempfile.TemporaryDirectory(prefix="posko-selftest-") as tmp:
        scratch = Profile(Path(tmp))
        import secrets

        from desktop.store import cipher, desk_key

        # A passphrase of its own, so the test never writes into the machine's keyring
        # (and scrypt, AES-GCM and SQLCipher are shown to work in this build).
        desk_key.create_with_passphrase(scratch, secrets.token_urlsafe(16))
        store = Store.open(scratch)
        try:
            context = store.setup(
                post_code="UJI",
                post_name="Posko Uji",
                operator="Swauji",
                central_url="https://pelacakan.invalid",
            )
            record = store.save_complaint(
                ComplaintInput(
                    type=ComplaintType.PENGADUAN,
                    category="TOL",
                    title="Uji mandiri Posko",
                    description="Laporan uji: antrean panjang di gerbang tol <b>&</b> 🙂",
                )
            )
            checks: list[tuple[str, bool]] = []
            stored = store.complaint(record.tracking_id)
            checks.append((_("database"), stored == record and store.integrity_check() == "ok"))
            store.close()  # everything written into the file itself, for the next check
            raw = scratch.database.read_bytes()
            hidden = not cipher.is_plain(scratch.database) and b"Uji mandiri" not in raw
            checks.append((_("encryption"), hidden and desk_key.keyring_backend_present()))
            content = build_receipt(record, context, store.catalog)
            pdf = render_pdf(content, context.paper, scratch.receipts / "selftest.pdf")
            checks.append((_("receipt PDF"), pdf.read_bytes().startswith(b"%PDF")))
            image = render_image(content, context.paper)
            found = zxingcpp.read_barcodes(image)
            checks.append((_("QR code"), [b.text for b in found] == [content.qr_payload]))
            checks.append((_("sync"), _sync_selftest(store, scratch)))
            checks.append((_("charts"), _charts_selftest(store, scratch)))
        finally:
            store.close()
    for name, ok in checks:
        print(f"{'OK  ' if ok else 'FAIL'} {name}")
    if all(ok for _name, ok in checks):
        print(_("Self-test passed."))
        return EXIT_OK
    _err(_("Self-test failed."))
    return EXIT_FAILURE


def _charts_selftest(store: Store, scratch: Profile) -> bool:
    """The Statistik section's drawing process starts (matplotlib and numpy present, and
    multiprocessing works in this build) and draws every chart of the saved report; the
    PDF export embeds them (Pillow present)."""
    from desktop.drawing import drawn_elsewhere, stop
    from desktop.exports import Selection, write_export
    from desktop.store.statistics import Drawing
    from posko import charts
    from posko.i18n import current_language
    from posko.statistics import Filters

    sizes = dict.fromkeys(charts.NAMES, (400, 240))
    asked = Drawing(str(scratch.root), Filters(), sizes, 1.0, charts.Style(), current_language())
    try:
        drawn = drawn_elsewhere(asked)
    finally:
        stop()
    pdf = scratch.root / "export.pdf"
    write_export(store, Selection(store.require_context()), "pdf", pdf)
    embedded = pdf.read_bytes().count(b"/Subtype /Image")
    return (
        drawn.stats.complaints == 1
        and set(drawn.pixels) == set(charts.NAMES)
        and embedded >= len(charts.NAMES)
    )


def recover(profile: Profile, args: argparse.Namespace) -> int:
    """``posko recover``: a damaged database read into a fresh one, a vanished one resumed
    (or started over), or with ``--backup`` the newest (or a given) backup restored."""

    profile.ensure()
    configure_logs(profile.logs)
    # Backups and damaged copies are encrypted with the profile's key; with its key file
    # gone, the recovery keeps the unreadable file aside and starts anew.
    if not unlock(profile, start_anew=args.backup is None):
        return EXIT_FAILURE
    if args.backup is not None:
        chosen = Path(args.backup) if args.backup else next(iter(newest_backups(profile)), None)
        try:
            if chosen is None:
                raise rescue.RecoveryError(rescue.RecoveryError.NO_BACKUP)
            store = rescue.restore_backup(profile, chosen)
        except rescue.RecoveryError as exc:
            _err(_recovery_message(exc))
            return EXIT_FAILURE
        try:
            for notice in store.notices:
                _err(notice_text(notice))
        finally:
            store.close()
        print(_("The backup is restored: {path}").format(path=chosen))
        return EXIT_OK
    problem = rescue.diagnose(profile)
    if problem is None:
        print(_("The database is sound; there is nothing to recover."))
        return EXIT_OK
    if isinstance(problem, DatabaseVanished):
        try:
            context = rescue.resume_identity(profile)
        except rescue.RecoveryError:
            rescue.start_over(profile)
            print(
                _(
                    "There is nothing to resume this desk from: set it up again with posko "
                    "setup, and ask the coordinator to enroll it again."
                )
            )
            return EXIT_OK
        print(
            _(
                "A new database was made by resuming the identity of this desk: post {post} "
                "({code}), operator {operator}; new tracking numbers continue after the last "
                "one issued."
            ).format(post=context.post_name, code=context.post_code, operator=context.operator_name)
        )
        return EXIT_OK
    assert isinstance(problem, DatabaseDamaged)

    print(describe(problem)[1])
    report = rescue.recover(profile)
    print(_("The database was recovered into a new file."))
    for line in rescue.report_lines(report):
        print(f"  {line}")
    return EXIT_OK


def _recovery_message(error: Exception) -> str:
    assert isinstance(error, RecoveryError)
    messages = {
        RecoveryError.NO_BACKUP: _("There is no backup in this profile's backups folder."),
        RecoveryError.BAD_BACKUP: _("That backup is damaged too; choose another one."),
        RecoveryError.NO_IDENTITY: _("There is nothing to resume this desk from."),
        RecoveryError.HEALTHY: _("The database is sound; there is nothing to recover."),
    }
    return messages.get(error.code, error.code)


__all__ = ["demo_data", "receipt", "recover", "selftest", "setup"]


def route(profile: Profile, args: argparse.Namespace) -> int:
    """Print the category and agency the rules suggest for a text (for coordinators)."""

    text = " ".join(args.text).strip()
    if not text:
        _err(_("Give the text of a report to route."))
        return 2
    try:
        router = router_for(profile.rules)  # the rules this desk uses, as sent by the central
    except RoutingError as exc:
        _err(_("The routing rules cannot be read: {error}").format(error=exc))
        return EXIT_FAILURE
    catalog = default_catalog()
    # What the desk's form would suggest for a new report: only the categories offered.
    groups = offered_groups_in(profile.category_groups, catalog)
    suggestion = router.route(text, offered=catalog.offered_codes(groups))
    language = current_language()

    def category_name(code: str) -> str:
        found = catalog.get(code)
        return found.name(language) if found else code

    if args.json:
        print(
            json.dumps(
                {
                    "category": {
                        "code": suggestion.category,
                        "name": category_name(suggestion.category),
                    },
                    "agency": {
                        "code": suggestion.agency,
                        "name": router.agency_name(suggestion.agency, language),
                    },
                    "why": list(suggestion.why),
                    "alternatives": [
                        {"code": code, "name": category_name(code), "score": score}
                        for code, score in suggestion.alternatives
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    print(
        _("Category: {name} ({code})").format(
            name=category_name(suggestion.category), code=suggestion.category
        )
    )
    print(
        _("Agency: {name} ({code})").format(
            name=router.agency_name(suggestion.agency, language), code=suggestion.agency
        )
    )
    if suggestion.why:
        print(_("Matched: {terms}").format(terms=", ".join(suggestion.why)))
    else:
        print(_("No rule matched; the operator chooses."))
    return EXIT_OK
