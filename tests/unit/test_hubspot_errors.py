"""HubSpot's error messages cut to one line of bounded length for reports and logs."""

from __future__ import annotations

import json

from hubsync.hubspot.errors import MESSAGE_LIMIT, HubSpotRequestError, one_line


def property_values_message(*issues: tuple[str, str, str | None]) -> str:
    """HubSpot's 'Property values were not valid' message, with its JSON list of issues."""
    details = []
    for name, code, value in issues:
        text = f'Property "{name}" is not valid'
        detail = {"isValid": False, "message": text, "error": code, "name": name}
        detail |= {"localizedErrorMessage": text, "portalId": 24680135}
        if value is not None:
            detail["propertyValue"] = value
        details.append(detail)
    return "Property values were not valid: " + json.dumps(details, separators=(",", ":"))


def test_invalid_property_values_keep_each_property_its_code_and_value() -> None:
    message = property_values_message(
        ("hs_lead_status", "INVALID_OPTION", "CONNECTED"),
        ("channel_title", "PROPERTY_DOESNT_EXIST", None),
    )

    assert one_line(message) == (
        'Property values were not valid: hs_lead_status INVALID_OPTION "CONNECTED", '
        "channel_title PROPERTY_DOESNT_EXIST"
    )


def test_a_long_message_is_one_line_of_bounded_length() -> None:
    options = "".join(f'label: "Stage {n}"\nvalue: "s{n}"\ndisplay_order: {n}\n' for n in range(90))
    message = f"CONNECTED was not one of the allowed options: [{options}]"

    line = one_line(message)

    assert len(message) > 2500
    assert "\n" not in line and len(line) == MESSAGE_LIMIT and line.endswith("...")
    assert line.startswith('CONNECTED was not one of the allowed options: [label: "Stage 0" value')


def test_every_property_of_a_write_refused_whole_still_fits_one_line() -> None:
    names = [f"property_number_{n}" for n in range(14)]
    message = property_values_message(*((n, "PROPERTY_DOESNT_EXIST", None) for n in names))

    line = one_line(message)

    assert len(message) > 2500 and len(line) <= MESSAGE_LIMIT
    assert line.startswith("Property values were not valid: property_number_0 PROPERTY_DOESNT")


def test_a_message_that_only_looks_like_a_list_is_kept_as_text() -> None:
    assert one_line("Property values were not valid: [oops\n]") == (
        "Property values were not valid: [oops ]"
    )


def test_request_errors_describe_themselves_in_one_line() -> None:
    message = property_values_message(("email", "INVALID_EMAIL", "a..b@example.com"))
    error = HubSpotRequestError(
        "contacts.batch_upsert", 400, category="VALIDATION_ERROR", message=message
    )

    assert str(error) == (
        "HubSpot answered contacts.batch_upsert with HTTP 400 VALIDATION_ERROR: "
        'Property values were not valid: email INVALID_EMAIL "a..b@example.com"'
    )
