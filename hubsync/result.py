"""What a run did: the result the engine builds as it goes, and the record it keeps of it.

`RunResult` is the engine's working result (the plan, what HubSpot confirmed, what failed).
`RunRecord` is what is counted and reported from it, and what the state table keeps: a
versioned structure of its own, so the stored record does not change whenever the CLI's
output does, and an older record can still be read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from hubsync.domain.budget import RunBudget
from hubsync.domain.changes import ChangeKind, ContactChange
from hubsync.domain.channel import Rejection
from hubsync.domain.outcome import ChannelOutcome, Outcome
from hubsync.domain.plan import (
    Conflict,
    ConflictKind,
    Flagged,
    Held,
    Orphan,
    Plan,
    SourceSnapshot,
)
from hubsync.domain.verdict import COMPLETED, Verdict, WriteTally
from hubsync.hubspot.gateway import WRITE_ENDPOINTS

# The run record lives in one DynamoDB item (400 KB at most): keep its detail lists short.
RECORDED_DETAILS = 50

RECORD_VERSION = 1


@dataclass(frozen=True, slots=True)
class WriteFailure:
    gleev_id: int
    action: str
    category: str
    message: str


@dataclass
class RunResult:
    run_id: str
    mode: str
    dry_run: bool
    started_at: str
    plan: Plan
    created: int = 0
    updated: int = 0
    failures: list[WriteFailure] = field(default_factory=list)
    resolved_conflicts: int = 0  # 409s resolved by linking to the existing contact
    not_attempted: int = 0  # writes left when the run stopped early
    stopped_on: str | None = None  # the error category that stopped the run early
    verdict: Verdict = COMPLETED
    api_calls: dict[str, int] = field(default_factory=dict)  # HTTP attempts by endpoint
    retries: dict[str, int] = field(default_factory=dict)  # of those, retries by endpoint
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    duration_s: float = 0.0
    channels: list[ChannelOutcome] = field(default_factory=list)  # each --channel, if named
    # What people did to hubsync's contacts in HubSpot (merged, recreated, gdpr-deleted), one
    # item per channel: kind, the channel's Gleev id, the old contact id (and the new one for
    # merged and recreated), a one-line detail. See hubsync.domain.changes.
    contact_changes: list[ContactChange] = field(default_factory=list)
    # The channels read: what the run looked at (the conflict register needs to know).
    source: SourceSnapshot | None = None
    # New contacts that count as marketing contacts: as HubSpot's answer says, else all.
    created_marketing: int = 0
    budget: RunBudget | None = None  # the marketing-contact budget's figures

    @property
    def write_calls(self) -> int:
        return sum(self.api_calls.get(name, 0) for name in WRITE_ENDPOINTS)

    @property
    def read_calls(self) -> int:
        return sum(self.api_calls.values()) - self.write_calls

    def tally(self) -> WriteTally:
        """The writes, as the run's verdict weighs them."""
        first = self.failures[0] if self.failures else None
        return WriteTally(
            written=self.created + self.updated,
            failed=len(self.failures),
            not_attempted=self.not_attempted,
            stopped_on=self.stopped_on,
            first_failure=f"{first.gleev_id}: {first.category}: {first.message}" if first else None,
        )

    def record(self, details_limit: int | None = None) -> RunRecord:
        """The run as reported, each detail list cut to `details_limit` if given."""
        details = RunDetails.of(self)
        return RunRecord(
            run_id=self.run_id,
            mode=self.mode,
            dry_run=self.dry_run,
            started_at=self.started_at,
            counts=RunCounts.of(self, details),
            verdict=self.verdict,
            resolved_409=self.resolved_conflicts,
            api_calls=ApiCalls(
                total=sum(self.api_calls.values()),
                reads=self.read_calls,
                writes=self.write_calls,
                retries=sum(self.retries.values()),
                by_endpoint=dict(sorted(self.api_calls.items())),
            ),
            duration_s=self.duration_s,
            timings=dict(self.timings),
            details=details.cut(details_limit),
            channels=tuple(self.channels),
            budget=self.budget,
        )


@dataclass(frozen=True, slots=True)
class RunDetails:
    """What a run reports item by item: everything, or when channels are named, only what
    concerns them (a run of named channels reads more than those, e.g. the channels a
    referrer referred)."""

    conflicts: tuple[Conflict, ...] = ()
    failures: tuple[WriteFailure, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    held: tuple[Held, ...] = ()
    orphaned: tuple[Orphan, ...] = ()
    flagged: tuple[Flagged, ...] = ()
    contact_changes: tuple[ContactChange, ...] = ()

    @classmethod
    def of(cls, result: RunResult) -> RunDetails:
        plan = result.plan
        if not result.channels:
            return cls(
                tuple(plan.conflicts),
                tuple(result.failures),
                tuple(plan.rejected),
                tuple(plan.held),
                tuple(plan.orphaned),
                tuple(plan.flagged),
                tuple(result.contact_changes),
            )
        ids = {o.gleev_id for o in result.channels}
        refs = {o.channel for o in result.channels}
        return cls(
            tuple(c for c in plan.conflicts if ids.intersection(c.gleev_ids)),
            tuple(f for f in result.failures if f.gleev_id in ids),
            tuple(r for r in plan.rejected if r.item_id in refs),
            tuple(h for h in plan.held if h.gleev_id in ids),
            tuple(o for o in plan.orphaned if o.gleev_id in ids),
            tuple(f for f in plan.flagged if f.gleev_id in ids),
            tuple(c for c in result.contact_changes if ids.intersection(c.gleev_ids)),
        )

    def cut(self, limit: int | None) -> RunDetails:
        if limit is None:
            return self
        return RunDetails(
            self.conflicts[:limit],
            self.failures[:limit],
            self.rejected[:limit],
            self.held[:limit],
            self.orphaned[:limit],
            self.flagged[:limit],
            self.contact_changes[:limit],
        )


@dataclass(frozen=True, slots=True)
class RunCounts:
    created: int
    updated: int
    unchanged: int
    failed: int
    conflicts: int
    rejected: int
    held: int
    orphaned: int
    flagged: int
    unverified_skipped: int
    not_attempted: int
    # Added after version 1's first records: a record without them reads them as 0.
    merged: int = 0
    recreated: int = 0
    gdpr_deleted: int = 0

    @classmethod
    def of(cls, result: RunResult, details: RunDetails) -> RunCounts:
        """A dry run counts what it planned; a run of named channels counts their outcomes,
        not the table's."""
        plan = result.plan
        if result.dry_run:
            created, updated = len(plan.creates), len(plan.updates)
        else:
            created, updated = result.created, result.updated
        unchanged, unverified = plan.unchanged, plan.unverified
        if result.channels:
            tally = Counter(o.outcome for o in result.channels)
            created, updated = tally[Outcome.CREATED], tally[Outcome.UPDATED]
            unchanged, unverified = tally[Outcome.UNCHANGED], tally[Outcome.SKIPPED]
        return cls(
            created=created,
            updated=updated,
            unchanged=unchanged,
            failed=len(details.failures),
            conflicts=len(details.conflicts),
            rejected=len(details.rejected),
            held=len(details.held),
            orphaned=len(details.orphaned),
            flagged=len(details.flagged),
            unverified_skipped=unverified,
            not_attempted=result.not_attempted,
            merged=_count_of(details, ChangeKind.MERGED),
            recreated=_count_of(details, ChangeKind.RECREATED),
            gdpr_deleted=_count_of(details, ChangeKind.GDPR_DELETED),
        )


def _count_of(details: RunDetails, kind: ChangeKind) -> int:
    return sum(1 for change in details.contact_changes if change.kind is kind)


@dataclass(frozen=True, slots=True)
class ApiCalls:
    total: int
    reads: int
    writes: int
    retries: int
    by_endpoint: dict[str, int]


class UnreadableRecord(ValueError):
    """A stored run record this version of hubsync cannot read."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """The last run as the state table keeps it. `version` changes whenever a field changes
    meaning or goes away, so that a reader knows what it holds."""

    run_id: str
    mode: str  # "full" or "incremental"
    dry_run: bool
    started_at: str  # ISO 8601, UTC
    counts: RunCounts
    verdict: Verdict
    resolved_409: int
    api_calls: ApiCalls
    duration_s: float
    timings: dict[str, float]
    details: RunDetails
    channels: tuple[ChannelOutcome, ...] = ()
    budget: RunBudget | None = None  # absent from records older than the budget
    version: int = RECORD_VERSION

    def to_item(self) -> dict[str, Any]:
        """Plain JSON values (tuples become lists, enums their values)."""
        return {
            "version": self.version,
            "run_id": self.run_id,
            "mode": self.mode,
            "dry_run": self.dry_run,
            "started_at": self.started_at,
            "counts": asdict(self.counts),
            "verdict": asdict(self.verdict),
            "resolved_409": self.resolved_409,
            "api_calls": asdict(self.api_calls),
            "duration_s": self.duration_s,
            "timings": dict(self.timings),
            "details": {
                "conflicts": [_conflict_item(c) for c in self.details.conflicts],
                "failures": [asdict(f) for f in self.details.failures],
                "rejected": [asdict(r) for r in self.details.rejected],
                "held": [asdict(h) for h in self.details.held],
                "orphaned": [asdict(o) for o in self.details.orphaned],
                "flagged": [asdict(f) for f in self.details.flagged],
                "contact_changes": [_change_item(c) for c in self.details.contact_changes],
            },
            "channels": [_outcome_item(o) for o in self.channels],
            "budget": None if self.budget is None else asdict(self.budget),
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RunRecord:
        version = item.get("version")
        if version != RECORD_VERSION:
            raise UnreadableRecord(
                f"run record version {version!r} is not {RECORD_VERSION}, the one this hubsync "
                "reads: the next run replaces it"
            )
        try:
            details = item["details"]
            return cls(
                run_id=item["run_id"],
                mode=item["mode"],
                dry_run=item["dry_run"],
                started_at=item["started_at"],
                counts=RunCounts(**item["counts"]),
                verdict=Verdict(**item["verdict"]),
                resolved_409=item["resolved_409"],
                api_calls=ApiCalls(**item["api_calls"]),
                duration_s=item["duration_s"],
                timings=dict(item["timings"]),
                details=RunDetails(
                    conflicts=tuple(_conflict(c) for c in details["conflicts"]),
                    failures=tuple(WriteFailure(**f) for f in details["failures"]),
                    rejected=tuple(Rejection(**r) for r in details["rejected"]),
                    held=tuple(Held(**h) for h in details["held"]),
                    orphaned=tuple(Orphan(**o) for o in details["orphaned"]),
                    flagged=tuple(Flagged(**f) for f in details["flagged"]),
                    contact_changes=tuple(_change(c) for c in details.get("contact_changes", [])),
                ),
                channels=tuple(_outcome(o) for o in item["channels"]),
                budget=RunBudget(**item["budget"]) if item.get("budget") else None,
                version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise UnreadableRecord(f"run record is incomplete or malformed ({exc!r})") from exc


def _conflict_item(conflict: Conflict) -> dict[str, Any]:
    return {
        "kind": conflict.kind.value,
        "gleev_ids": list(conflict.gleev_ids),
        "detail": conflict.detail,
        "email": conflict.email,
        "contact_ids": list(conflict.contact_ids),
    }


def _conflict(item: dict[str, Any]) -> Conflict:
    return Conflict(
        kind=ConflictKind(item["kind"]),
        gleev_ids=tuple(item["gleev_ids"]),
        detail=item["detail"],
        email=item["email"],
        contact_ids=tuple(item["contact_ids"]),
    )


def _change_item(change: ContactChange) -> dict[str, Any]:
    return {
        "kind": change.kind.value,
        "gleev_ids": list(change.gleev_ids),
        "contact_ids": list(change.contact_ids),
        "detail": change.detail,
    }


def _change(item: dict[str, Any]) -> ContactChange:
    return ContactChange(
        kind=ChangeKind(item["kind"]),
        gleev_ids=tuple(item["gleev_ids"]),
        contact_ids=tuple(item["contact_ids"]),
        detail=item["detail"],
    )


def _outcome_item(outcome: ChannelOutcome) -> dict[str, Any]:
    return {**asdict(outcome), "outcome": outcome.outcome.value, "conflicts": [*outcome.conflicts]}


def _outcome(item: dict[str, Any]) -> ChannelOutcome:
    return ChannelOutcome(
        **{**item, "outcome": Outcome(item["outcome"]), "conflicts": tuple(item["conflicts"])}
    )
