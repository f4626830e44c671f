"""How a run and a plan are shown: a table for people, one JSON object for machines."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hubsync.domain.budget import RunBudget
from hubsync.domain.outcome import ChannelOutcome
from hubsync.domain.plan import Plan
from hubsync.result import RunDetails, RunRecord, RunResult

FIRST_REASONS = 5  # rejected items and flagged channels shown in a run's summary


def result_dict(result: RunResult) -> dict[str, Any]:
    """The run result as one JSON-ready object."""
    return result_fields(result.record())


def result_fields(record: RunRecord) -> dict[str, Any]:
    """A run record as `--json` and the `run finished` log line show it."""
    counts = record.counts
    return {
        "run_id": record.run_id,
        "mode": record.mode,
        "dry_run": record.dry_run,
        "started_at": record.started_at,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "failed": counts.failed,
        "conflicts": counts.conflicts,
        "rejected": counts.rejected,
        "held": counts.held,
        "orphaned": counts.orphaned,
        "flagged": counts.flagged,
        "unverified_skipped": counts.unverified_skipped,
        "not_attempted": counts.not_attempted,
        "merged": counts.merged,
        "recreated": counts.recreated,
        "gdpr_deleted": counts.gdpr_deleted,
        "verdict": {"ok": record.verdict.ok, "reason": record.verdict.reason},
        "resolved_409": record.resolved_409,
        "api_calls": {
            "total": record.api_calls.total,
            "reads": record.api_calls.reads,
            "writes": record.api_calls.writes,
            "retries": record.api_calls.retries,
            "by_endpoint": dict(record.api_calls.by_endpoint),
        },
        "duration_s": record.duration_s,
        "timings": record.timings,
        "details": _details(record.details),
        "channels": [_outcome_dict(o) for o in record.channels],
        "budget": None if record.budget is None else asdict(record.budget),
    }


def _details(reported: RunDetails) -> dict[str, list[dict[str, Any]]]:
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
        "failures": [
            {
                "gleev_id": f.gleev_id,
                "action": f.action,
                "category": f.category,
                "message": f.message,
            }
            for f in reported.failures
        ],
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
        "contact_changes": [
            {
                "kind": c.kind.value,
                "gleev_ids": list(c.gleev_ids),
                "contact_ids": list(c.contact_ids),
                "detail": c.detail,
            }
            for c in reported.contact_changes
        ],
    }


def _outcome_dict(outcome: ChannelOutcome) -> dict[str, Any]:
    return {
        "channel": outcome.channel,
        "gleev_id": outcome.gleev_id,
        "outcome": outcome.outcome.value,
        "contact_id": outcome.contact_id,
        "detail": outcome.detail,
        "role": outcome.role,
        "flag": outcome.flag,
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
    if result.budget is not None:
        lines.append(f"  {budget_line(result.budget)}")
    if reasons and not result.channels:  # a named channel's line below says it all
        details = data["details"]
        lines += _first("rejected", [f"{r['item']}: {r['reason']}" for r in details["rejected"]])
        lines += _first(
            "flagged",
            [f"{f['gleev_id']} {f['youtube_id']}: {f['flag']}" for f in details["flagged"]],
        )
    lines += _change_lines(result)
    for outcome in result.channels:
        lines += _outcome_lines(outcome, result.dry_run)
    lines += [f"  ! {f.gleev_id}: {f.category}: {f.message}" for f in result.failures[:20]]
    verdict = result.verdict
    lines.append(f"  result: {'' if verdict.ok else 'FAILED: '}{verdict.reason}")
    return lines


def _change_lines(result: RunResult) -> list[str]:
    """Every contact people merged or deleted in HubSpot: few, and each needs a look."""
    return [
        f"  {c.kind.value}: {', '.join(map(str, c.gleev_ids))} contact "
        f"{' -> '.join(c.contact_ids)}: {c.detail}"
        for c in RunDetails.of(result).contact_changes
    ]


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
    reported = result.record().details
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


def budget_line(budget: RunBudget) -> str:
    """The run's effect on the marketing-contact count and the bill, in one line."""
    limit = "no limit" if budget.limit is None else f"limit {budget.limit:,}"
    line = (
        f"marketing contacts: {budget.count_before:,} -> {budget.count_after:,} "
        f"({limit}, {budget.created:,} created), {budget.cost_eur:,.0f} EUR/month"
    )
    if budget.held:
        line += (
            f"; {budget.held:,} held by the budget "
            f"({budget.cost_with_held_eur:,.0f} EUR/month once created)"
        )
    if budget.released:
        line += f"; {budget.released:,} released"
    return line
