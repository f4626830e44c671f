"""Every alert's wording, compared byte for byte with the committed snapshots in
tests/snapshots/alerts/: a change of wording is a visible diff. After a deliberate change,
refresh them with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/unit/test_alert_snapshots.py`
and commit the new files with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hubsync.alerts.slack import slack_blocks
from hubsync.domain.alert import Alert, summarize
from hubsync.domain.conflict_messages import KIND_TEXT, conflict_alert, digest_alert, run_alert
from hubsync.domain.conflicts import (
    Change,
    ChannelCard,
    ConflictRecord,
    ConflictState,
    HistoryEntry,
)

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "alerts"
PORTAL = "21436587"
T0 = "2026-03-02T09:15:00+00:00"


def card(gleev_id: int, contact: str | None = None, title: str | None = None) -> ChannelCard:
    return ChannelCard(
        gleev_id,
        f"UC{gleev_id:022d}",
        title or f"Cooking with Channel {gleev_id}",
        f"2024-0{gleev_id % 9 + 1}-10T08:00:00.000Z",
        contact,
    )


# One realistic record per kind, as the planner reports it.
RECORDS = {
    "duplicate-email": ConflictRecord(
        "c0d1e2f3a4b",
        "duplicate-email",
        ConflictState.OPEN,
        (101, 102),
        "2 channels signed up with this e-mail; 101 keeps the e-mail contact, 102: separate",
        T0,
        T0,
        email="jane.doe@example.com",
        kept=101,
        channels=(card(101, "5101"), card(102, "5102")),
    ),
    "email-taken": ConflictRecord(
        "c1a2b3c4d5e",
        "email-taken",
        ConflictState.OPEN,
        (103,),
        "e-mail is already on an unlinked contact 7001; merge the contacts in HubSpot to resolve",
        T0,
        T0,
        email="sam@example.org",
        contact_ids=("7001",),
        channels=(card(103, "5103"),),
    ),
    "contact-claimed": ConflictRecord(
        "c2b3c4d5e6f",
        "contact-claimed",
        ConflictState.OPEN,
        (104, 105),
        "channels 104 and 105 are both linked to contact 5104; 104 keeps it",
        T0,
        T0,
        contact_ids=("5104",),
        kept=104,
        channels=(card(104, "5104"), card(105)),
    ),
    "duplicate-contacts": ConflictRecord(
        "c3c4d5e6f7a",
        "duplicate-contacts",
        ConflictState.OPEN,
        (106,),
        "2 contacts carry gleev_channel_id=106",
        T0,
        T0,
        contact_ids=("5106", "5199"),
        channels=(card(106),),
    ),
    "invalid-email": ConflictRecord(
        "c4d5e6f7a8b",
        "invalid-email",
        ConflictState.OPEN,
        (107,),
        "the e-mail is not a valid address",
        T0,
        T0,
        channels=(card(107, "5107"),),
    ),
    "missing-email": ConflictRecord(
        "c5e6f7a8b9c",
        "missing-email",
        ConflictState.OPEN,
        (108,),
        "no e-mail",
        T0,
        T0,
        channels=(card(108, "5108"),),
    ),
    "gdpr-deleted": ConflictRecord(
        "c6f7a8b9c0d",
        "gdpr-deleted",
        ConflictState.OPEN,
        (109,),
        "contact 5109 was deleted under GDPR",
        T0,
        T0,
        contact_ids=("5109",),
        channels=(card(109),),
    ),
    "merged": ConflictRecord(
        "c7a8b9c0d1e",
        "merged",
        ConflictState.OPEN,
        (110,),
        "contact 5110 was merged into 5111",
        T0,
        T0,
        contact_ids=("5111",),
        channels=(card(110, "5111"),),
    ),
}


def _opened(record: ConflictRecord) -> ConflictRecord:
    return ConflictRecord(
        **{
            **{f: getattr(record, f) for f in record.__dataclass_fields__},
            "history": (HistoryEntry(T0, "opened"),),
        }
    )


def cases() -> dict[str, Alert]:
    found = {
        f"{kind}-opened": conflict_alert(
            _opened(record), Change.OPENED, show_pii=False, portal_id=PORTAL
        )
        for kind, record in RECORDS.items()
    }
    dup = _opened(RECORDS["duplicate-email"])
    found["duplicate-email-resolved"] = conflict_alert(
        dup, Change.RESOLVED, show_pii=False, portal_id=PORTAL
    )
    found["duplicate-email-reopened-pii"] = conflict_alert(
        dup, Change.REOPENED, show_pii=True, portal_id=None
    )
    found["run-failed"] = run_alert(
        "a1b2c3d4e5f6", "incremental", "more than 50% of the writes failed", recorded=True
    )
    found["run-unrecorded"] = run_alert(
        "a1b2c3d4e5f6", "full", "state table 'hubsync_state' was deleted", recorded=False
    )
    opened = list(found.values())[: len(RECORDS)]
    [found["summary"]] = summarize(
        [*[a for _ in range(2) for a in opened][:12], found["run-failed"]]
    )
    found["digest"] = digest_alert(list(RECORDS.values()), "digest-24h-20514", show_pii=False)
    return {name: _stamped(alert) for name, alert in found.items()}


def _stamped(alert: Alert) -> Alert:
    return Alert(alert.key, alert.topic, alert.title, alert.sections, alert.data, T0)


def rendered(alert: Alert) -> tuple[str, str]:
    text = alert.text + "\n"
    wire = {
        "slack": {"text": alert.title, "blocks": slack_blocks(alert)},
        "webhook": alert.payload(),
    }
    return text, json.dumps(wire, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def test_every_kind_has_a_snapshot():
    names = set(cases())
    assert {f"{kind}-opened" for kind in KIND_TEXT} <= names


@pytest.mark.parametrize("name", sorted(cases()))
def test_alert_wording_matches_its_snapshot(name: str):
    text, wire = rendered(cases()[name])
    for suffix, content in ((".txt", text), (".json", wire)):
        path = SNAPSHOTS / f"{name}{suffix}"
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            SNAPSHOTS.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1"
        assert path.read_text(encoding="utf-8") == content, (
            f"{path.name} changed: check the new wording, then refresh with UPDATE_SNAPSHOTS=1"
        )


def test_masked_snapshots_hold_no_whole_address():
    for name, alert in cases().items():
        if not name.endswith("-pii"):
            assert "jane.doe@example.com" not in rendered(alert)[1]
            assert "sam@example.org" not in rendered(alert)[1]
