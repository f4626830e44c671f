"""How a run and a plan are shown: a table for people, one JSON object for machines."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from hubsync.domain.channel import Rejection
from hubsync.domain.outcome import ChannelOutcome, Outcome
from hubsync.domain.plan import Conflict, Flagged, Held, Orphan, Plan
from hubsync.engine import RunResult, WriteFailure

FIRST_REASONS = 5  # rejected items and flagged channels shown in a run's summary


@dataclass(frozen=True, slots=True)
class _Reported:
    """What a run reports: everything, or when channels are named, only what concerns them
    (a run of named channels reads more than those, e.g. the channels a referrer referred)."""

    conflicts: list[Conflict]
    failures: list[WriteFailure]
    rejected: list[Rejection]
    held: list[Held]
    orphaned: list[Orphan]
    flagged: list[Flagged]

    @classmethod
    def of(cls, result: RunResult) -> _Reported:
        plan = result.plan
        if not result.channels:
            return cls(
                plan.conflicts,
                result.failures,
                plan.rejected,
                plan.held,
                plan.orphaned,
                plan.flagged,
            )
        ids = {o.gleev_id for o in result.channels}
        refs = {o.channel for o in result.channels}
        return cls(
            [c for c in plan.conflicts if ids.intersection(c.gleev_ids)],
            [f for f in result.failures if f.gleev_id in ids],
            [r for r in plan.rejected if r.item_id in refs],
            [h for h in plan.held if h.gleev_id in ids],
            [o for o in plan.orphaned if o.gleev_id in ids],
            [f for f in plan.flagged if f.gleev_id in ids],
        )


def result_dict(result: RunResult) -> dict[str, Any]:
    """The run result as one JSON-ready object (also what the state table remembers)."""
    reported = _Reported.of(result)
    return {
        "run_id": result.run_id,
        "mode": result.mode,
        "dry_run": result.dry_run,
        "started_at": result.started_at,
        **_counts(result, reported),
        "not_attempted": result.not_attempted,
        "verdict": {"ok": result.verdict.ok, "reason": result.verdict.reason},
        "resolved_409": result.resolved_conflicts,
        "api_calls": {
            "total": sum(result.api_calls.values()),
            "reads": result.read_calls,
            "writes": result.write_calls,
            "retries": sum(result.retries.values()),
            "by_endpoint": dict(sorted(result.api_calls.items())),
        },
        "duration_s": result.duration_s,
        "timings": result.timings,
        "details": _details(reported),
        "channels": [_outcome_dict(o) for o in result.channels],
    }


def _counts(result: RunResult, reported: _Reported) -> dict[str, int]:
    plan = result.plan
    if result.dry_run:
        created, updated = len(plan.creates), len(plan.updates)
    else:
        created, updated = result.created, result.updated
    unchanged, unverified = plan.unchanged, plan.unverified
    if result.channels:  # the named channels' own outcomes, not the table's
        tally = Counter(o.outcome for o in result.channels)
        created, updated = tally[Outcome.CREATED], tally[Outcome.UPDATED]
        unchanged, unverified = tally[Outcome.UNCHANGED], tally[Outcome.SKIPPED]
    return {
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "failed": len(reported.failures),
        "conflicts": len(reported.conflicts),
        "rejected": len(reported.rejected),
        "held": len(reported.held),
        "orphaned": len(reported.orphaned),
        "flagged": len(reported.flagged),
        "unverified_skipped": unverified,
    }


def _details(reported: _Reported) -> dict[str, list[dict[str, Any]]]:
    return {
        "conflicts": [
            {
                "kind": c.kind.value,
                "email": c.email,
                "gleev_ids": list(c.gleev_ids),
                "contact_ids": list(c.contact_ids),
                "detail": c.detail,
            }
            for c in reported.conflicts
        ],
        "failures": [vars_of(f) for f in reported.failures],
        "rejected": [{"item": r.item_id, "reason": r.reason} for r in reported.rejected],
        "held": [{"gleev_id": h.gleev_id, "reason": h.reason} for h in reported.held],
        "orphaned": [
            {"gleev_id": o.gleev_id, "contact_id": o.contact_id, "reason": o.reason}
            for o in reported.orphaned
        ],
        "flagged": [
            {"gleev_id": f.gleev_id, "youtube_id": f.youtube_id, "flag": f.flag, "reason": f.reason}
            for f in reported.flagged
        ],
    }


def _outcome_dict(outcome: ChannelOutcome) -> dict[str, Any]:
    return {
        **vars_of(outcome),
        "outcome": outcome.outcome.value,
        "conflicts": list(outcome.conflicts),
    }


def planned_writes(plan: Plan) -> list[dict[str, Any]]:
    """Every write a plan holds: what, where, why and exactly which properties."""
    return [
        {
            "action": write.action.value,
            "gleev_id": write.target.gleev_id,
            "role": write.target.role.value,
            "contact_id": write.contact_id,
            "id_property": write.id_property,
            "reason": write.reason,
            "properties": write.properties,
        }
        for write in plan.writes
    ]


def vars_of(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__slots__}


def summary_lines(result: RunResult, reasons: bool = True) -> list[str]:
    """The run in a few lines; with `reasons`, the first rejected items and flagged channels
    and why (`--json` has them all)."""
    data = result_dict(result)
    contacts = "contacts (planned, nothing written)" if result.dry_run else "contacts"
    calls = data["api_calls"]
    lines = [
        f"{result.mode} run {result.run_id}{' (dry run)' if result.dry_run else ''}: "
        f"{data['duration_s']:.1f} s",
        f"  {contacts}: {data['created']} created, {data['updated']} updated, "
        f"{data['unchanged']} unchanged, {data['failed']} failed"
        + (f", {result.not_attempted} not attempted" if result.not_attempted else ""),
        f"  channels: {data['rejected']} rejected, {data['held']} held, "
        f"{data['flagged']} flagged, {data['unverified_skipped']} unverified skipped, "
        f"{data['orphaned']} orphaned",
        f"  conflicts: {data['conflicts']}"
        + (f" (409 resolved by linking: {data['resolved_409']})" if data["resolved_409"] else ""),
        f"  HubSpot calls: {calls['total']} ({calls['reads']} reads, {calls['writes']} writes, "
        f"{calls['retries']} retries)",
    ]
    if reasons and not result.channels:  # a named channel's line below says it all
        details = data["details"]
        lines += _first("rejected", [f"{r['item']}: {r['reason']}" for r in details["rejected"]])
        lines += _first(
            "flagged",
            [f"{f['gleev_id']} {f['youtube_id']}: {f['flag']}" for f in details["flagged"]],
        )
    for outcome in result.channels:
        lines += _outcome_lines(outcome, result.dry_run)
    lines += [f"  ! {f.gleev_id}: {f.category}: {f.message}" for f in result.failures[:20]]
    verdict = result.verdict
    lines.append(f"  result: {'' if verdict.ok else 'FAILED: '}{verdict.reason}")
    return lines


def _first(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    more = len(items) - FIRST_REASONS
    return [
        f"  {title}:",
        *(f"    {item}" for item in items[:FIRST_REASONS]),
        *([f"    ... and {more} more (--json lists them all)"] if more > 0 else []),
    ]


def _outcome_lines(outcome: ChannelOutcome, dry_run: bool) -> list[str]:
    what = f"{outcome.outcome.value}{' (planned)' if dry_run else ''}"
    contact = f" contact {outcome.contact_id}" if outcome.contact_id else ""
    role = f" as {outcome.role}" if outcome.role else ""
    name = outcome.channel
    if name != str(outcome.gleev_id):
        name += f" (Gleev id {outcome.gleev_id})"
    return [
        f"  channel {name}: {what}{contact}{role}: {outcome.detail}",
        *([f"    flagged {outcome.flag}"] if outcome.flag else []),
        *(f"    conflict {conflict}" for conflict in outcome.conflicts),
    ]


def plan_table(result: RunResult) -> list[str]:
    plan = result.plan
    reported = _Reported.of(result)
    rows = [("ACTION", "GLEEV ID", "ROLE", "CONTACT", "WHY")]
    for write in plan.writes:
        where = write.contact_id or f"new, by {write.id_property}"
        rows.append(
            (
                write.action.value,
                str(write.target.gleev_id),
                write.target.role.value,
                where,
                write.reason,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    if not plan.writes:
        lines = ["nothing to write"]
    lines += _section(
        "conflicts", [f"{c.kind.value}: {c.email or ''} {c.detail}" for c in reported.conflicts]
    )
    lines += _section("held", [f"{h.gleev_id}: {h.reason}" for h in reported.held])
    lines += _section("rejected", [f"{r.item_id}: {r.reason}" for r in reported.rejected])
    lines += _section(
        "orphaned",
        [f"{o.gleev_id} (contact {o.contact_id}): {o.reason}" for o in reported.orphaned],
    )
    lines += _section(
        "flagged",
        [f"{f.gleev_id} {f.youtube_id}: {f.flag} ({f.reason})" for f in reported.flagged],
    )
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    return [f"\n{title} ({len(items)}):", *(f"  {item}" for item in items)] if items else []
