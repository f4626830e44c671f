"""The key property setting: never one of HubSpot's own properties or one hubsync writes."""

from __future__ import annotations

import os

import pytest

from hubsync.domain.properties import key_property_problem
from hubsync.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("HUBSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")


@pytest.mark.parametrize(
    "name",
    ["lifecyclestage", "hs_lead_status", "hs_object_id", "hs_marketable_status", "email",
     "firstname", "lastname", "createdate", "lastmodifieddate"],
)  # fmt: skip
def test_hubspots_own_properties_can_never_be_the_key(name: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(key_property=name)

    message = str(error.value)
    assert message.startswith("HUBSYNC_KEY_PROPERTY is invalid")
    assert f"{name} is one of HubSpot's own contact properties" in message
    assert "\n" not in message


@pytest.mark.parametrize("name", ["channel_title", "hubsync_flag", "total_subscribers"])
def test_a_property_hubsync_writes_cannot_also_be_the_key(name: str) -> None:
    assert key_property_problem(name) == (
        f"{name} is a property hubsync already writes, so it cannot also be the key"
    )
    with pytest.raises(ConfigError, match="HUBSYNC_KEY_PROPERTY is invalid"):
        load_settings(key_property=name)


@pytest.mark.parametrize("name", ["gleev_channel_id", "yt_key", "ypp_channel"])
def test_a_custom_property_may_be_the_key(name: str) -> None:
    assert key_property_problem(name) is None
    assert load_settings(key_property=name).key_property == name


def test_max_failure_ratio_defaults_to_half_and_stays_between_0_and_1(monkeypatch) -> None:
    assert load_settings().max_failure_ratio == 0.5
    monkeypatch.setenv("HUBSYNC_MAX_FAILURE_RATIO", "0")
    assert load_settings().max_failure_ratio == 0.0
    for bad in ("1.5", "-0.1", "half"):
        monkeypatch.setenv("HUBSYNC_MAX_FAILURE_RATIO", bad)
        with pytest.raises(ConfigError, match="HUBSYNC_MAX_FAILURE_RATIO is invalid"):
            load_settings()
