"""How `hubsync conflicts` shows the register: a table, one conflict in full, or JSON.

The register is ops' tool, so e-mail addresses are shown whole here, unlike in logs and
alerts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from hubsync.domain.conflict_messages import contact_url, kind_text
from hubsync.domain.conflicts import ConflictRecord
from hubsync.state.outbox import StoredAlert

_COLUMNS = ("ID", "KIND", "STATE", "CHANNELS", "E-MAIL", "FIRST SEEN", "LAST SEEN")


def conflict_table(records: list[ConflictRecord]) -> list[str]:
    if not records:
        return ["no conflicts"]
    rows = [_COLUMNS] + [
        (
            r.id,
            r.kind,
            str(r.state),
            ",".join(map(str, r.gleev_ids)) or "-",
            r.email or "-",
            r.first_seen[:16],
            r.last_seen[:16],
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def conflict_dict(
    record: ConflictRecord, alerts: list[StoredAlert] | None = None
) -> dict[str, Any]:
    data = {**asdict(record), "state": str(record.state)}
    if alerts is not None:
        data["alerts"] = [_alert_dict(a) for a in alerts]
    return data


def conflict_lines(
    record: ConflictRecord, alerts: list[StoredAlert], portal_id: str | None
) -> list[str]:
    text = kind_text(record.kind)
    lines = [
        f"conflict {record.id}: {record.kind}, {record.state}",
        f"  {record.detail}",
        f"  first seen {record.first_seen}, last seen {record.last_seen}",
    ]
    if record.email:
        lines.append(f"  e-mail: {record.email}")
    if record.kept is not None:
        lines.append(f"  kept on the contact: channel {record.kept}")
    if record.acknowledged_by:
        lines.append(f"  acknowledged by {record.acknowledged_by}: {record.note}")
    lines.append("channels:")
    for card in record.channels:
        parts = [f"Gleev id {card.gleev_id}"]
        parts += [p for p in (card.title and f'"{card.title}"', card.youtube_url) if p]
        if card.signed_up_at:
            parts.append(f"signed up {card.signed_up_at}")
        if card.contact_id:
            url = contact_url(card.contact_id, portal_id)
            parts.append(f"contact {card.contact_id}" + (f" {url}" if url else ""))
        lines.append("  " + ", ".join(parts))
    if record.contact_ids:
        lines.append(f"contacts: {', '.join(record.contact_ids)}")
    lines += [f"what hubsync did: {text.did}", f"what to do: {text.todo}", "history:"]
    lines += [
        f"  {h.at}  {h.event}" + (f": {h.detail}" if h.detail else "") for h in record.history
    ]
    lines.append("alerts:" if alerts else "alerts: none")
    for stored in alerts:
        sent = ", ".join(f"{sink} {at}" for sink, at in sorted(stored.sent.items()))
        pending = ", ".join(
            f"{sink} ({stored.errors.get(sink, 'not tried yet')})"
            for sink in sorted(stored.pending)
        )
        lines.append(f"  {stored.alert.created_at}  {stored.alert.topic}  {stored.alert.key}")
        if sent:
            lines.append(f"    sent: {sent}")
        if pending:
            lines.append(f"    pending: {pending}")
        if not sent and not pending:
            lines.append("    logged only (no sink configured)")
    return lines


def _alert_dict(stored: StoredAlert) -> dict[str, Any]:
    return {
        "key": stored.alert.key,
        "topic": stored.alert.topic,
        "created_at": stored.alert.created_at,
        "sent": stored.sent,
        "pending": sorted(stored.pending),
        "errors": stored.errors,
    }
