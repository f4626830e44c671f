"""The budget's settings: defaults, the roles marketing wants, and bad values in one line."""

from __future__ import annotations

import os

import pytest

from hubsync.domain.budget import BudgetPolicy, CostModel
from hubsync.domain.links import Role
from hubsync.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in list(os.environ):
        if name.startswith("HUBSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "pat-na1-abc")


def test_the_defaults_track_without_a_limit_and_hold_at_one() -> None:
    budget = load_settings().budget
    assert (budget.limit, budget.policy, budget.warn_ratio) == (None, BudgetPolicy.HOLD, 0.9)
    assert budget.cost == CostModel(170, 1000, 40)
    assert load_settings().wanted_roles == frozenset(Role)


def test_the_roles_marketing_wants_are_read_loosely(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUBSYNC_MARKETING_WANTED_ROLES", " Customer , referrer ")
    assert load_settings().wanted_roles == {Role.CUSTOMER, Role.REFERRER}


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("HUBSYNC_MARKETING_WANTED_ROLES", "customer,lead", "lead is not a role"),
        ("HUBSYNC_BUDGET_POLICY", "block", "HUBSYNC_BUDGET_POLICY is invalid"),
        ("HUBSYNC_BUDGET_WARN_RATIO", "1.5", "HUBSYNC_BUDGET_WARN_RATIO is invalid"),
        ("HUBSYNC_MARKETING_CONTACT_LIMIT", "-1", "HUBSYNC_MARKETING_CONTACT_LIMIT is invalid"),
        ("HUBSYNC_BUDGET_EUR_PER_1000", "nan", "HUBSYNC_BUDGET_EUR_PER_1000 is invalid"),
    ],
)
def test_a_bad_budget_setting_is_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=says):
        load_settings()
