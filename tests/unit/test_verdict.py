"""The rule that calls a run done or failed, and the streak that stops a run's writing."""

from __future__ import annotations

import pytest

from hubsync.domain.verdict import STOP_AFTER_FAILED_BATCHES, FailureStreak, WriteTally, judge_run


def test_a_run_whose_writes_all_succeeded_is_done() -> None:
    verdict = judge_run(WriteTally(written=250, failed=0), 0.5)
    assert verdict.ok and verdict.reason == "completed"


def test_a_run_with_nothing_to_write_is_done() -> None:
    assert judge_run(WriteTally(written=0, failed=0), 0.0).ok


def test_a_run_where_no_write_succeeded_failed_even_at_ratio_one() -> None:
    tally = WriteTally(written=0, failed=3, first_failure="101: VALIDATION_ERROR: bad")

    verdict = judge_run(tally, 1.0)

    assert not verdict.ok
    assert verdict.reason == "no write succeeded, 3 failed (first: 101: VALIDATION_ERROR: bad)"


@pytest.mark.parametrize(
    ("written", "failed", "ratio", "ok"),
    [
        (1, 1, 0.5, True),  # exactly the ratio passes
        (1, 2, 0.5, False),
        (99, 1, 0.0, False),  # 0 tolerates no failure at all
        (1, 9, 0.9, True),
        (100, 0, 0.0, True),
    ],
)
def test_failures_above_the_ratio_fail_the_run(
    written: int, failed: int, ratio: float, ok: bool
) -> None:
    verdict = judge_run(WriteTally(written=written, failed=failed), ratio)

    assert verdict.ok is ok
    if not ok:
        assert f"{failed} of {written + failed} writes failed" in verdict.reason
        assert "HUBSYNC_MAX_FAILURE_RATIO" in verdict.reason
    elif failed:
        assert verdict.reason == f"completed; {failed} of {written + failed} writes failed"


def test_a_run_stopped_early_failed_and_counts_what_it_left() -> None:
    tally = WriteTally(written=40, failed=300, not_attempted=700, stopped_on="VALIDATION_ERROR")

    verdict = judge_run(tally, 1.0)

    assert not verdict.ok
    assert verdict.reason.startswith(
        f"stopped after {STOP_AFTER_FAILED_BATCHES} batches in a row failed with "
        "VALIDATION_ERROR: 300 writes failed, 700 not attempted"
    )


def test_three_batches_refused_whole_for_one_reason_stop_the_writing() -> None:
    streak = FailureStreak()

    assert not streak.observe(100, ["VALIDATION_ERROR"] * 100)
    assert not streak.observe(100, ["VALIDATION_ERROR"] * 100)
    assert streak.observe(7, ["VALIDATION_ERROR"] * 7)
    assert streak.category == "VALIDATION_ERROR"


@pytest.mark.parametrize(
    "interruption",
    [
        (100, ["VALIDATION_ERROR"] * 99),  # one write of the batch went through
        (2, ["VALIDATION_ERROR", "CONFLICT"]),  # two reasons: the records, not the portal
        (100, ["CONFLICT"] * 100),  # another reason starts a new streak
        (100, []),
    ],
)
def test_a_batch_not_refused_whole_for_the_same_reason_breaks_the_streak(
    interruption: tuple[int, list[str]],
) -> None:
    streak = FailureStreak()
    streak.observe(100, ["VALIDATION_ERROR"] * 100)
    streak.observe(100, ["VALIDATION_ERROR"] * 100)

    assert not streak.observe(*interruption)
    assert not streak.observe(100, ["VALIDATION_ERROR"] * 100)
