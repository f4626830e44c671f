"""The engine's handling of a batch HubSpot refuses whole: halve until the bad input is alone."""

from __future__ import annotations

from hubsync.domain.links import Role
from hubsync.domain.plan import Action, Write
from hubsync.engine import send_isolating_refusals
from hubsync.hubspot.gateway import WriteInput, WriteOutcome
from tests.unit.factories import KEY, channel, customer_target

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
