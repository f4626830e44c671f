"""One sync run: load channels, contacts and links; plan; apply batch by batch; record."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from hubsync.batch import ConfirmedWrite, SecondRound, sort_outcomes, trace_id
from hubsync.budgeting import BudgetKeeper, BudgetStart
from hubsync.domain.changes import recreated
from hubsync.domain.contact import MERGED_OBJECT_IDS, SECONDARY_EMAILS
from hubsync.domain.halt import halted_verdict
from hubsync.domain.identity import channel_ref, gleev_id_of, resolve_channels
from hubsync.domain.links import Link
from hubsync.domain.outcome import Outcome, channel_outcomes
from hubsync.domain.plan import (
    NOTHING_LEARNED,
    Action,
    Learned,
    Plan,
    PlanOptions,
    SourceSnapshot,
    Write,
    make_plan,
    read_source,
)
from hubsync.domain.properties import managed_property_names
from hubsync.domain.verdict import FailureStreak, judge_run
from hubsync.domain.view import ContactView
from hubsync.hubspot.gateway import WriteInput, WriteOutcome
from hubsync.hubspot.schema import preflight
from hubsync.log import get_logger
from hubsync.ports import (
    AlwaysAllow,
    BatchProgress,
    ChannelSource,
    ContactGateway,
    NoProgress,
    RunState,
    WriteGuard,
    WriteHalted,
)
from hubsync.report import result_fields
from hubsync.result import RECORDED_DETAILS, RunResult, WriteFailure
from hubsync.settings import Settings
from hubsync.state.link_book import LinkBook

log = get_logger(__name__)

BATCH_SIZE = 100
# Lookups can reveal a duplicate-group holder that changes another channel's role; each
# round only asks for what the previous one did not know, so this converges quickly.
MAX_LOOKUP_ROUNDS = 4

Sender = Callable[[list[WriteInput]], list[WriteOutcome]]


@dataclass(frozen=True, slots=True)
class RunOptions:
    full: bool = False
    dry_run: bool = False
    channels: tuple[str, ...] = ()  # YouTube ids (UC...) or Gleev ids


@dataclass
class _Run:
    """What one run knows while it applies: the source, HubSpot's contacts as read, and the
    links, which change as HubSpot confirms each batch."""

    source: SourceSnapshot
    view: ContactView
    book: LinkBook
    options: PlanOptions
    result: RunResult
    named: dict[str, int] = field(default_factory=dict)  # channels asked for, by the id given
    counted: BudgetStart | None = None  # the marketing-contact count before the run
    # What HubSpot did with each named channel's write (only when channels are named).
    written: dict[int, Outcome] = field(default_factory=dict)
    streak: FailureStreak = field(default_factory=FailureStreak)
    halted: WriteHalted | None = None  # the write guard stopped the run
    sent: int = 0  # writes sent so far, for progress


class SyncEngine:
    def __init__(
        self,
        settings: Settings,
        channels: ChannelSource,
        hubspot: ContactGateway,
        state: RunState,
        budget: BudgetKeeper | None = None,
        guard: WriteGuard | None = None,
        progress: BatchProgress | None = None,
    ) -> None:
        self.settings = settings
        self.channels = channels
        self.hubspot = hubspot
        self.state = state
        self.budget = budget  # None: the marketing-contact budget is not tracked
        self.guard = guard or AlwaysAllow()
        self.progress = progress or NoProgress()

    def run(self, options: RunOptions, run_id: str) -> RunResult:
        """One run, now: check the state table, plan, apply unless dry, record the result."""
        self.state.ensure_table(create=self.settings.create_state_table, dry_run=options.dry_run)
        log.info("run started", full=options.full, dry_run=options.dry_run)
        meter = _Meter(self.hubspot)
        run = self._prepare(options, run_id)
        if not options.dry_run:
            with _timed(run.result.timings, "apply_s"):
                self._apply(run)
        self._conclude(run)
        meter.read_into(run.result)
        self._record(run.result)
        return run.result

    def _prepare(self, options: RunOptions, run_id: str) -> _Run:
        """Everything before the first write: preflight, count, load, plan."""
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        timings: dict[str, float] = {}
        with _timed(timings, "preflight_s"):
            preflight(self.hubspot, self.settings.key_property)
        counted = self.budget.start() if self.budget else None
        links = self.state.load_links()
        full = options.full or not links
        named: dict[str, int] = {}
        if options.channels:
            source, named = self._load_named(options.channels, timings)
            view = ContactView(self.settings.key_property, complete=False)
        else:
            source, view = self._load(full, timings)
        plan_options = PlanOptions(
            key_property=self.settings.key_property,
            duplicate_policy=self.settings.duplicate_email_policy,
            full=full,
            scope=frozenset(named.values()) if options.channels else None,
        )
        with _timed(timings, "plan_s"):
            plan = self._plan_with_lookups(source, view, links, plan_options)
            if self.budget and counted:
                plan = self.budget.apply(counted, plan, source.channels)
        mode = "full" if full else "incremental"
        result = RunResult(
            run_id, mode, options.dry_run, started_at, plan, timings=timings, source=source
        )
        result.contact_changes.extend(plan.contact_changes)
        book = LinkBook(self.state, links)
        return _Run(source, view, book, plan_options, result, named=named, counted=counted)

    def _conclude(self, run: _Run) -> None:
        """What became of each named channel, the run's budget, and its verdict."""
        result = run.result
        if run.named:
            failures = {f.gleev_id: f"{f.category}: {f.message}" for f in result.failures}
            result.channels = channel_outcomes(
                run.named,
                run.source.channels,
                result.plan,
                run.book.links,
                failures,
                run.written,
                result.dry_run,
            )
        if self.budget and run.counted:
            result.budget = self.budget.finish(
                run.counted, result, run.book.links, run.options.scope
            )
        result.verdict = judge_run(result.tally(), self.settings.max_failure_ratio)
        if run.halted is not None:
            result.verdict = halted_verdict(run.halted, result.created + result.updated)

    def _record(self, result: RunResult) -> None:
        """Log the run's result and, unless it was a dry run, keep it in the state table."""
        record = result.record(RECORDED_DETAILS)
        log.info(
            "run finished", **{k: v for k, v in result_fields(record).items() if k != "details"}
        )
        if not result.dry_run:
            self.state.save_run(record)

    # -- load and plan ----------------------------------------------------------------------

    def _load(
        self, list_contacts: bool, timings: dict[str, float]
    ) -> tuple[SourceSnapshot, ContactView]:
        """Scan DynamoDB while HubSpot contacts page in: both are slow, neither needs the other."""
        view = ContactView(self.settings.key_property, complete=list_contacts)
        segments = self.settings.scan_segments

        def scan() -> SourceSnapshot:
            with _timed(timings, "scan_s"):
                return read_source(self.channels.scan(segments))

        pool = ThreadPoolExecutor(max_workers=1)
        try:
            scanning = pool.submit(scan)
            if list_contacts:
                with _timed(timings, "list_s"):
                    view.add(self.hubspot.list_contacts(self._read_properties))
            source = scanning.result()
        finally:
            # After a failure or a Ctrl-C, say so now rather than when the scan ends.
            pool.shutdown(wait=False)
        log.info(
            "loaded",
            channels=len(source.channels),
            # Not `rejected`: the run's `rejected` also counts items whose Gleev id an
            # earlier sign-up already uses, which only planning finds.
            invalid=len(source.rejected),
            contacts=len(view.by_id) if list_contacts else None,
        )
        return source, view

    def _load_named(
        self, refs: Sequence[str], timings: dict[str, float]
    ) -> tuple[SourceSnapshot, dict[str, int]]:
        """Read just the named channels' items (queries on the table's indexes), not the
        whole table; HubSpot's contacts are then looked up for them alone."""
        refs = [channel_ref(ref) for ref in refs]
        by_gleev_id = {ref: gleev_id_of(ref) for ref in refs}
        gleev_ids = {n for n in by_gleev_id.values() if n is not None}
        youtube_ids = {ref for ref, n in by_gleev_id.items() if n is None}
        with _timed(timings, "read_s"):
            items = self.channels.items_of(gleev_ids, youtube_ids, self.settings.scan_segments)
        named = resolve_channels(refs, items)
        source = read_source(items)
        log.info("loaded named channels", named=named, items=len(items))
        return source, named

    @property
    def _read_properties(self) -> tuple[str, ...]:
        # What people did behind hubsync's back: secondary e-mails and merged-away ids.
        return (
            *managed_property_names(self.settings.key_property),
            "hs_object_id",
            SECONDARY_EMAILS,
            MERGED_OBJECT_IDS,
        )

    def _plan_with_lookups(
        self,
        source: SourceSnapshot,
        view: ContactView,
        links: Mapping[int, Link],
        options: PlanOptions,
        learned: Learned = NOTHING_LEARNED,
    ) -> Plan:
        plan = make_plan(source, view, links, options, learned)
        # What the first round found unchanged by its hash stays so: later rounds only plan
        # the channels that needed HubSpot's contacts, not the whole source again.
        unchanged = learned.unchanged_by_hash | frozenset(plan.unchanged_by_hash)
        learned = replace(learned, unchanged_by_hash=unchanged)
        for _ in range(MAX_LOOKUP_ROUNDS):
            if not plan.lookups:
                return plan
            self._look_up(view, plan)
            plan = make_plan(source, view, links, options, learned)
        raise RuntimeError("planning kept asking HubSpot for more contacts; this is a bug")

    def _look_up(self, view: ContactView, plan: Plan) -> None:
        """Batch reads, not search: search lags behind writes, and an e-mail it has not
        indexed yet would make a create land on an unseen contact."""
        lookups = plan.lookups
        properties = self._read_properties
        key = self.settings.key_property
        for values, id_property in (
            (lookups.contact_ids, None),
            (lookups.emails, "email"),
            (lookups.keys, key),
        ):
            if values:
                view.add(self.hubspot.read_contacts(sorted(values), properties, id_property))
        view.record_lookups(lookups.contact_ids, lookups.emails, lookups.keys)

    # -- apply ------------------------------------------------------------------------------

    def _apply(self, run: _Run) -> None:
        run.book.confirm(run.result.plan.confirmed)
        second = SecondRound()
        self._write(run.result.plan.writes, run, second)
        if second and run.result.stopped_on:
            run.result.not_attempted += len(second)
        elif second:
            self._plan_again(second, run)

    def _write(self, writes: Sequence[Write], run: _Run, second: SecondRound | None = None) -> None:
        """Send every write in batches; remember each batch as soon as HubSpot confirmed it.
        Writes HubSpot refused in a way a second plan can fix go to `second`, if given.
        Batch after batch refused whole for one reason stops the writing (see FailureStreak)."""
        batches = list(self._batches(writes))
        planned = run.sent + len(writes)
        for index, (send, batch) in enumerate(batches):
            if self._halted(run, batches, index):
                return
            failures = self._write_batch(send, batch, run, second)
            run.sent += len(batch)
            self.progress.advance(run.sent, planned)
            if run.streak.observe(len(batch), [failure.category for failure in failures]):
                left = sum(len(later) for _, later in batches[index + 1 :])
                run.result.stopped_on = run.streak.category
                run.result.not_attempted += left
                log.warning("writing stopped", category=run.streak.category, not_attempted=left)
                return

    def _halted(self, run: _Run, batches: Sequence[tuple[Sender, list[Write]]], index: int) -> bool:
        """Ask the write guard before batch `index`; when it refuses, that batch and the ones
        after it are not attempted."""
        try:
            self.guard.check()
        except WriteHalted as exc:
            left = sum(len(batch) for _, batch in batches[index:])
            run.halted = exc
            run.result.stopped_on = exc.outcome
            run.result.not_attempted += left
            log.warning("writing halted", outcome=exc.outcome, reason=str(exc), not_attempted=left)
            return True
        return False

    def _write_batch(
        self, send: Sender, batch: list[Write], run: _Run, second: SecondRound | None
    ) -> list[WriteFailure]:
        """One batch, resent around inputs HubSpot refuses it for; returns its failures."""
        outcomes = send_isolating_refusals(send, batch)
        answered = sort_outcomes(batch, outcomes, second_round=second is not None)
        if second is not None:
            second.add(answered.second_round)
        run.book.confirm(_link(done.write, done.contact_id) for done in answered.confirmed)
        run.book.mark_gone(answered.gone)
        for done in answered.confirmed:
            _count(run, done)
            if done.write.replaces is not None:
                change = recreated(done.write.target.gleev_id, done.write.replaces, done.contact_id)
                run.result.contact_changes.append(change)
            # Unless HubSpot's answer says otherwise, a new contact is a marketing contact.
            if done.created and outcomes[trace_id(done.write)].marketing is not False:
                run.result.created_marketing += 1
        run.result.failures.extend(answered.failed)
        log.info(
            "batch written",
            size=len(batch),
            confirmed=len(answered.confirmed),
            failed=len(answered.failed),
        )
        return answered.failed

    def _batches(self, writes: Sequence[Write]) -> Iterable[tuple[Sender, list[Write]]]:
        updates = [w for w in writes if w.action is Action.UPDATE]
        by_key = [w for w in writes if w.action is Action.CREATE and w.id_property != "email"]
        by_email = [w for w in writes if w.action is Action.CREATE and w.id_property == "email"]
        key = self.settings.key_property
        groups: list[tuple[Sender, list[Write]]] = [
            (self.hubspot.update, updates),
            (lambda inputs: self.hubspot.upsert(key, inputs), by_key),
            (lambda inputs: self.hubspot.upsert("email", inputs), by_email),
        ]
        for send, group in groups:
            for start in range(0, len(group), BATCH_SIZE):
                yield send, group[start : start + BATCH_SIZE]

    def _plan_again(self, second: SecondRound, run: _Run) -> None:
        """Plan the refused channels once more with what HubSpot told us: the contact that
        already exists (a 409 naming it) is linked instead of failing the run, and an e-mail
        HubSpot calls invalid is left out and flagged, so the channel is still synced."""
        if second.existing_contacts:
            existing = sorted(set(second.existing_contacts.values()))
            run.view.add(self.hubspot.read_contacts(existing, self._read_properties))
        scope = frozenset(second.existing_contacts) | frozenset(second.refused_emails)
        scope |= frozenset(second.gdpr_refused)
        retry_options = replace(run.options, full=True, scope=scope)
        learned = Learned(
            refused_emails=frozenset(second.refused_emails.values()),
            gdpr_refused=dict(second.gdpr_refused),
        )
        retry = self._plan_with_lookups(
            run.source, run.view, run.book.links, retry_options, learned
        )
        if self.budget:
            self.budget.mark_new_contacts(retry)
        run.result.plan.absorb(retry)
        run.result.contact_changes.extend(retry.contact_changes)
        run.book.confirm(retry.confirmed)
        self._write(retry.writes, run)
        run.result.resolved_conflicts += sum(
            1
            for gleev_id, contact_id in second.existing_contacts.items()
            if (link := run.book.get(gleev_id)) is not None and link.contact_id == contact_id
        )


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    try:
        yield
    finally:
        timings[name] = round(time.monotonic() - started, 3)


def send_isolating_refusals(
    send: Sender, batch: list[Write], reason: tuple[str | None, str | None] | None = None
) -> dict[str, WriteOutcome]:
    """Send one batch; if HubSpot refused it whole for one input's sake, send the others again
    until each bad input stands alone and the good ones go through. Outcomes by trace id.

    When HubSpot names the culprit, the rest is resent at once (one bad input among 100 costs
    2 calls); when it names none, the batch is halved. A resend refused for exactly the reason
    the previous refusal gave (same category, same message) is a cause every input shares, such
    as an option missing in the portal: the rest fails with it instead of being sent one by
    one, and the next run sends it again."""
    outcomes = {o.trace_id: o for o in send([_write_input(w) for w in batch])}
    refused = [w for w in batch if (o := outcomes.get(trace_id(w))) and o.batch_rejected]
    if not refused or len(batch) == 1:
        return outcomes
    culprits = [o for o in outcomes.values() if not o.ok and not o.batch_rejected]
    if not culprits:
        half = max(1, len(refused) // 2)
        for part in (refused[:half], refused[half:]):
            if part:
                outcomes.update(send_isolating_refusals(send, part))
        return outcomes
    this_reason = (culprits[0].error_category, culprits[0].error_message)
    if this_reason == reason:
        outcomes.update((trace_id(w), _shared_refusal(trace_id(w), culprits[0])) for w in refused)
        return outcomes
    outcomes.update(send_isolating_refusals(send, refused, this_reason))
    return outcomes


def _shared_refusal(trace_id: str, culprit: WriteOutcome) -> WriteOutcome:
    return replace(culprit, trace_id=trace_id, existing_contact_id=None)


def _write_input(write: Write) -> WriteInput:
    record_id = write.contact_id if write.action is Action.UPDATE else write.id_value
    assert record_id is not None
    return WriteInput(trace_id=trace_id(write), id=record_id, properties=write.properties)


def _link(write: Write, contact_id: str) -> Link:
    target = write.target
    return Link(target.gleev_id, contact_id, target.fingerprint, target.role, target.refused_email)


def _count(run: _Run, done: ConfirmedWrite) -> None:
    if done.created:
        run.result.created += 1
    else:
        run.result.updated += 1
    if run.options.scope is not None:  # channels are named: each one's outcome is reported
        run.written[done.write.target.gleev_id] = (
            Outcome.CREATED if done.created else Outcome.UPDATED
        )


class _Meter:
    """The HubSpot calls, retries and time one run takes, from the gateway's running counts."""

    def __init__(self, hubspot: ContactGateway) -> None:
        self._hubspot = hubspot
        self._started = time.monotonic()
        self._calls = dict(hubspot.calls)
        self._retries = dict(hubspot.retries)

    def read_into(self, result: RunResult) -> None:
        result.api_calls = _calls_since(self._calls, self._hubspot.calls)
        result.retries = _calls_since(self._retries, self._hubspot.retries)
        result.duration_s = round(time.monotonic() - self._started, 3)


def _calls_since(before: Mapping[str, int], now: Mapping[str, int]) -> dict[str, int]:
    return {
        name: count - before.get(name, 0)
        for name, count in now.items()
        if count > before.get(name, 0)
    }
