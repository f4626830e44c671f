"""The engine's handling of a batch HubSpot refuses whole: halve until the bad input is alone."""

from __future__ import annotations

from collections.abc import Callable

from hubsync.domain.links import Role
from hubsync.domain.plan import Action, Write
from hubsync.domain.target import customer_target
from hubsync.engine import Sender, send_isolating_refusals
from hubsync.hubspot.gateway import WriteInput, WriteOutcome
from tests.unit.factories import KEY, channel

POISON = "1013"


def writes(count: int) -> list[Write]:
    return [
        Write(
            customer_target(channel(1000 + n), KEY, Role.CUSTOMER),
            Action.CREATE,
            "new",
            id_property=KEY,
        )
        for n in range(count)
    ]


def test_a_batch_refused_for_one_input_is_halved_until_it_stands_alone() -> None:
    sent: list[list[str]] = []

    def send(inputs: list[WriteInput]) -> list[WriteOutcome]:
        ids = [i.trace_id for i in inputs]
        sent.append(ids)
        if POISON in ids:  # HubSpot refuses the whole batch for this one input's sake
            return [
                WriteOutcome(i, ok=False, error_category="VALIDATION_ERROR", batch_rejected=True)
                for i in ids
            ]
        return [WriteOutcome(i, ok=True, contact_id=f"c{i}", created=True) for i in ids]

    outcomes = send_isolating_refusals(send, writes(40))

    assert [t for t, o in outcomes.items() if not o.ok] == [POISON]
    assert sum(o.ok for o in outcomes.values()) == 39
    assert [POISON] in sent
    assert len(sent) <= 1 + 2 * 6  # about two calls per halving of 40


def test_a_single_refused_input_among_good_ones_is_sent_again_alone() -> None:
    calls: list[list[str]] = []

    def send(inputs: list[WriteInput]) -> list[WriteOutcome]:
        ids = [i.trace_id for i in inputs]
        calls.append(ids)
        if len(calls) == 1:  # the first answer blames the batch, and leaves 1001 unconfirmed
            return [
                WriteOutcome("1000", ok=False, error_category="VALIDATION_ERROR"),
                WriteOutcome("1001", ok=False, batch_rejected=True),
            ]
        return [WriteOutcome(i, ok=True, contact_id=f"c{i}") for i in ids]

    outcomes = send_isolating_refusals(send, writes(2))

    assert calls == [["1000", "1001"], ["1001"]]
    assert outcomes["1001"].ok and not outcomes["1000"].ok


def refusing(poisons: set[str], message: Callable[[str], str]) -> tuple[Sender, list[list[str]]]:
    """HubSpot's whole-batch refusal: the first bad input is named, nothing is written."""
    sent: list[list[str]] = []

    def send(inputs: list[WriteInput]) -> list[WriteOutcome]:
        ids = [i.trace_id for i in inputs]
        sent.append(ids)
        bad = next((i for i in ids if i in poisons), None)
        if bad is None:
            return [WriteOutcome(i, ok=True, contact_id=f"c{i}", created=True) for i in ids]
        return [
            WriteOutcome(
                i,
                ok=False,
                error_category="VALIDATION_ERROR",
                error_message=message(bad),
                batch_rejected=i != bad,
            )
            for i in ids
        ]

    return send, sent


def test_a_named_culprit_is_left_out_and_the_rest_resent_at_once() -> None:
    send, sent = refusing({POISON}, lambda bad: f"Email address of {bad} is invalid")

    outcomes = send_isolating_refusals(send, writes(100))

    assert len(sent) == 2  # within the 1 + 2 * ceil(log2(100)) = 15 calls halving would allow
    assert POISON not in sent[1]
    assert [t for t, o in outcomes.items() if not o.ok] == [POISON]
    assert sum(o.ok for o in outcomes.values()) == 99


def test_several_named_culprits_cost_one_call_each() -> None:
    poisons = {"1003", "1050", "1099"}
    send, sent = refusing(poisons, lambda bad: f"Email address of {bad} is invalid")

    outcomes = send_isolating_refusals(send, writes(100))

    assert len(sent) == 4
    assert {t for t, o in outcomes.items() if not o.ok} == poisons


def test_a_refusal_every_input_shares_fails_the_batch_in_two_calls() -> None:
    everyone = {str(1000 + n) for n in range(100)}
    send, sent = refusing(everyone, lambda _: 'hs_lead_status INVALID_OPTION "CONNECTED"')

    outcomes = send_isolating_refusals(send, writes(100))

    assert len(sent) == 2
    assert len(outcomes) == 100
    assert {o.error_message for o in outcomes.values()} == {
        'hs_lead_status INVALID_OPTION "CONNECTED"'
    }
    assert not any(o.ok or o.batch_rejected for o in outcomes.values())
