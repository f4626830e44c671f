"""Lifecycle stage and lead status only ever move forward."""

from __future__ import annotations

import pytest

from hubsync.domain.lifecycle import STAGE_ORDER, lead_status_update, lifecycle_update


@pytest.mark.parametrize(
    "current",
    [None, "", "subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity"],
)
def test_earlier_or_no_stage_moves_forward_to_customer(current: str | None) -> None:
    assert lifecycle_update(current) == "customer"
    assert lifecycle_update(current, "customer") == "customer"


@pytest.mark.parametrize("current", ["customer", "evangelist", "other"])
def test_stage_at_or_past_customer_is_left_alone(current: str) -> None:
    assert lifecycle_update(current, "customer") is None


@pytest.mark.parametrize("current", ["1234567", "partner", "Customer", "LEAD"])
def test_unknown_custom_stage_cannot_be_ordered_and_is_left_alone(current: str) -> None:
    assert lifecycle_update(current, "customer") is None


def test_stage_order_matches_hubspot_defaults() -> None:
    assert STAGE_ORDER.index("lead") < STAGE_ORDER.index("customer")
    assert STAGE_ORDER.index("customer") < STAGE_ORDER.index("evangelist")
    assert STAGE_ORDER[-1] == "other"


@pytest.mark.parametrize(
    ("current", "wanted", "expected"),
    [
        (None, "CONNECTED", "CONNECTED"),
        ("NEW", "CONNECTED", "CONNECTED"),
        ("ATTEMPTED_TO_CONTACT", "CONNECTED", "CONNECTED"),
        ("contacted_by_kiwi", "CONNECTED", "CONNECTED"),
        ("REFERRER", "CONNECTED", "CONNECTED"),  # a referrer who signs up is promoted
        ("CONNECTED", "CONNECTED", None),
        (None, "REFERRER", "REFERRER"),
        ("NEW", "REFERRER", "REFERRER"),
        ("REFERRER", "REFERRER", None),
        ("CONNECTED", "REFERRER", None),  # never demoted from signed up to referrer
    ],
)
def test_lead_status_update(current: str | None, wanted: str, expected: str | None) -> None:
    assert lead_status_update(current, wanted) == expected
