"""The conflict register's rules, without I/O: ids, states, what a run may resolve, bursts."""

from __future__ import annotations

from hubsync.domain.alert import BURST_LIMIT, Alert, summarize
from hubsync.domain.conflicts import (
    Change,
    ChannelCard,
    ConflictState,
    Observed,
    RunScope,
    acknowledge,
    fingerprint,
    open_by_kind,
    reconcile,
)
from hubsync.domain.pii import mask_email, mask_emails

EVERYTHING = RunScope(None, complete_view=True)
INCREMENTAL = RunScope(None, complete_view=False)


def dup(*ids: int, email: str = "shared@example.com") -> Observed:
    return Observed("duplicate-email", ids, f"{len(ids)} channels", email=email)


def run(register, *observed, scope=EVERYTHING, now="2026-01-01T00:00:00+00:00"):
    updates = reconcile(register, observed, scope, now)
    after = {**register, **{u.record.id: u.record for u in updates}}
    return after, [(u.record.id, u.change) for u in updates if u.change]


def test_a_conflict_keeps_its_id_when_its_group_grows():
    assert fingerprint(dup(101, 102)) == fingerprint(dup(101, 102, 103))
    assert fingerprint(dup(101, 102)) != fingerprint(dup(101, 102, email="other@example.com"))
    assert fingerprint(dup(101, 102)).startswith("c") and len(fingerprint(dup(101, 102))) == 11


def test_each_kind_has_its_own_subject():
    taken = Observed("email-taken", (900, 101), "x", email="a@example.com", contact_ids=("7",))
    other_channel = Observed("email-taken", (900, 102), "x", email="a@example.com")
    missing = Observed("missing-email", (101,), "no e-mail")
    assert fingerprint(taken) != fingerprint(other_channel)
    assert fingerprint(missing) != fingerprint(Observed("invalid-email", (101,), "bad"))
    assert fingerprint(Observed("merged", (5,), "a", contact_ids=("1",))) == fingerprint(
        Observed("merged", (5,), "b", contact_ids=("1",))
    )


def test_opens_once_then_only_updates_last_seen():
    register, changes = run({}, dup(101, 102))
    [(cid, change)] = changes
    assert change is Change.OPENED
    for day in range(2, 6):
        register, changes = run(register, dup(101, 102), now=f"2026-01-0{day}T00:00:00+00:00")
        assert changes == []
    record = register[cid]
    assert record.state is ConflictState.OPEN
    assert (record.first_seen, record.last_seen)[1].startswith("2026-01-05")
    assert record.kept == 101


def test_resolves_when_a_run_no_longer_sees_it_then_reopens():
    register, [(cid, _)] = run({}, dup(101, 102))
    register, changes = run(register)
    assert changes == [(cid, Change.RESOLVED)]
    register, changes = run(register)
    assert changes == []
    register, changes = run(register, dup(101, 102))
    assert changes == [(cid, Change.REOPENED)]
    assert [h.event for h in register[cid].history] == ["opened", "resolved", "reopened"]


def test_acknowledged_stays_silent_until_it_changes():
    register, [(cid, _)] = run({}, dup(101, 102))
    register[cid] = acknowledge(register[cid], "asking them", "ops@gleev", "2026-01-02")
    register, changes = run(register, dup(101, 102))
    assert changes == [] and register[cid].state is ConflictState.ACKNOWLEDGED
    register, changes = run(register, dup(101, 102, 103))
    assert changes == [(cid, Change.REOPENED)]
    assert register[cid].state is ConflictState.OPEN
    assert register[cid].acknowledged_by == "ops@gleev"


def test_a_run_of_named_channels_resolves_only_conflicts_wholly_among_them():
    register, _ = run({}, dup(101, 102), dup(201, 202, email="b@example.com"))
    named = RunScope(frozenset({101}), complete_view=False)
    register, changes = run(register, scope=named)
    assert changes == []
    named = RunScope(frozenset({201, 202}), complete_view=False)
    register, changes = run(register, scope=named)
    assert [c for _, c in changes] == [Change.RESOLVED]
    assert open_by_kind(register.values()) == {"duplicate-email": 1}


def test_duplicate_contacts_resolve_only_in_a_full_run_and_events_never_by_themselves():
    both = Observed("duplicate-contacts", (5,), "2 contacts", contact_ids=("1", "2"))
    merged = Observed("merged", (6,), "merged into 9", contact_ids=("9",))
    register, _ = run({}, both, merged)
    register, changes = run(register, scope=INCREMENTAL)
    assert changes == []
    register, changes = run(register, scope=EVERYTHING)
    assert len(changes) == 1 and register[changes[0][0]].kind == "duplicate-contacts"
    assert open_by_kind(register.values()) == {"merged": 1}


def test_cards_come_from_the_run_else_from_the_register():
    cards = {101: ChannelCard(101, "UC1", "One", "2024-01-01T00:00:00Z")}
    [update] = reconcile({}, [dup(101, 102)], EVERYTHING, "now", cards)
    assert update.record.channels == (cards[101], ChannelCard(102))
    assert update.record.channels[0].youtube_url == "https://www.youtube.com/channel/UC1"
    [later] = reconcile({update.record.id: update.record}, [dup(101, 102)], EVERYTHING, "t")
    assert later.record.channels[0].title == "One"


def test_alert_keys_differ_per_change_and_repeat_for_the_same_one():
    register, [(cid, _)] = run({}, dup(101, 102))
    opened = register[cid].alert_key(Change.OPENED)
    assert opened == register[cid].alert_key(Change.OPENED)
    register, _ = run(register)
    assert register[cid].alert_key(Change.RESOLVED) != opened


def alert(n: int) -> Alert:
    return Alert(f"k{n}", "conflict-opened", f"conflict {n}", created_at=f"2026-01-01T00:{n:02d}")


def test_up_to_ten_alerts_go_alone_more_become_one_summary():
    assert summarize([alert(n) for n in range(BURST_LIMIT)]) == [
        alert(n) for n in range(BURST_LIMIT)
    ]
    [summary] = summarize([alert(n) for n in range(30)])
    assert summary.topic == "summary"
    assert summary.title == "hubsync: 30 alerts (30 conflict-opened)"
    assert "conflict 19" in summary.text and "conflict 20" not in summary.text
    assert "and 10 more" in summary.text
    assert summary.data["keys"] == [f"k{n}" for n in range(30)]
    assert summarize([alert(n) for n in range(30)]) == [summary]


def test_emails_are_masked_to_their_first_letter_and_domain():
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert mask_emails("to jane@example.com, cc Bob+x@mail.example.org") == (
        "to j***@example.com, cc B***@mail.example.org"
    )


def test_a_lasting_conflict_is_rewritten_at_most_hourly():
    first = "2026-01-01T00:00:00+00:00"
    register, _ = run({}, dup(101, 102), now=first)
    assert reconcile(register, [dup(101, 102)], EVERYTHING, "2026-01-01T00:59:00+00:00") == []
    [update] = reconcile(register, [dup(101, 102)], EVERYTHING, "2026-01-01T01:00:00+00:00")
    assert update.change is None and update.record.last_seen == "2026-01-01T01:00:00+00:00"
    [grown] = reconcile(register, [dup(101, 102, 103)], EVERYTHING, "2026-01-01T00:01:00+00:00")
    assert grown.record.gleev_ids == (101, 102, 103)
    assert grown.record.history[-1].event == "changed"
