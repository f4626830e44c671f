"""`schema check` and `schema apply`: the portal's contact properties against what hubsync needs.

Check only reads. Apply only adds: the property group, missing custom properties (the key one
unique), and the REFERRER lead status. It never changes or archives an existing property, since
that could destroy data; those findings are reported with what ops should do instead. Apply
with dry_run says what it would add and adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from hubsync.domain.portal_schema import (
    FindingKind,
    SchemaFinding,
    compare_group,
    compare_schema,
    options_with_referrer,
    property_create_body,
    readiness_problem,
)
from hubsync.domain.properties import CUSTOM_GROUP, LEAD_STATUS
from hubsync.hubspot.errors import HubSpotError, HubSpotRequestError
from hubsync.hubspot.gateway import HubSpotGateway

GROUP_LABEL = "Contact information"


class PropertyReader(Protocol):
    def list_properties(self) -> list[dict[str, Any]]: ...


class PortalNotReady(HubSpotError):
    """The portal lacks a property a sync writes, or has it in a shape that would do harm."""


@dataclass(frozen=True, slots=True)
class SchemaReport:
    key_property: str
    findings: tuple[SchemaFinding, ...]  # the portal as last read (after apply's changes)
    applied: tuple[str, ...] = ()  # changes apply made
    failed: tuple[str, ...] = ()  # changes apply tried and HubSpot refused
    planned: tuple[str, ...] = ()  # changes a dry run of apply would make

    @property
    def ok(self) -> bool:
        """Nothing is left to fix."""
        return not self.failed and all(finding.ok for finding in self.findings)

    @property
    def refused(self) -> tuple[SchemaFinding, ...]:
        """Problems `schema apply` will not touch; each finding's detail says why and what to do."""
        return tuple(f for f in self.findings if not f.ok and not f.fixable)

    def lines(self) -> list[str]:
        verdict = "ok" if self.ok else "needs attention"
        lines = [f"HubSpot contact schema (key property {self.key_property}): {verdict}"]
        lines += [f"  applied: {change}" for change in self.applied]
        lines += [f"  would apply: {change}" for change in self.planned]
        lines += [f"  FAILED: {failure}" for failure in self.failed]
        for finding in self.findings:
            if finding.ok:
                lines.append(f"  {'ok':<14} {finding.name}")
            else:
                refused = "" if finding.fixable else " [`schema apply` refuses: fix by hand]"
                lines.append(
                    f"  {finding.kind.value:<14} {finding.name}: {finding.detail}{refused}"
                )
        return lines

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "key_property": self.key_property,
            "applied": list(self.applied),
            "failed": list(self.failed),
            "planned": list(self.planned),
            "findings": [
                {
                    "name": finding.name,
                    "status": finding.kind.value,
                    "detail": finding.detail,
                    "fixable": finding.fixable,
                }
                for finding in self.findings
            ],
        }


def preflight(gateway: PropertyReader, key_property: str) -> None:
    """Before a run plans, one read proves that the token works (HubSpotAuthError if not) and
    that the portal has every property the run may write, the key property unique
    (PortalNotReady if not): a run that cannot be right writes nothing."""
    problem = readiness_problem(compare_schema(gateway.list_properties(), key_property))
    if problem:
        raise PortalNotReady(f"HubSpot is not ready for a sync, nothing was written: {problem}")


def check_schema(gateway: HubSpotGateway, key_property: str) -> SchemaReport:
    return SchemaReport(key_property, tuple(_findings(gateway, key_property)))


def apply_schema(
    gateway: HubSpotGateway, key_property: str, *, dry_run: bool = False
) -> SchemaReport:
    """Create what is missing and fixable; with dry_run, only say what that would be."""
    definitions = {d["name"]: d for d in gateway.list_properties()}
    property_findings = compare_schema(list(definitions.values()), key_property)
    applied: list[str] = []
    failed: list[str] = []
    planned: list[str] = []

    def attempt(change: str, action: Callable[[], object]) -> bool:
        if dry_run:
            planned.append(change)
            return True
        try:
            action()
        except HubSpotRequestError as exc:
            failed.append(f"{change}: {exc.describe()}")
            return False
        applied.append(change)
        return True

    to_create = [f for f in property_findings if f.kind is FindingKind.MISSING and f.fixable]
    group = compare_group({g["name"] for g in gateway.list_groups()}) if to_create else None
    group_ready = group is None or group.ok
    if group is not None and not group.ok:
        group_ready = attempt(
            f"created property group {CUSTOM_GROUP}",
            partial(gateway.create_group, CUSTOM_GROUP, GROUP_LABEL),
        )
    for finding in to_create:
        if group_ready and finding.spec is not None:
            body = property_create_body(finding.spec)
            attempt(f"created property {finding.name}", partial(gateway.create_property, body))
    for finding in property_findings:
        if finding.kind is FindingKind.MISSING_OPTION and finding.fixable:
            options = options_with_referrer(definitions[LEAD_STATUS])
            attempt(
                f"added option {finding.option} to {finding.name}",
                partial(gateway.update_property_options, LEAD_STATUS, options),
            )
    findings = (
        _findings(gateway, key_property) if applied else _with_group(property_findings, group)
    )
    return SchemaReport(
        key_property, tuple(findings), tuple(applied), tuple(failed), tuple(planned)
    )


def _findings(gateway: HubSpotGateway, key_property: str) -> list[SchemaFinding]:
    findings = compare_schema(gateway.list_properties(), key_property)
    needs_group = any(f.kind is FindingKind.MISSING and f.fixable for f in findings)
    group = compare_group({g["name"] for g in gateway.list_groups()}) if needs_group else None
    return _with_group(findings, group)


def _with_group(findings: list[SchemaFinding], group: SchemaFinding | None) -> list[SchemaFinding]:
    """The group matters only while hubsync still has properties to create in it."""
    return [group, *findings] if group is not None and not group.ok else findings
