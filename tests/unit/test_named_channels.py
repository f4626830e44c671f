"""`--channel`: what an argument names, which items it resolves to, and why one is refused."""

from __future__ import annotations

import pytest

from hubsync.domain.identity import UnknownChannelError, channel_ref, gleev_id_of, resolve_channels
from hubsync.domain.plan import ConflictKind
from tests.unit.factories import (
    ABSENT,
    KEY,
    contact,
    links_of,
    partial_view,
    run,
    stale_link,
    write_for,
    youtube_id,
)
from tests.unit.factories import channel_item as item


def test_an_argument_is_trimmed_and_digits_name_a_gleev_id() -> None:
    assert channel_ref("  UCabc ") == "UCabc"
    assert gleev_id_of(channel_ref(" 0123 ")) == 123
    assert gleev_id_of("UC0000000000000000000101") is None
    assert gleev_id_of("١٢٣") is None  # digits, but not the ASCII ones a Gleev id is written in


@pytest.mark.parametrize("empty", ["", " ", "\t\n"])
def test_an_empty_argument_is_refused(empty: str) -> None:
    with pytest.raises(UnknownChannelError, match="not an empty value"):
        channel_ref(empty)


def test_a_channel_is_named_by_youtube_id_or_gleev_id() -> None:
    items = [item(101), item(102)]
    assert resolve_channels([youtube_id(101), "102"], items) == {youtube_id(101): 101, "102": 102}


def test_a_referrer_is_named_by_its_gleev_id() -> None:
    assert resolve_channels(["7"], [item(101, referrerChannelId=7)]) == {"7": 7}


def test_an_unknown_channel_says_which_kind_of_id_matched_nothing() -> None:
    with pytest.raises(UnknownChannelError) as refused:
        resolve_channels(["UCnope", "424242"], [item(101)])
    message = str(refused.value)
    assert "no channel with YouTube id UCnope in the channels table" in message
    assert "no channel with Gleev id 424242 in the channels table" in message


def test_a_rejected_item_named_by_youtube_id_says_it_is_rejected_and_why() -> None:
    bad = item(101, yppStatus=ABSENT)

    with pytest.raises(UnknownChannelError) as refused:
        resolve_channels([youtube_id(101)], [bad])

    assert f"channel {youtube_id(101)} is rejected: yppStatus is missing" in str(refused.value)
    assert "not in the channels table" not in str(refused.value)


def test_a_rejected_item_named_by_gleev_id_says_it_is_rejected_and_why() -> None:
    bad = item(101, yppStatus="Pending")

    with pytest.raises(UnknownChannelError, match="channel 101 is rejected: yppStatus "):
        resolve_channels(["101"], [bad])


def test_the_later_item_of_a_duplicate_gleev_id_is_rejected_by_its_youtube_id() -> None:
    first = item(101, createdAt="2024-01-01T00:00:00Z")
    later = item(101, id="UClater", userId="someone-else", createdAt="2024-06-01T00:00:00Z")

    assert resolve_channels(["101"], [first, later]) == {"101": 101}
    with pytest.raises(UnknownChannelError) as refused:
        resolve_channels(["UClater"], [first, later])
    reason = f"joystreamChannelId 101 is already used by {first['id']}"
    assert f"channel UClater is rejected: {reason}" in str(refused.value)


def test_a_gleev_id_with_a_valid_item_is_not_refused_for_another_rejected_item() -> None:
    items = [item(101), item(101, id="UCbroken", userId="u2", yppStatus=ABSENT)]
    assert resolve_channels(["101"], items) == {"101": 101}


def test_one_channel_never_takes_the_email_contact_of_a_channel_it_does_not_see() -> None:
    # A run of channel 102 alone reads only 102's items: it cannot see that 101 signed up
    # with the same e-mail, but 101's contact tells it the e-mail is taken.
    shared = "shared@example.com"
    holder = contact("C1", email=shared, lifecyclestage="customer", **{KEY: "101"})
    links = links_of(stale_link(101, "C1"))
    view = partial_view(holder)
    view.record_lookups({"C1"}, {shared}, {"101", "102"})

    result = run([item(102, email=shared)], view, links, scope=frozenset({102}))

    write = write_for(result, 102)
    assert write.properties.get("email") is None
    assert write.properties["hubsync_flag"] == "email-on-contact:C1"
    assert write.contact_id is None and write.id_property == KEY
    assert [(c.kind, c.contact_ids) for c in result.conflicts] == [
        (ConflictKind.EMAIL_TAKEN, ("C1",))
    ]
