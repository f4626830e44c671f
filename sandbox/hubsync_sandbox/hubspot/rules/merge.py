"""What a merge of two contacts keeps: HubSpot's rules for the surviving record's values.

Sources: the merge creates a new record, and fetching either old id returns it
(developers.hubspot.com/changelog/updated-merge-functionality-for-contacts-and-companies);
the old ids are listed in hs_merged_object_ids (github.com/HubSpot/hubspot-api-nodejs/
issues/6); the merged-away e-mail becomes an additional e-mail and the furthest lifecycle
stage is kept (knowledge.hubspot.com/contacts/how-do-i-merge-contacts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hubsync_sandbox.hubspot.rules.properties import (
    ADDITIONAL_EMAILS,
    MERGED_OBJECT_IDS,
    split_values,
)

# Values the store sets itself on the surviving record.
SYSTEM_PROPERTIES = ("hs_object_id", "createdate", "lastmodifieddate")


def merged_values(
    primary: Mapping[str, str],
    merged: Mapping[str, str],
    merged_ids: list[str],
    stage_rank: Callable[[str], int],
) -> dict[str, str]:
    """The surviving record's values: the primary's, gaps filled from the merged-away record.

    `merged_ids` are the ids that stop existing (HubSpot lists them, and those of earlier
    merges, in hs_merged_object_ids). The merged-away e-mail and both records' additional
    e-mails become additional e-mails; the lifecycle stage is the further of the two.
    """
    values = {**merged, **primary}
    for name in SYSTEM_PROPERTIES:
        values.pop(name, None)
    stages = [s for s in (primary.get("lifecyclestage"), merged.get("lifecyclestage")) if s]
    if stages:
        values["lifecyclestage"] = max(stages, key=stage_rank)
    primary_email = values.get("email")
    others = [
        *split_values(primary.get(ADDITIONAL_EMAILS)),
        merged.get("email", ""),
        *split_values(merged.get(ADDITIONAL_EMAILS)),
    ]
    additional = [email for email in dict.fromkeys(others) if email and email != primary_email]
    _set_list(values, ADDITIONAL_EMAILS, additional)
    earlier = {
        *split_values(primary.get(MERGED_OBJECT_IDS)),
        *split_values(merged.get(MERGED_OBJECT_IDS)),
    }
    _set_list(values, MERGED_OBJECT_IDS, sorted(earlier | set(merged_ids), key=int))
    return values


def _set_list(values: dict[str, str], name: str, items: list[str]) -> None:
    if items:
        values[name] = ";".join(items)
    else:
        values.pop(name, None)
