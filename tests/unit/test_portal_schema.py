"""The pure comparison of the portal's property definitions with what hubsync needs."""

from __future__ import annotations

from typing import Any

import pytest

from hubsync.domain.portal_schema import (
    FindingKind,
    compare_group,
    compare_schema,
    options_with_referrer,
    property_create_body,
    readiness_problem,
)
from hubsync.domain.properties import CUSTOM_GROUP, managed_properties

KEY = "gleev_channel_id"


def option(value: str, order: int) -> dict[str, Any]:
    return {"value": value, "label": value.title(), "hidden": False, "displayOrder": order}


def complete_portal(key: str = KEY) -> list[dict[str, Any]]:
    definitions = []
    for spec in managed_properties(key):
        definition: dict[str, Any] = {
            "name": spec.name,
            "type": spec.type,
            "fieldType": spec.field_type,
            "hasUniqueValue": spec.unique,
            "options": [],
            "modificationMetadata": {"readOnlyOptions": False},
        }
        if spec.name == "hs_lead_status":
            definition["options"] = [
                option("NEW", 0),
                option("CONNECTED", 1),
                option("REFERRER", 2),
            ]
        if spec.name == "lifecyclestage":
            definition["options"] = [option("lead", 0), option("customer", 1)]
        definitions.append(definition)
    return definitions


def finding(definitions: list[dict[str, Any]], name: str, key: str = KEY):
    return next(f for f in compare_schema(definitions, key) if f.name == name)


def edit(definitions: list[dict[str, Any]], name: str, **changes: Any) -> list[dict[str, Any]]:
    return [{**d, **changes} if d["name"] == name else d for d in definitions]


def test_complete_portal_is_ok_with_one_finding_per_managed_property() -> None:
    findings = compare_schema(complete_portal(), KEY)
    assert [f.name for f in findings] == [s.name for s in managed_properties(KEY)]
    assert all(f.ok for f in findings)


def test_blank_portal_custom_properties_are_missing_and_fixable() -> None:
    findings = compare_schema([], KEY)
    assert all(f.kind is FindingKind.MISSING for f in findings)
    builtin = {s.name for s in managed_properties(KEY) if s.builtin}
    for f in findings:
        assert f.fixable == (f.name not in builtin)
    assert "unique" in finding([], KEY).detail


def test_wrong_type_is_reported_and_not_fixed_automatically() -> None:
    definitions = edit(complete_portal(), "total_subscribers", type="string")
    result = finding(definitions, "total_subscribers")
    assert result.kind is FindingKind.WRONG_TYPE and not result.fixable
    assert "string" in result.detail and "number" in result.detail


def test_non_unique_key_property_is_refused_with_the_way_out() -> None:
    definitions = edit(complete_portal(), KEY, hasUniqueValue=False)
    result = finding(definitions, KEY)
    assert result.kind is FindingKind.NOT_UNIQUE and not result.fixable
    assert "HUBSYNC_KEY_PROPERTY" in result.detail
    assert "archive" in result.detail


def test_the_key_property_name_is_a_setting() -> None:
    definitions = complete_portal("yt_key")
    assert all(f.ok for f in compare_schema(definitions, "yt_key"))
    assert finding(definitions, KEY, key=KEY).kind is FindingKind.MISSING


def test_lead_status_without_referrer_is_fixable() -> None:
    definitions = edit(complete_portal(), "hs_lead_status", options=[option("NEW", 0)])
    result = finding(definitions, "hs_lead_status")
    assert result.kind is FindingKind.MISSING_OPTION and result.fixable
    assert result.option == "REFERRER"


def test_lead_status_with_read_only_options_is_not_fixable() -> None:
    definitions = edit(
        complete_portal(),
        "hs_lead_status",
        options=[option("NEW", 0)],
        modificationMetadata={"readOnlyOptions": True},
    )
    result = finding(definitions, "hs_lead_status")
    assert result.kind is FindingKind.MISSING_OPTION and not result.fixable


def test_lifecycle_stage_without_customer_is_reported_not_fixed() -> None:
    definitions = edit(complete_portal(), "lifecyclestage", options=[option("lead", 0)])
    result = finding(definitions, "lifecyclestage")
    assert result.kind is FindingKind.MISSING_OPTION and not result.fixable
    assert result.option == "customer"


@pytest.mark.parametrize(("groups", "ok"), [({CUSTOM_GROUP, "other"}, True), ({"other"}, False)])
def test_group(groups: set[str], ok: bool) -> None:
    result = compare_group(groups)
    assert result.ok is ok
    assert result.fixable is not ok


def test_referrer_is_appended_to_the_full_option_list() -> None:
    existing = [option("NEW", 0), {**option("OPEN", 5), "description": "kept"}]
    options = options_with_referrer({"options": existing})
    assert options[:2] == existing
    assert options[2] == {
        "value": "REFERRER",
        "label": "Referrer",
        "hidden": False,
        "displayOrder": 6,
    }


def test_create_body_makes_the_key_property_unique() -> None:
    spec = next(s for s in managed_properties(KEY) if s.name == KEY)
    body = property_create_body(spec)
    assert body["hasUniqueValue"] is True
    assert body["groupName"] == CUSTOM_GROUP
    assert (body["type"], body["fieldType"]) == ("string", "text")


def test_a_complete_portal_is_ready_for_a_sync() -> None:
    assert readiness_problem(compare_schema(complete_portal(), KEY)) is None


def test_what_schema_apply_fixes_is_named_with_the_command() -> None:
    definitions = [d for d in complete_portal() if d["name"] not in (KEY, "channel_url")]

    problem = readiness_problem(compare_schema(definitions, KEY))

    # In the table's order, where the key property comes before the channel's own.
    assert problem == f"missing or incomplete: {KEY}, channel_url (run `hubsync schema apply`)"


def test_what_only_a_person_can_fix_is_named_with_the_findings_own_detail() -> None:
    definitions = edit(complete_portal(), KEY, hasUniqueValue=False)
    definitions = edit(definitions, "hs_lead_status", options=[option("CONNECTED", 0)])
    findings = compare_schema(definitions, KEY)
    not_unique = next(f for f in findings if f.name == KEY)

    problem = readiness_problem(findings)

    assert problem == (
        f"{KEY}: {not_unique.detail}; "
        "missing or incomplete: hs_lead_status (run `hubsync schema apply`)"
    )
    assert "\n" not in problem
