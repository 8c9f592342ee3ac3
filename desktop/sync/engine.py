"""The sync engine: push the outbox, pull statuses. Qt-free and synchronous; the GUI runs it
on a worker thread through a thin adapter, ``posko sync`` runs it in the foreground.

One pass (``run_once``):
1. Claim up to a batch of queued records of every kind, oldest first (marked ``sending``
   before the HTTP call), push them gzip-compressed as a protocol 2 body, and record the
   compact answer for each one (a record the central system does not store yet is deferred:
   it stays queued for a later pass). A central system that knows only protocol 1 refuses
   the body whole; the pass goes on in protocol 1, with complaints only, the other kinds
   deferred. No answer (offline,
   timeout, reset, 5xx) puts the batch back to pending with the reason: a lost answer is
   simply sent again, and the central system's deduplication by UUID makes that harmless.
2. A batch the server refuses as a whole (400/413) is split in halves until the record that
   causes it stands alone, which then goes to "needs attention": one bad record never
   blocks the rest.
3. Pull the status changes of this desk's reports since the saved cursor.
4. Fetch the routing rules if the central system has a newer version than the desk's; they
   are checked by the desk's own rule engine, then saved in the profile in one atomic write
   and used from the next suggestion on. A set that does not check out is logged and left.
5. Fetch which groups of categories the coordinator offers for new reports; a group this
   desk does not know is ignored, an answer that does not check out keeps what was saved.
6. Fetch the campaign, and the central system's bundle key (USB bundles are sealed to it:
   a desk enrolled before the key existed learns it here).
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from desktop.paths import Profile
from desktop.settings import CENTRAL_BUNDLE_KEY, CENTRAL_URL, LAST_SYNC_AT, SYNC_CURSOR
from desktop.store.outbox import KINDS, CentralUpdate, Delivery, Outbox, OutboxItem
from desktop.store.repo import Store
from desktop.sync.enroll import read_token
from desktop.sync.transport import Answer, Transport, TransportError
from posko import __version__, wire

Model = TypeVar("Model", bound=BaseModel)
log = logging.getLogger("posko.sync")

GZIP_LEVEL = 6


class Problem:
    """Why a pass stopped; the UI turns these into messages in the operator's language."""

    NOT_ENROLLED = "not_enrolled"
    OFFLINE = "offline"
    SERVER_ERROR = "server_error"
    AUTH = "auth"  # the token was revoked: enroll again
    BAD_ANSWER = "bad_answer"
    STOPPED = "stopped"  # the desk is closing; what was not sent stays queued


@dataclass
class SyncReport:
    """What one pass did."""

    # The operator's records (the audit trail's lines go along uncounted, as in the
    # "waiting to send" figure; a refused one is counted in ``attention``, though).
    sent: int = 0  # accepted or duplicate: the central system holds them
    attention: int = 0  # refused: the operator has to look
    deferred: int = 0  # the central system does not store their kind yet: still queued
    pulled: int = 0  # status changes applied
    problem: str | None = None
    detail: str = ""
    http_status: int | None = None
    batches: int = 0
    rules_version: int | None = None  # set when newer routing rules were taken in
    categories_changed: bool = False  # the groups offered for new reports changed
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        return self.problem is None


class _BatchRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _OldCentral(Exception):
    """The central system refused a protocol 2 body for its version: it speaks only 1."""


class _NoAnswer(Exception):
    def __init__(self, problem: str, detail: str, status: int | None = None) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.status = status


class SyncEngine:
    def __init__(
        self,
        store: Store,
        profile: Profile,
        transport: Transport,
        *,
        batch_size: int = 200,
        pull_limit: int = 1000,
        stop: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.profile = profile
        self.outbox = Outbox(store)
        self.transport = transport
        self.batch_size = max(1, min(batch_size, wire.MAX_BATCH))
        self.pull_limit = pull_limit
        self.stop = stop or threading.Event()
        self.protocol: int = wire.PUSH_PROTOCOL  # tried first in every pass
        self._refused_rules = 0  # the newest rule set the central sent that did not check out

    # -- the pass ------------------------------------------------------------------------

    def run_once(self) -> SyncReport:
        report = SyncReport()
        server = self.store.get(CENTRAL_URL)
        token = read_token(self.profile)
        if not server or not token:
            report.problem = Problem.NOT_ENROLLED
            return report
        headers = {
            "authorization": f"Bearer {token}",
            "user-agent": f"posko/{__version__}",
        }
        self.protocol = wire.PUSH_PROTOCOL  # the central system may have been upgraded
        try:
            self._push_all(server, headers, report)
            self._pull_all(server, headers, report)
            self._fetch_rules(server, headers, report)
            self._fetch_categories(server, headers, report)
            self._fetch_campaign(server, headers)
            self._fetch_bundle_key(server, headers)
        except _NoAnswer as exc:
            report.problem = exc.problem
            report.detail = exc.detail
            report.http_status = exc.status
            log.warning("sync stopped: %s %s", exc.problem, exc.detail)
            return report
        self.store.set(LAST_SYNC_AT, datetime.now(UTC).isoformat())
        self.store.erase_expired()  # what the central system confirmed long enough ago
        log.info("sync: %d sent, %d need attention, %d statuses", report.sent,
                 report.attention, report.pulled)  # fmt: skip
        return report

    def _push_all(self, server: str, headers: dict[str, str], report: SyncReport) -> None:
        """Claim a batch, send it from one worker thread, and while its request is out,
        record the previous batch's answer, claim the next batch and make its body: the
        desk's writes overlap the central system's work instead of waiting for it, and the
        worker goes from one request straight to the next. Every record is marked sending
        before its request all the same. Anything but a plain answer (a refusal to split, a
        protocol 1 central system, no answer) is settled only once nothing is in flight, so
        requests never overlap."""
        chunk = self.outbox.claim(self.batch_size, protocol=self.protocol)
        sending = [i.uuid for i in chunk]  # claimed and maybe unanswered: the last two
        in_flight: tuple[list[OutboxItem], Future[_Outcome]] | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="posko-push") as pool:
            try:
                while chunk and not self.stop.is_set():
                    batch = self._prepare(chunk, report)
                    if batch:
                        body = _push_body(batch, self.protocol)
                        future = pool.submit(
                            self._attempt, server, headers, batch, self.protocol, body
                        )
                        if in_flight is not None:
                            self._settle_before(server, headers, in_flight, batch, future, report)
                        in_flight = (batch, future)
                    previous = [i.uuid for i in chunk]
                    chunk = []
                    if not self.stop.is_set():
                        chunk = self.outbox.claim(
                            self.batch_size,
                            protocol=self.protocol,
                            # Still marked sending while its answer is on the way.
                            exclude=[i.uuid for i in in_flight[0]] if in_flight else (),
                        )
                    sending = previous + [i.uuid for i in chunk]
                if in_flight is not None:
                    done, answered = in_flight
                    in_flight = None
                    self._settle(server, headers, done, answered.result(), report)
                if chunk:  # claimed, then the desk began closing
                    raise _NoAnswer(Problem.STOPPED, "stopping")
                self._check_stop()
            except _NoAnswer as exc:
                if in_flight is not None:
                    in_flight[1].result()  # nothing left in flight: its records go back too
                # Only the records still marked sending go back; answered ones keep theirs.
                self.outbox.fail(sending, f"{exc.problem}: {exc.detail}", exc.status)
                raise

    def _settle_before(
        self,
        server: str,
        headers: dict[str, str],
        in_flight: tuple[list[OutboxItem], Future[_Outcome]],
        batch: list[OutboxItem],
        future: Future[_Outcome],
        report: SyncReport,
    ) -> None:
        """Settle the batch sent before ``batch`` (whose request ``future`` is out)."""
        done, answered = in_flight
        outcome = answered.result()
        if not isinstance(outcome, list):
            following = future.result()  # wait: settling may send requests
            if isinstance(outcome, _NoAnswer):
                if isinstance(following, list):
                    self._settle(server, headers, batch, following, report)
                raise outcome
        self._settle(server, headers, done, outcome, report)

    def _attempt(
        self,
        server: str,
        headers: dict[str, str],
        items: list[OutboxItem],
        protocol: int,
        body: bytes | None = None,
    ) -> _Outcome:
        """On the worker thread: the answer, or why there is none (never raised there)."""
        if self.stop.is_set():  # the desk began closing while the previous batch was out
            return _NoAnswer(Problem.STOPPED, "stopping")
        try:
            return self._send(server, headers, items, protocol, body)
        except (_NoAnswer, _OldCentral, _BatchRefused) as exc:
            return exc

    def _prepare(self, items: list[OutboxItem], report: SyncReport) -> list[OutboxItem]:
        """The records of ``items`` the central system's protocol carries; the others wait."""
        later = [i for i in items if wire.KINDS_SINCE.get(i.kind, 2) > self.protocol]
        if not later:
            return items
        # Claimed before the central system turned out to take only protocol 1: they wait,
        # queued, for a central system that takes them.
        self.outbox.defer([i.uuid for i in later], "the central system takes push protocol 1 only")
        report.deferred += sum(_counted(i) for i in later)
        waiting = {i.uuid for i in later}
        return [i for i in items if i.uuid not in waiting]

    def _push(
        self, server: str, headers: dict[str, str], items: list[OutboxItem], report: SyncReport
    ) -> None:
        """Push ``items`` now, on this thread (nothing else is in flight)."""
        items = self._prepare(items, report)
        if items:
            outcome = self._attempt(server, headers, items, self.protocol)
            self._settle(server, headers, items, outcome, report)

    def _settle(
        self,
        server: str,
        headers: dict[str, str],
        items: list[OutboxItem],
        outcome: _Outcome,
        report: SyncReport,
    ) -> None:
        """Record the answer to ``items``; on a whole-batch refusal, split until the culprit
        stands alone; a protocol 1 central system gets them again in protocol 1."""
        if isinstance(outcome, _NoAnswer):
            raise outcome
        if isinstance(outcome, _OldCentral):
            self.protocol = 1  # from now on in this pass
            self._push(server, headers, items, report)
            return
        if isinstance(outcome, _BatchRefused):
            if len(items) == 1:
                self.outbox.deliver(
                    [Delivery(items[0].uuid, "rejected", outcome.message, kind=items[0].kind)]
                )
                report.attention += 1
                return
            half = len(items) // 2
            self._push(server, headers, items[:half], report)
            self._push(server, headers, items[half:], report)
            return
        report.batches += 1
        deliveries = []
        for item, (result, reason) in zip(items, outcome, strict=True):
            deliveries.append(Delivery(item.uuid, result.value, reason, kind=item.kind))
            if result in (wire.RecordOutcome.ACCEPTED, wire.RecordOutcome.DUPLICATE):
                report.sent += _counted(item)
            elif result is wire.RecordOutcome.DEFERRED:
                report.deferred += _counted(item)
            else:
                report.attention += 1
        self.outbox.deliver(deliveries)

    def _send(
        self,
        server: str,
        headers: dict[str, str],
        items: list[OutboxItem],
        protocol: int,
        body: bytes | None = None,
    ) -> list[tuple[wire.RecordOutcome, str | None]]:
        """Push ``items`` (``body``: their gzip request body, if already made)."""
        answer = self._call(
            "POST",
            f"{server}/api/v1/sync/push",
            body=body if body is not None else _push_body(items, protocol),
            headers=headers
            | {
                "content-type": "application/json",
                "content-encoding": "gzip",
                "accept-encoding": "gzip",
            },
        )
        if answer.status == 400 and protocol > 1 and _refuses_protocol(answer):
            raise _OldCentral()
        if answer.status in (400, 413, 422):
            raise _BatchRefused(answer.status, _message(answer))
        if answer.status != 200:
            raise _NoAnswer(Problem.SERVER_ERROR, _message(answer), answer.status)
        if protocol == 1:
            return _v1_results(answer, items)
        try:
            parsed = wire.PushAnswer.model_validate_json(answer.body)
        except ValidationError as exc:
            raise _NoAnswer(Problem.BAD_ANSWER, "push answer unreadable", 200) from exc
        if parsed.batch != wire.batch_digest([i.uuid for i in items]) or len(
            parsed.outcomes
        ) != len(items):
            raise _NoAnswer(Problem.BAD_ANSWER, "push answer does not match the batch", 200)
        return parsed.results()

    def _pull_all(self, server: str, headers: dict[str, str], report: SyncReport) -> None:
        for _page in range(10_000):
            self._check_stop()
            cursor = self.store.get(SYNC_CURSOR) or "0"
            answer = self._call(
                "GET",
                f"{server}/api/v1/sync/pull?cursor={cursor}&limit={self.pull_limit}",
                headers=headers,
            )
            if answer.status != 200:
                raise _NoAnswer(Problem.SERVER_ERROR, _message(answer), answer.status)
            try:
                page = wire.PullResponse.model_validate_json(answer.body)
            except ValidationError as exc:
                raise _NoAnswer(Problem.BAD_ANSWER, "pull answer unreadable", 200) from exc
            report.pulled += self.outbox.apply_updates(
                CentralUpdate(
                    uuid=change.uuid,
                    status=change.status.value,
                    agency=change.agency,
                    note=change.note,
                    changed_at=change.changed_at,
                )
                for change in page.changes
            )
            self.store.set(SYNC_CURSOR, page.cursor)
            if not page.more:
                return

    def _fetch_rules(self, server: str, headers: dict[str, str], report: SyncReport) -> None:
        """Take newer routing rules if the central system has them. Whatever goes wrong
        here is logged, never a failed pass: the records went through already."""
        from posko.files import write_atomic
        from posko.routing import RoutingError, accept_rule_set, router_for

        have = max(router_for(self.profile.rules).version, self._refused_rules)
        sent = self._fetched(  # 204: up to date
            "routing rules",
            f"{server}/api/v1/sync/rules?have={have}",
            headers,
            wire.RulesResponse,
        )
        if sent is None:
            return
        try:
            router = accept_rule_set(sent.routing, sent.agencies)
            if router.version != sent.version:
                raise RoutingError(f"version {sent.version} but the rules say {router.version}")
        except RoutingError as exc:
            # Not asked for again until the central system has a newer set.
            self._refused_rules = max(self._refused_rules, sent.version)
            log.warning("routing rules version %d refused: %s", sent.version, exc)
            return
        if router.version <= have:
            return
        data = {"version": router.version, "routing": sent.routing, "agencies": sent.agencies}
        try:
            write_atomic(self.profile.rules, json.dumps(data, ensure_ascii=False).encode("utf-8"))
        except OSError as exc:
            log.warning("routing rules version %d not saved: %s", router.version, exc)
            return
        report.rules_version = router.version
        log.info("routing rules updated to version %d", router.version)

    def _fetched(
        self, what: str, url: str, headers: dict[str, str], model: type[Model]
    ) -> Model | None:
        """The central system's answer at ``url`` read as ``model``; None (logged as
        ``what`` not fetched) for no answer, 204, 404 (a central system from before it),
        any other status or an answer that does not check out: what a pass fetches after
        the records went through never fails the pass."""
        self._check_stop()
        try:
            answer = self._call("GET", url, headers=headers)
        except _NoAnswer as exc:
            log.warning("%s not fetched: %s %s", what, exc.problem, exc.detail)
            return None
        if answer.status in (204, 404):
            return None
        if answer.status != 200:
            log.warning("%s not fetched: HTTP %d %s", what, answer.status, _message(answer))
            return None
        try:
            return model.model_validate_json(answer.body)
        except ValidationError as exc:
            log.warning("%s from the central system unreadable: %s", what, exc)
            return None

    def _fetch_campaign(self, server: str, headers: dict[str, str]) -> None:
        """Take the coordinator's campaign, so every desk counts towards the same targets.
        When the central system has none, a campaign it handed out before is cleared (the
        coordinator cleared it); one set on the desk itself stays."""
        from posko.campaign import Campaign, CampaignError

        sent = self._fetched(
            "campaign", f"{server}/api/v1/sync/campaign", headers, wire.CampaignResponse
        )
        if sent is None:
            return
        if sent.campaign is None:
            if self.store.campaign_from_central():
                self.store.set_campaign(None, from_central=True)
                log.info("campaign cleared on the central system: cleared here too")
            return
        try:
            chosen = Campaign.from_json(sent.campaign)
        except CampaignError as exc:
            log.warning("campaign from the central system refused: %s", exc)
            return
        if chosen != self.store.campaign() or not self.store.campaign_from_central():
            self.store.set_campaign(chosen, from_central=True)
            log.info("campaign from the central system taken: %d days, %d posts",
                     (chosen.end - chosen.start).days + 1, len(chosen.posts))  # fmt: skip

    def _fetch_bundle_key(self, server: str, headers: dict[str, str]) -> None:
        """Learn the key USB bundles are sealed to (404: a central system without one keeps
        what the desk knows, if anything)."""
        sent = self._fetched(
            "bundle key", f"{server}/api/v1/sync/bundle-key", headers, wire.BundleKeyResponse
        )
        if sent is not None and sent.bundle_key != self.store.get(CENTRAL_BUNDLE_KEY):
            self.store.set(CENTRAL_BUNDLE_KEY, sent.bundle_key)
            log.info("bundle key from the central system taken")

    def _fetch_categories(self, server: str, headers: dict[str, str], report: SyncReport) -> None:
        """Learn which groups of categories the coordinator offers for new reports, and keep
        them in the profile for the form. Like the rules, never a failed pass: whatever goes
        wrong is logged and the groups saved before stay."""
        from posko.catalog import known_switches, read_switches
        from posko.files import write_atomic

        sent = self._fetched(
            "category groups",
            f"{server}/api/v1/sync/categories",
            headers,
            wire.CategoriesResponse,
        )
        if sent is None:
            return
        catalog = self.store.catalog
        switches = known_switches(sent.groups, catalog)
        if unknown := sorted(set(sent.groups) - set(switches)):
            log.info("category groups this desk does not know, ignored: %s", unknown)
        saved = self.profile.category_groups
        if switches == read_switches(saved, catalog) and saved.exists():
            return
        before = catalog.offered_groups(read_switches(saved, catalog))
        data = json.dumps({"groups": switches}, ensure_ascii=False, sort_keys=True)
        try:
            write_atomic(saved, data.encode("utf-8"))
        except OSError as exc:
            log.warning("category groups not saved: %s", exc)
            return
        after = catalog.offered_groups(switches)
        report.categories_changed = after != before
        if report.categories_changed:
            log.info("category groups offered for new reports: %s", ", ".join(sorted(after)))

    def _check_stop(self) -> None:
        """Between requests: a desk that is closing stops here, its records safe."""
        if self.stop.is_set():
            raise _NoAnswer(Problem.STOPPED, "stopping")

    def _call(
        self, method: str, url: str, *, body: bytes | None = None, headers: dict[str, str]
    ) -> Answer:
        try:
            answer = self.transport.request(method, url, body=body, headers=headers)
        except TransportError as exc:
            raise _NoAnswer(Problem.OFFLINE, str(exc)) from exc
        if answer.status == 401:
            raise _NoAnswer(Problem.AUTH, _message(answer), 401)
        return answer

    # -- probe ---------------------------------------------------------------------------

    def probe(self) -> bool:
        """Does the central system really answer (Qt's reachability only sees a route)?"""
        server = self.store.get(CENTRAL_URL)
        if not server:
            return False
        try:
            answer = self.transport.request("GET", f"{server}/health", headers={})
        except TransportError:
            return False
        return answer.status == 200


_Outcome = list[tuple[wire.RecordOutcome, str | None]] | _NoAnswer | _OldCentral | _BatchRefused


def _v1_results(
    answer: Answer, items: list[OutboxItem]
) -> list[tuple[wire.RecordOutcome, str | None]]:
    try:
        parsed = wire.PushResponse.model_validate_json(answer.body)
    except ValidationError as exc:
        raise _NoAnswer(Problem.BAD_ANSWER, "push answer unreadable", 200) from exc
    by_index = {result.index: result for result in parsed.results}
    if sorted(by_index) != list(range(len(items))) or any(
        by_index[i].uuid not in (None, item.uuid) for i, item in enumerate(items)
    ):
        raise _NoAnswer(Problem.BAD_ANSWER, "push answer does not match the batch", 200)
    return [(by_index[i].result, by_index[i].reason) for i in range(len(items))]


def _counted(item: OutboxItem) -> int:
    """1 for a record the operator's figures count, 0 for an audit line."""
    kind = KINDS.get(item.kind)
    return 1 if kind is None or kind.counted else 0


def _push_body(items: list[OutboxItem], protocol: int) -> bytes:
    """The gzip-compressed ``POST /sync/push`` body carrying ``items``."""
    body = json.dumps(
        {
            "protocol": protocol,
            "device_app_version": __version__,
            "records": [item.payload for item in items],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return gzip.compress(body, compresslevel=GZIP_LEVEL)


def _refuses_protocol(answer: Answer) -> bool:
    """A protocol 1 central system's answer to a protocol 2 body: the whole batch refused,
    for its ``protocol`` field (``invalid_batch``, "protocol: Input should be 1")."""
    try:
        data: Any = json.loads(answer.body)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    message = data.get("message")
    return (
        data.get("error") == "invalid_batch"
        and isinstance(message, str)
        and message.startswith("protocol:")
    )


def _message(answer: Answer) -> str:
    try:
        data: Any = json.loads(answer.body)
        text = data.get("message") or data.get("error") or ""
    except (ValueError, AttributeError):
        text = answer.body[:200].decode("utf-8", "replace")
    return f"HTTP {answer.status}: {text}".strip()
