"""plan() between full runs: trusting the links, asking for lookups, `only`, and convergence."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from hubsync.domain.contact import Contact
from hubsync.domain.links import Link, Role
from hubsync.domain.plan import Action, ConflictKind, Lookups, Orphan, Plan
from hubsync.domain.view import ContactView
from tests.unit.factories import (
    ABSENT,
    HOLD,
    KEY,
    SEPARATE,
    FakeHubSpot,
    contact,
    email_of,
    full_run,
    full_view,
    link_to,
    links_of,
    partial_view,
    referrer_link,
    run,
    stale_link,
    write_for,
    writes_for,
)
from tests.unit.factories import channel_item as item


def on_contact(contact_id: str, gleev_id: int = 101, **overrides: object) -> Contact:
    """The contact hubsync leaves after writing the default item of `gleev_id`."""
    hubspot = FakeHubSpot()
    hubspot.apply(full_run([item(gleev_id)]))
    (properties,) = hubspot.contacts.values()
    return contact(contact_id, **{**properties, **overrides})


def look_up(view: ContactView, lookups: Lookups, hubspot: FakeHubSpot) -> None:
    """What the engine does with a plan's lookups: fetch what exists, remember what was asked."""
    found = [
        c
        for c in hubspot.snapshot()
        if c.id in lookups.contact_ids
        or (c.email is not None and c.email in lookups.emails)
        or c.get(KEY) in lookups.keys
    ]
    view.add(found)
    view.record_lookups(lookups.contact_ids, lookups.emails, lookups.keys)


def incremental(
    items: list[dict[str, Any]],
    hubspot: FakeHubSpot,
    links: Mapping[int, Link],
    max_rounds: int = 3,
    **options: Any,
) -> tuple[Plan, int]:
    """Plan with a partial view, looking up what the plan asks for until it asks for nothing.
    Returns the final plan and how many lookup rounds it took."""
    view = partial_view()
    for rounds in range(max_rounds):
        result = run(items, view, links, **options)
        if not result.lookups:
            return result, rounds
        look_up(view, result.lookups, hubspot)
    raise AssertionError(f"still asking for lookups after {max_rounds} rounds: {result.lookups}")


# -- trusting what hubsync wrote ------------------------------------------------------------


def test_channel_with_same_role_and_hash_is_unchanged_without_looking_at_hubspot() -> None:
    result = run([item(101)], partial_view(), links_of(link_to(item(101), "C1")))
    assert result.writes == []
    assert result.lookups == Lookups()
    assert not result.lookups
    assert result.unchanged == 1
    assert result.confirmed == []


def test_incremental_run_trusts_the_link_even_if_hubspot_drifted() -> None:
    drifted = on_contact("C1", channel_title="Edited by hand")
    links = links_of(link_to(item(101), "C1"))
    assert run([item(101)], full_view(drifted), links).writes == []
    repaired = write_for(full_run([item(101)], full_view(drifted), links), 101)
    assert repaired.properties == {"channel_title": "Channel 101"}
    assert repaired.reason == "drift repaired: channel_title"


def test_trusted_referrer_is_unchanged() -> None:
    result = run(
        [item(101, referrerChannelId=7)],
        partial_view(),
        links_of(link_to(item(101, referrerChannelId=7), "C1"), referrer_link(7, "R7")),
    )
    assert (result.writes, result.unchanged, bool(result.lookups)) == ([], 2, False)


def test_same_hash_under_another_role_is_a_candidate() -> None:
    link = link_to(item(101), "C1")
    as_duplicate = Link(101, "C1", link.pushed_hash, Role.DUPLICATE)
    result = run([item(101)], partial_view(), links_of(as_duplicate))
    assert result.unchanged == 0
    assert result.lookups == Lookups({"C1"}, set(), set())


def test_changed_channel_asks_for_its_linked_contact_first() -> None:
    links = links_of(link_to(item(101), "C1"))
    result = run([item(101, title="Renamed")], partial_view(), links)
    assert result.writes == []
    assert result.unchanged == 0
    assert result.lookups == Lookups({"C1"}, set(), set())


def test_linked_contact_holding_key_and_email_needs_no_search() -> None:
    links = links_of(link_to(item(101), "C1"))
    view = partial_view()
    view.add([on_contact("C1")])
    view.record_lookups(ids={"C1"})
    result = run([item(101, title="Renamed")], view, links)
    assert not result.lookups
    assert write_for(result, 101).properties == {"channel_title": "Renamed"}


def test_linked_contact_without_the_new_email_asks_who_holds_it() -> None:
    links = links_of(link_to(item(101), "C1"))
    view = partial_view()
    view.add([on_contact("C1")])
    view.record_lookups(ids={"C1"})
    result = run([item(101, email="moved@example.com")], view, links)
    assert result.lookups == Lookups(set(), {"moved@example.com"}, set())
    assert result.writes == []


def test_deleted_linked_contact_asks_for_key_and_email() -> None:
    links = links_of(link_to(item(101), "C1"))
    view = partial_view()
    view.record_lookups(ids={"C1"})
    result = run([item(101, title="Renamed")], view, links)
    assert result.lookups == Lookups(set(), {email_of(101)}, {"101"})


def test_changed_channel_is_planned_once_the_view_knows_its_contacts() -> None:
    links = links_of(link_to(item(101), "C1"))
    view = partial_view()
    view.add([on_contact("C1")])
    view.record_lookups(ids={"C1"}, emails={email_of(101)}, keys={"101"})
    result = run([item(101, title="Renamed")], view, links)
    assert not result.lookups
    write = write_for(result, 101)
    assert write.action is Action.UPDATE
    assert write.contact_id == "C1"
    assert write.properties == {"channel_title": "Renamed"}
    assert write.reason == "linked: channel_title"


def test_view_knowing_some_but_not_all_still_asks_for_the_rest() -> None:
    view = partial_view()
    view.record_lookups(keys={"101"})
    result = run([item(101)], view)
    assert result.lookups == Lookups(set(), {email_of(101)}, set())
    assert result.writes == []


def test_new_channel_asks_for_its_key_and_email() -> None:
    result = run([item(101)], partial_view())
    assert result.lookups == Lookups(set(), {email_of(101)}, {"101"})
    assert result.writes == []


def test_new_channel_without_email_asks_only_for_its_key() -> None:
    result = run([item(101, email=ABSENT)], partial_view())
    assert result.lookups == Lookups(set(), set(), {"101"})


def test_new_referrer_asks_for_its_key() -> None:
    links = links_of(link_to(item(101, referrerChannelId=7), "C1"))
    result = run([item(101, referrerChannelId=7)], partial_view(), links)
    assert result.lookups == Lookups(set(), set(), {"7"})


def test_lookups_are_collected_for_all_candidates_at_once() -> None:
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C2"))
    items = [item(101), item(102, title="Renamed"), item(103, email=" New@Example.com ")]
    result = run(items, partial_view(), links)
    assert result.unchanged == 1
    assert result.lookups == Lookups({"C2"}, {"new@example.com"}, {"103"})


def test_looked_up_and_not_found_means_absent() -> None:
    view = partial_view()
    view.record_lookups(emails={email_of(101)}, keys={"101"})
    result = run([item(101)], view)
    write = write_for(result, 101)
    assert write.action is Action.CREATE
    assert write.id_property == "email"


def test_linked_contact_that_no_longer_exists_falls_back_to_a_new_contact() -> None:
    view = partial_view()
    view.record_lookups(ids={"C1"}, emails={email_of(101)}, keys={"101"})
    result = run([item(101, title="Renamed")], view, links_of(link_to(item(101), "C1")))
    assert write_for(result, 101).action is Action.CREATE


def test_lead_found_by_email_lookup_is_converted() -> None:
    hubspot = FakeHubSpot(contact("L1", email=email_of(101), lifecyclestage="lead", firstname="A"))
    result, rounds = incremental([item(101)], hubspot, {})
    assert rounds == 1
    write = write_for(result, 101)
    assert (write.action, write.contact_id) == (Action.UPDATE, "L1")
    assert write.reason.startswith("lead converted: ")
    assert "firstname" not in write.properties


def test_referrer_found_by_key_lookup_is_promoted() -> None:
    referrer = contact(
        "R7", **{KEY: "101", "lifecyclestage": "customer", "hs_lead_status": "REFERRER"}
    )
    result, _ = incremental([item(101)], FakeHubSpot(referrer), links_of(referrer_link(101, "R7")))
    write = write_for(result, 101)
    assert write.contact_id == "R7"
    assert write.properties["email"] == email_of(101)
    assert write.properties["hs_lead_status"] == "CONNECTED"


def test_email_taken_is_found_through_the_lookup() -> None:
    theirs = contact("C5", email=email_of(101), lifecyclestage="customer", **{KEY: "555"})
    result, _ = incremental([item(101)], FakeHubSpot(theirs), {})
    assert [c.kind for c in result.conflicts] == [ConflictKind.EMAIL_TAKEN]
    write = write_for(result, 101)
    assert (write.action, write.id_property) == (Action.CREATE, KEY)


def test_incremental_run_reports_orphaned_links_but_not_unknown_keys() -> None:
    stray = contact("C8", **{KEY: "888"})
    links = links_of(link_to(item(999), "C9"))
    result = run([], partial_view(stray), links)
    assert result.orphaned == [Orphan(999, "C9", "no longer a synced channel or referrer")]


def test_incremental_run_with_a_complete_view_needs_no_lookups() -> None:
    result = run([item(101), item(102, email=ABSENT)], full_view())
    assert not result.lookups
    assert [w.action for w in result.writes] == [Action.CREATE, Action.CREATE]


# -- after writing, nothing left to do ------------------------------------------------------


def test_second_incremental_plan_after_writing_has_no_writes() -> None:
    lead = contact("L1", email="shared@example.com", lifecyclestage="lead", utm_source="x")
    hubspot = FakeHubSpot(lead)
    items = [
        item(101, email="Shared@example.com", createdAt="2024-01-01T00:00:00Z"),
        item(102, email="shared@example.com ", createdAt="2024-01-02T00:00:00Z"),
        item(103, email=ABSENT, referrerChannelId=7),
        item(104, yppStatus="Unverified"),
    ]
    first, _ = incremental(items, hubspot, {})
    assert len(first.writes) == 4  # lead 101, duplicate 102, keyed 103, referrer 7
    links = hubspot.apply(first)
    second = run(items, partial_view(), links)
    assert second.writes == []
    assert not second.lookups
    assert second.unchanged == 4
    # the channel changes: one write, only that channel looked up
    items[2] = item(103, email=ABSENT, referrerChannelId=7, title="New name")
    third, rounds = incremental(items, hubspot, links)
    assert rounds == 1
    assert [(w.target.gleev_id, w.properties) for w in third.writes] == [
        (103, {"channel_title": "New name"})
    ]
    links = hubspot.apply(third, links)
    assert run(items, partial_view(), links).writes == []


def test_links_confirmed_by_a_plan_make_the_next_incremental_run_quiet() -> None:
    hubspot = FakeHubSpot(on_contact("C1"))
    first, _ = incremental([item(101)], hubspot, {})
    assert first.writes == []
    assert first.confirmed == [link_to(item(101), "C1")]
    links = hubspot.apply(first)
    second = run([item(101)], partial_view(), links)
    assert (second.writes, bool(second.lookups), second.unchanged) == ([], False, 1)


# -- only -----------------------------------------------------------------------------------


def test_only_forces_a_comparison_of_a_trusted_channel() -> None:
    drifted = on_contact("C1", total_subscribers="7")
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C2"))
    view = full_view(drifted, on_contact("C2", gleev_id=102, channel_title="Drifted too"))
    result = run([item(101), item(102)], view, links, scope=frozenset({101}))
    write = write_for(result, 101)
    assert write.properties == {"total_subscribers": "1200"}
    assert write.reason == "drift repaired: total_subscribers"
    assert writes_for(result, 102) == []


def test_only_plans_just_those_channels() -> None:
    result = run([item(101), item(102), item(103)], full_view(), scope=frozenset({102}))
    assert [w.target.gleev_id for w in result.writes] == [102]


def test_only_asks_lookups_for_just_those_channels() -> None:
    links = links_of(link_to(item(101), "C1"))
    result = run([item(101), item(102)], partial_view(), links, scope=frozenset({101}))
    assert result.lookups == Lookups({"C1"}, set(), set())


def test_only_can_name_a_referrer() -> None:
    result = run([item(101, referrerChannelId=7)], full_view(), scope=frozenset({7}))
    assert [(w.target.gleev_id, w.target.role) for w in result.writes] == [(7, Role.REFERRER)]


def test_only_reports_just_its_own_orphans_and_duplicate_groups() -> None:
    items = [
        item(101, email="a@example.com"),
        item(102, email="a@example.com", createdAt="2025-01-01T00:00:00Z"),
        item(103, email="b@example.com"),
        item(104, email="b@example.com", createdAt="2025-01-01T00:00:00Z"),
    ]
    links = links_of(stale_link(998, "C8"), stale_link(999, "C9"))
    view = full_view(contact("X", **{KEY: "777"}))
    result = run(items, view, links, scope=frozenset({102, 999}))
    assert [(c.kind, c.gleev_ids) for c in result.conflicts] == [
        (ConflictKind.DUPLICATE_EMAIL, (101, 102))
    ]
    assert result.orphaned == [Orphan(999, "C9", "no longer a synced channel or referrer")]
    assert [(w.target.gleev_id, w.properties["hubsync_flag"]) for w in result.writes] == [
        (102, "duplicate-email-of:101")
    ]


def test_only_an_unknown_id_plans_nothing() -> None:
    result = run([item(101)], full_view(), scope=frozenset({424242}))
    assert (result.writes, result.conflicts, result.orphaned) == ([], [], [])


# -- property-style: random channel sets always converge ------------------------------------

STATUSES = [
    "Verified::Bronze",
    "Verified::Silver",
    "Verified::Gold",
    "Verified::Diamond",
    "Suspended::CopyrightBreach",
    "Suspended::UnsupportedTopic",
    "OptedOut",
    "Unverified",
    "Unverified",
    "Mystery::NewStatus",
]
DATES = [f"2024-0{m}-0{d}T0{h}:00:00.000Z" for m in (1, 2) for d in (1, 2) for h in (0, 5)]
CATEGORIES = ["4209603-2", "4209721-2", "1-2", ""]


def _decorate(rng: random.Random, email: str) -> str:
    """The same address as creators type it: any case, stray spaces."""
    if rng.random() < 0.3:
        email = email.upper()
    elif rng.random() < 0.3:
        email = email.capitalize()
    if rng.random() < 0.2:
        email = f"  {email}\t"
    return email


def random_items(rng: random.Random) -> list[dict[str, Any]]:
    count = rng.randint(0, 40)
    emails = [f"user{i}@example.com" for i in range(max(1, count // 3))]
    ids = rng.sample(range(1, 300), count)
    items: list[dict[str, Any]] = []
    for gleev_id in ids:
        overrides: dict[str, Any] = {}
        roll = rng.random()
        if roll < 0.1:
            overrides["email"] = ABSENT
        elif roll < 0.15:
            overrides["email"] = "not-an-email"
        else:
            overrides["email"] = _decorate(rng, rng.choice(emails))
        overrides["yppStatus"] = rng.choice(STATUSES)
        overrides["createdAt"] = rng.choice([*DATES, ABSENT])
        overrides["videoCategoryId"] = rng.choice(CATEGORIES)
        if rng.random() < 0.3:
            overrides["referrerChannelId"] = rng.choice([*ids, *range(900, 906)])
        if rng.random() < 0.2:
            overrides["statistics"] = ABSENT
        elif rng.random() < 0.3:
            overrides["statistics"] = {"subscriberCount": str(rng.randint(0, 10**6))}
        if rng.random() < 0.2:
            overrides["joystreamChannelId"] = str(gleev_id)
        if rng.random() < 0.05 and items:  # a second item claiming an earlier Gleev id
            overrides["joystreamChannelId"] = rng.choice(items)["joystreamChannelId"]
        if rng.random() < 0.05:
            overrides["joystreamChannelId"] = "broken"
        items.append(item(gleev_id, **overrides))
    rng.shuffle(items)
    return items


def random_leads(rng: random.Random) -> list[Contact]:
    """Marketing's leads, some with an e-mail a channel signs up with, one contact per e-mail."""
    addresses = rng.sample([f"user{i}@example.com" for i in range(20)], rng.randint(0, 10))
    return [
        contact(
            f"L{n}",
            email=_decorate(rng, address).strip(),
            lifecyclestage=rng.choice(["lead", "lead", "subscriber", "opportunity"]),
            hs_lead_status=rng.choice(["NEW", "ATTEMPTED_TO_CONTACT", "BAD_TIMING"]),
            utm_source=f"campaign-{n}",
            latest_action_comment="do not overwrite",
        )
        for n, address in enumerate(addresses)
    ]


def assert_writes_are_distinct(result: Plan, view: ContactView) -> None:
    """No two writes for one contact; no create lands on a contact that exists already."""
    updated = Counter(w.contact_id for w in result.updates)
    assert all(n == 1 for n in updated.values()), updated
    upsert_keys = Counter((w.id_property, w.id_value.lower()) for w in result.creates)
    assert all(n == 1 for n in upsert_keys.values()), upsert_keys
    for write in result.creates:
        assert write.id_value
        if write.id_property == "email":
            assert write.id_value not in view.by_email, write
        else:
            assert write.id_value not in view.by_key, write
    for write in result.writes:
        assert write.properties, write
    gleev_ids = Counter(w.target.gleev_id for w in result.writes)
    assert all(n == 1 for n in gleev_ids.values()), gleev_ids


def assert_converged(items: list[dict[str, Any]], hubspot: FakeHubSpot, policy: Any) -> None:
    first = full_run(items, hubspot.full_view(), duplicate_policy=policy)
    assert_writes_are_distinct(first, hubspot.full_view())
    links = hubspot.apply(first)

    again = full_run(items, hubspot.full_view(), links, duplicate_policy=policy)
    assert again.writes == []
    assert again.confirmed == []
    assert sorted(again.conflicts, key=repr) == sorted(first.conflicts, key=repr)

    quiet = run(items, partial_view(), links, duplicate_policy=policy)
    assert quiet.writes == []
    assert not quiet.lookups, quiet.lookups
    assert quiet.unchanged == len(links)

    known = run(items, hubspot.full_view(), links, duplicate_policy=policy)
    assert known.writes == []

    # every link is its own contact, and that contact carries the channel's Gleev id
    owners = Counter(link.contact_id for link in links.values())
    assert all(n == 1 for n in owners.values()), owners
    for gleev_id, link in links.items():
        assert hubspot.contacts[link.contact_id].get(KEY) == str(gleev_id)


@pytest.mark.parametrize("policy", [SEPARATE, HOLD])
def test_random_channel_sets_converge_from_an_empty_hubspot(policy: Any) -> None:
    for seed in range(60):
        rng = random.Random(seed)
        items = random_items(rng)
        hubspot = FakeHubSpot()
        try:
            assert_converged(items, hubspot, policy)
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}: {exc}") from exc
        # one e-mail, one contact: the portal's own rule holds after applying
        emails = Counter(
            (p.get("email") or "").lower() for p in hubspot.contacts.values() if p.get("email")
        )
        assert all(n == 1 for n in emails.values()), (seed, emails)


@pytest.mark.parametrize("policy", [SEPARATE, HOLD])
def test_random_channel_sets_converge_over_marketing_leads(policy: Any) -> None:
    for seed in range(60):
        rng = random.Random(1000 + seed)
        leads = random_leads(rng)
        items = random_items(rng)
        hubspot = FakeHubSpot(*leads)
        try:
            assert_converged(items, hubspot, policy)
        except AssertionError as exc:
            raise AssertionError(f"seed {1000 + seed}: {exc}") from exc
        for lead in leads:
            after = hubspot.contacts[lead.id]
            assert after["utm_source"] == lead.properties["utm_source"]
            assert after["latest_action_comment"] == "do not overwrite"
            assert (after.get("email") or "").lower() == lead.email


def test_random_incremental_runs_need_one_lookup_round_and_then_nothing() -> None:
    for seed in range(40):
        rng = random.Random(2000 + seed)
        items = random_items(rng)
        hubspot = FakeHubSpot(*random_leads(rng))
        first, rounds = incremental(items, hubspot, {})
        assert rounds <= 2, seed
        links = hubspot.apply(first)
        quiet = run(items, partial_view(), links)
        assert (quiet.writes, bool(quiet.lookups)) == ([], False), seed
        assert full_run(items, hubspot.full_view(), links).writes == [], seed


def evolve(rng: random.Random, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What happens between runs: renames, new e-mails, status changes, new sign-ups (some of
    them former referrers, some joining a duplicate group early), channels leaving."""
    items = [dict(i) for i in items]
    for changed in items:
        roll = rng.random()
        if roll < 0.1:
            changed["title"] = f"Renamed {rng.randint(0, 9)}"
        elif roll < 0.2:
            changed["email"] = _decorate(rng, f"user{rng.randint(0, 15)}@example.com")
        elif roll < 0.25:
            changed["yppStatus"] = rng.choice(STATUSES)
        elif roll < 0.28:
            changed.pop("email", None)
    referrers = sorted({i["referrerChannelId"] for i in items if "referrerChannelId" in i})
    for gleev_id in referrers[:2]:
        if isinstance(gleev_id, int) and gleev_id >= 900 and rng.random() < 0.5:
            items.append(item(gleev_id, email=f"user{rng.randint(0, 15)}@example.com"))
    for _ in range(rng.randint(0, 3)):
        email = _decorate(rng, f"user{rng.randint(0, 15)}@example.com")
        items.append(item(rng.randint(300, 400), email=email, createdAt=rng.choice(DATES)))
    if items and rng.random() < 0.2:
        items.pop(rng.randrange(len(items)))
    return items


def test_random_changes_between_runs_converge_without_unsafe_writes() -> None:
    """An e-mail moves to a channel only once the contact holding it has let go of it (HubSpot
    does not order a batch), so a chain of e-mail changes takes a full run per link of the
    chain; every run is safe on the way, and the runs reach a fixed point."""
    for seed in range(80):
        rng = random.Random(3000 + seed)
        policy = rng.choice([SEPARATE, HOLD])
        items = random_items(rng)
        hubspot = FakeHubSpot(*random_leads(rng))
        links = hubspot.apply(full_run(items, hubspot.full_view(), duplicate_policy=policy))
        for generation in range(3):
            where = f"seed {3000 + seed}, generation {generation}"
            items = evolve(rng, items)
            for _ in range(5):
                result = full_run(items, hubspot.full_view(), links, duplicate_policy=policy)
                assert_writes_are_distinct(result, hubspot.full_view())
                if not result.writes:
                    break
                links = hubspot.apply(result, links)
            assert result.writes == [], where
            links = hubspot.apply(result, links)  # the confirmed links
            quiet = run(items, partial_view(), links, duplicate_policy=policy)
            assert quiet.writes == [], where
            after_lookups, _ = incremental(items, hubspot, links, duplicate_policy=policy)
            assert after_lookups.writes == [], where
            emails = Counter(
                (p.get("email") or "").lower() for p in hubspot.contacts.values() if p.get("email")
            )
            assert all(n == 1 for n in emails.values()), where
            owners = Counter(link.contact_id for link in links.values())
            assert all(n == 1 for n in owners.values()), where
            for gleev_id, link in links.items():
                assert hubspot.contacts[link.contact_id].get(KEY) == str(gleev_id), where


def test_a_later_round_plans_only_what_the_first_did_not_trust() -> None:
    items = [item(101), item(102, title="Renamed"), item(103, referrerChannelId=7)]
    links = links_of(link_to(item(101), "C1"), link_to(item(102), "C2"), referrer_link(7, "R7"))
    first = run(items, partial_view(), links)
    assert first.unchanged_by_hash == {101, 7}
    view = partial_view()
    look_up(view, first.lookups, FakeHubSpot())

    again = run(items, view, links)
    trusting = run(items, view, links, unchanged_by_hash=frozenset(first.unchanged_by_hash))

    assert trusting.unchanged_by_hash == again.unchanged_by_hash == {101, 7}
    assert (trusting.writes, trusting.unchanged, trusting.lookups, trusting.conflicts) == (
        again.writes,
        again.unchanged,
        again.lookups,
        again.conflicts,
    )
    assert trusting.flagged == again.flagged


def test_a_trusted_channel_is_not_looked_at_again_in_the_same_run() -> None:
    links = links_of(link_to(item(101), "C1"))
    result = run(
        [item(101, title="Changed meanwhile")],
        partial_view(),
        links,
        unchanged_by_hash=frozenset({101}),
    )
    assert (result.unchanged, result.writes, bool(result.lookups)) == (1, [], False)
