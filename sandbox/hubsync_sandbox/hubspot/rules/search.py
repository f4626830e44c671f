"""CRM search: the request's limits, filter operators, sorting and offset paging."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from hubsync_sandbox.hubspot.errors import validation_error
from hubsync_sandbox.hubspot.rules.properties import (
    ADDITIONAL_EMAILS,
    PropertyCatalog,
    split_values,
)
from hubsync_sandbox.hubspot.rules.values import parse_timestamp_ms

MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS = 18
MAX_LIMIT = 200
DEFAULT_LIMIT = 10
MAX_RESULT_WINDOW = 10_000
MAX_QUERY_LENGTH = 3000
# The properties the free-text `query` looks in.
QUERY_PROPERTIES = ("firstname", "lastname", "email", "phone", "company", "hs_additional_emails")

VALUE_OPERATORS = {"EQ", "NEQ", "GT", "GTE", "LT", "LTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
LIST_OPERATORS = {"IN", "NOT_IN"}
PRESENCE_OPERATORS = {"HAS_PROPERTY", "NOT_HAS_PROPERTY"}
OPERATORS = VALUE_OPERATORS | LIST_OPERATORS | PRESENCE_OPERATORS | {"BETWEEN"}

Comparable = float | str


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    value: str = ""
    values: tuple[str, ...] = ()
    high_value: str = ""


@dataclass(frozen=True)
class SearchRequest:
    filter_groups: tuple[tuple[Filter, ...], ...]
    sort_property: str | None
    descending: bool
    query: str
    properties: tuple[str, ...] | None
    limit: int
    offset: int


def parse_search_request(body: Any, catalog: PropertyCatalog) -> SearchRequest:
    if not isinstance(body, dict):
        raise validation_error("The search request must be a JSON object.")
    groups = _parse_filter_groups(body.get("filterGroups") or [], catalog)
    sort_property, descending = _parse_sorts(body.get("sorts") or [], catalog)
    limit = _parse_int(body.get("limit", DEFAULT_LIMIT), "limit")
    offset = _parse_int(body.get("after") or 0, "after")
    if not 0 < limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}, got {limit}.")
    if offset + limit > MAX_RESULT_WINDOW:
        raise validation_error(
            f"Cannot page past {MAX_RESULT_WINDOW} results (after={offset}, limit={limit})."
        )
    query = body.get("query") or ""
    if not isinstance(query, str) or len(query) > MAX_QUERY_LENGTH:
        raise validation_error(f"query must be a string of at most {MAX_QUERY_LENGTH} characters.")
    properties = body.get("properties")
    wanted = tuple(str(name) for name in properties) if properties else None
    return SearchRequest(groups, sort_property, descending, query, wanted, limit, offset)


def run_search(
    request: SearchRequest,
    contacts: Iterable[tuple[str, Mapping[str, str]]],
    catalog: PropertyCatalog,
) -> tuple[int, list[tuple[str, Mapping[str, str]]]]:
    """The number of matches and the requested page of (contact id, visible properties)."""
    matches = [
        (contact_id, values)
        for contact_id, values in contacts
        if _matches_query(request.query, values) and _matches_groups(request, values, catalog)
    ]
    matches.sort(key=lambda match: int(match[0]))
    name = request.sort_property
    if name:
        key = _sort_key(name, catalog)
        present = [match for match in matches if match[1].get(name)]
        absent = [match for match in matches if not match[1].get(name)]
        present.sort(key=lambda match: key(match[1][name]), reverse=request.descending)
        matches = present + absent
    return len(matches), matches[request.offset : request.offset + request.limit]


def _parse_filter_groups(groups: Any, catalog: PropertyCatalog) -> tuple[tuple[Filter, ...], ...]:
    if not isinstance(groups, list):
        raise validation_error("filterGroups must be a list.")
    if len(groups) > MAX_FILTER_GROUPS:
        raise validation_error(
            f"Too many filter groups: {len(groups)}. The maximum is {MAX_FILTER_GROUPS}."
        )
    parsed = tuple(_parse_filter_group(group, catalog) for group in groups)
    total = sum(len(group) for group in parsed)
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total}. The maximum is {MAX_FILTERS} in all.")
    return parsed


def _parse_filter_group(group: Any, catalog: PropertyCatalog) -> tuple[Filter, ...]:
    filters = group.get("filters") if isinstance(group, dict) else None
    if not isinstance(filters, list):
        raise validation_error("Each filter group must have a list of filters.")
    if len(filters) > MAX_FILTERS_PER_GROUP:
        raise validation_error(
            f"Too many filters in a group: {len(filters)}. The maximum is {MAX_FILTERS_PER_GROUP}."
        )
    return tuple(_parse_filter(item, catalog) for item in filters)


def _parse_filter(item: Any, catalog: PropertyCatalog) -> Filter:
    if not isinstance(item, dict):
        raise validation_error("Each filter must be an object.")
    name, operator = item.get("propertyName"), item.get("operator")
    if not isinstance(name, str) or catalog.get(name) is None:
        raise validation_error(f"Filter on an unknown property: {name!r}.")
    if operator not in OPERATORS:
        raise validation_error(f"Unknown filter operator: {operator!r}.")
    parsed = Filter(
        name,
        operator,
        _text(item.get("value")),
        tuple(_text(v) for v in item.get("values") or ()),
        _text(item.get("highValue")),
    )
    if operator in VALUE_OPERATORS | {"BETWEEN"} and "value" not in item:
        raise validation_error(f"The {operator} filter on {name} needs a value.")
    if operator == "BETWEEN" and "highValue" not in item:
        raise validation_error(f"The BETWEEN filter on {name} needs a highValue.")
    if operator in LIST_OPERATORS and not parsed.values:
        raise validation_error(f"The {operator} filter on {name} needs values.")
    return parsed


def _parse_sorts(sorts: Any, catalog: PropertyCatalog) -> tuple[str | None, bool]:
    """One sort at most, as {propertyName, direction} or as a property name."""
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise validation_error("At most one sort is supported.")
    if not sorts:
        return None, False
    sort = sorts[0]
    if isinstance(sort, str):
        name, descending = sort.lstrip("-"), sort.startswith("-")
    elif isinstance(sort, dict):
        name = sort.get("propertyName")
        direction = sort.get("direction", "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise validation_error(f"Unknown sort direction: {direction!r}.")
        descending = direction == "DESCENDING"
    else:
        raise validation_error("A sort must be an object or a property name.")
    if not isinstance(name, str) or catalog.get(name) is None:
        raise validation_error(f"Sort on an unknown property: {name!r}.")
    return name, descending


def _parse_int(value: Any, field_name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise validation_error(f"{field_name} must be an integer, got {value!r}.") from None
    if number < 0:
        raise validation_error(f"{field_name} must not be negative.")
    return number


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _matches_query(query: str, values: Mapping[str, str]) -> bool:
    if not query:
        return True
    needle = query.lower()
    return any(needle in values.get(name, "").lower() for name in QUERY_PROPERTIES)


def _matches_groups(
    request: SearchRequest, values: Mapping[str, str], catalog: PropertyCatalog
) -> bool:
    if not request.filter_groups:
        return True
    return any(
        all(
            any(_matches(f, stored, catalog) for stored in _compared_values(f, values))
            for f in group
        )
        for group in request.filter_groups
    )


def _compared_values(condition: Filter, values: Mapping[str, str]) -> list[str]:
    """The stored values a filter is tried on: `email EQ` also matches additional e-mails
    (reported, not documented; developers.hubspot.com/docs/api-reference/search/guide says the
    free-text query searches hs_additional_emails), every other filter the property alone."""
    primary = values.get(condition.property_name, "")
    if condition.property_name != "email" or condition.operator != "EQ":
        return [primary]
    return [primary, *split_values(values.get(ADDITIONAL_EMAILS))]


def _matches(condition: Filter, stored: str, catalog: PropertyCatalog) -> bool:
    operator = condition.operator
    if operator == "HAS_PROPERTY":
        return stored != ""
    if operator == "NOT_HAS_PROPERTY":
        return stored == ""
    if stored == "":
        return False
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        return _contains_token(stored, condition.value) == (operator == "CONTAINS_TOKEN")
    if operator in LIST_OPERATORS:
        return _in_values(stored, condition, catalog) == (operator == "IN")
    key = _sort_key(condition.property_name, catalog)
    left, right = key(stored), key(condition.value)
    try:
        if operator == "BETWEEN":
            # Sort keys of one property share a type; a mismatch raises TypeError, caught below.
            return right <= left <= key(condition.high_value)  # type: ignore[operator]
        return _COMPARISONS[operator](left, right)
    except TypeError:  # a number property compared with text
        return False


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": lambda a, b: a == b,
    "NEQ": lambda a, b: a != b,
    "GT": lambda a, b: a > b,
    "GTE": lambda a, b: a >= b,
    "LT": lambda a, b: a < b,
    "LTE": lambda a, b: a <= b,
}


def _in_values(stored: str, condition: Filter, catalog: PropertyCatalog) -> bool:
    definition = catalog.get(condition.property_name)
    if definition is not None and definition.type == "string":
        # HubSpot lower-cases the stored string only: values must be given in lower case.
        return stored.lower() in condition.values
    key = _sort_key(condition.property_name, catalog)
    return key(stored) in {key(value) for value in condition.values}


def _contains_token(stored: str, pattern: str) -> bool:
    wanted = pattern.lower()
    text = stored.lower()
    return any(fnmatch.fnmatchcase(candidate, wanted) for candidate in [text, *text.split()])


def _sort_key(property_name: str, catalog: PropertyCatalog) -> Callable[[str], Comparable]:
    """How values of a property compare: numbers and times as numbers, text without case."""
    definition = catalog.get(property_name)
    kind = definition.type if definition else "string"
    if kind == "number":
        return _as_number
    if kind in ("datetime", "date"):
        return _as_time
    if kind == "enumeration":
        return str  # enumeration values compare with their case
    return str.lower


def _as_number(value: str) -> Comparable:
    try:
        return float(value)
    except ValueError:
        return value.lower()


def _as_time(value: str) -> Comparable:
    ms = parse_timestamp_ms(value)
    return value.lower() if ms is None else float(ms)
