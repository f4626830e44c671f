"""How a run and a plan are shown: a table for people, one JSON object for machines."""

from __future__ import annotations

from typing import Any

from hubsync.domain.plan import Plan
from hubsync.engine import RunResult


def result_dict(result: RunResult) -> dict[str, Any]:
    """The run result as one JSON-ready object (also what the state table remembers)."""
    plan = result.plan
    created = len(plan.creates) if result.dry_run else result.created
    updated = len(plan.updates) if result.dry_run else result.updated
    return {
        "run_id": result.run_id,
        "mode": result.mode,
        "dry_run": result.dry_run,
        "started_at": result.started_at,
        "created": created,
        "updated": updated,
        "unchanged": plan.unchanged,
        "failed": len(result.failures),
        "conflicts": len(plan.conflicts),
        "rejected": len(plan.rejected),
        "held": len(plan.held),
        "orphaned": len(plan.orphaned),
        "flagged": len(plan.flagged),
        "unverified_skipped": plan.unverified,
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
        "details": _details(result),
    }


def _details(result: RunResult) -> dict[str, list[dict[str, Any]]]:
    plan = result.plan
    return {
        "conflicts": [
            {
                "kind": c.kind.value,
                "email": c.email,
                "gleev_ids": list(c.gleev_ids),
                "contact_ids": list(c.contact_ids),
                "detail": c.detail,
            }
            for c in plan.conflicts
        ],
        "failures": [vars_of(f) for f in result.failures],
        "rejected": [{"item": r.item_id, "reason": r.reason} for r in plan.rejected],
        "held": [{"gleev_id": h.gleev_id, "reason": h.reason} for h in plan.held],
        "orphaned": [
            {"gleev_id": o.gleev_id, "contact_id": o.contact_id, "reason": o.reason}
            for o in plan.orphaned
        ],
        "flagged": [
            {"gleev_id": f.gleev_id, "youtube_id": f.youtube_id, "flag": f.flag, "reason": f.reason}
            for f in plan.flagged
        ],
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


def summary_lines(result: RunResult) -> list[str]:
    data = result_dict(result)
    contacts = "contacts (planned, nothing written)" if result.dry_run else "contacts"
    calls = data["api_calls"]
    lines = [
        f"{result.mode} run {result.run_id}{' (dry run)' if result.dry_run else ''}: "
        f"{data['duration_s']:.1f} s",
        f"  {contacts}: {data['created']} created, {data['updated']} updated, "
        f"{data['unchanged']} unchanged, {data['failed']} failed",
        f"  channels: {data['rejected']} rejected, {data['held']} held, "
        f"{data['flagged']} flagged, {data['unverified_skipped']} unverified skipped, "
        f"{data['orphaned']} orphaned",
        f"  conflicts: {data['conflicts']}"
        + (f" (409 resolved by linking: {data['resolved_409']})" if data["resolved_409"] else ""),
        f"  HubSpot calls: {calls['total']} ({calls['reads']} reads, {calls['writes']} writes, "
        f"{calls['retries']} retries)",
    ]
    lines += [f"  ! {f.gleev_id}: {f.category}: {f.message}" for f in result.failures[:20]]
    return lines


def plan_table(plan: Plan) -> list[str]:
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
        "conflicts", [f"{c.kind.value}: {c.email or ''} {c.detail}" for c in plan.conflicts]
    )
    lines += _section("held", [f"{h.gleev_id}: {h.reason}" for h in plan.held])
    lines += _section("rejected", [f"{r.item_id}: {r.reason}" for r in plan.rejected])
    lines += _section(
        "orphaned", [f"{o.gleev_id} (contact {o.contact_id}): {o.reason}" for o in plan.orphaned]
    )
    lines += _section(
        "flagged", [f"{f.gleev_id} {f.youtube_id}: {f.flag} ({f.reason})" for f in plan.flagged]
    )
    return lines


def _section(title: str, items: list[str]) -> list[str]:
    return [f"\n{title} ({len(items)}):", *(f"  {item}" for item in items)] if items else []
