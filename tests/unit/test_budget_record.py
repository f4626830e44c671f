"""The run record carries the budget's figures, and still reads records from before them."""

from __future__ import annotations

import json

from hubsync.domain.budget import Budget, run_budget
from hubsync.domain.plan import Plan
from hubsync.report import result_dict, summary_lines
from hubsync.result import RunRecord, RunResult


def result_with_budget() -> RunResult:
    result = RunResult("run1", "full", False, "2026-01-01T00:00:00+00:00", Plan(), created=3)
    result.budget = run_budget(
        Budget(limit=1000), count_before=998, leaving=1, created=3, held=2, released=0
    )
    return result


def test_the_budget_round_trips_through_the_stored_record() -> None:
    record = result_with_budget().record()
    stored = json.loads(json.dumps(record.to_item()))
    assert RunRecord.from_item(stored) == record
    assert stored["budget"]["count_after"] == 1001


def test_a_record_from_before_the_budget_still_reads() -> None:
    stored = result_with_budget().record().to_item()
    del stored["budget"]
    assert RunRecord.from_item(stored).budget is None


def test_json_and_summary_show_the_budget() -> None:
    result = result_with_budget()
    assert result_dict(result)["budget"]["cost_with_held_eur"] == 210
    assert (
        "  marketing contacts: 998 -> 1,001 (limit 1,000, 3 created), 210 EUR/month; "
        "2 held by the budget (210 EUR/month once created)"
    ) in summary_lines(result)
