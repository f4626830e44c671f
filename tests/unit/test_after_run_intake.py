"""What a run's result contributes to the conflict register, and what it looked at."""

from __future__ import annotations

from hubsync.after_run import INTAKE, run_scope
from hubsync.domain import changes
from hubsync.domain.outcome import ChannelOutcome, Outcome
from hubsync.domain.plan import Conflict, ConflictKind, Flagged, Plan
from hubsync.result import RunResult


def result(plan: Plan, mode: str = "incremental", **fields) -> RunResult:
    return RunResult("run1", mode, False, "2026-01-01T00:00:00+00:00", plan, **fields)


def test_conflicts_and_email_flags_become_register_entries():
    plan = Plan(
        conflicts=[
            Conflict(ConflictKind.DUPLICATE_EMAIL, (101, 102), "2 channels", email="a@x.org"),
            Conflict(ConflictKind.CONTACT_CLAIMED, (5, 6), "both", contact_ids=("77",)),
        ],
        flagged=[
            Flagged(103, "UC3", "missing-email;bad-field:title", "no e-mail; not text"),
            Flagged(104, "UC4", "invalid-email", "the e-mail is not a valid address"),
            Flagged(105, "UC5", "duplicate-email-of:101", "channel 101 keeps the shared e-mail"),
            Flagged(106, "UC6", "bad-field:title", "not text"),
        ],
    )

    seen = [o for intake in INTAKE for o in intake(result(plan))]

    assert [(o.kind, o.gleev_ids, o.detail) for o in seen] == [
        ("duplicate-email", (101, 102), "2 channels"),
        ("contact-claimed", (5, 6), "both"),
        ("missing-email", (103,), "no e-mail"),
        ("invalid-email", (104,), "the e-mail is not a valid address"),
    ]
    assert seen[0].email == "a@x.org" and seen[1].contact_ids == ("77",)


def test_merges_and_gdpr_deletes_become_register_entries_and_recreations_do_not():
    made = [
        changes.merged(201, "11", "12"),
        changes.recreated(202, "13", "14"),
        changes.gdpr_deleted(203, "15", "gone@x.org"),
    ]

    seen = [o for intake in INTAKE for o in intake(result(Plan(), contact_changes=made))]

    assert [(o.kind, o.gleev_ids, o.contact_ids) for o in seen] == [
        ("merged", (201,), ("11", "12")),
        ("gdpr-deleted", (203,), ("15",)),
    ]


def test_a_run_looks_at_the_whole_table_unless_channels_are_named():
    assert run_scope(result(Plan(), "full")).channels is None
    assert run_scope(result(Plan(), "full")).complete_view
    assert not run_scope(result(Plan(), "incremental")).complete_view
    named = [ChannelOutcome("UC1", 101, Outcome.UNCHANGED, "9", "ok")]
    scope = run_scope(result(Plan(), "full", channels=named))
    assert scope.channels == frozenset({101}) and not scope.complete_view
