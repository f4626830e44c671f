"""What the engine needs from the outside world, and nothing more.

The engine is written against these protocols, not against DynamoDB or HubSpot's SDK: the
adapters (`ChannelTable`, `HubSpotGateway`, `StateStore`) satisfy them in production, and
small in-memory stand-ins satisfy them in tests, so every branch of a run can be exercised
without a network.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from hubsync.domain.contact import Contact
from hubsync.domain.links import Link
from hubsync.hubspot.gateway import WriteInput, WriteOutcome

if TYPE_CHECKING:
    from hubsync.result import RunRecord


class ChannelSource(Protocol):
    """The YPP channels table: raw items, as plain Python values."""

    def scan(self, segments: int = 1) -> Iterator[dict[str, Any]]: ...

    def items_of(
        self, gleev_ids: Collection[int], youtube_ids: Collection[str], segments: int = 1
    ) -> list[dict[str, Any]]: ...


class ContactGateway(Protocol):
    """HubSpot's contacts and property definitions. Writes answer one outcome per input and
    raise only when HubSpot cannot be used at all; `calls` and `retries` count HTTP attempts
    by endpoint."""

    @property
    def calls(self) -> Mapping[str, int]: ...

    @property
    def retries(self) -> Mapping[str, int]: ...

    def list_properties(self) -> list[dict[str, Any]]: ...

    def list_contacts(self, properties: Sequence[str]) -> Iterator[Contact]: ...

    def read_contacts(
        self, ids: Sequence[str], properties: Sequence[str], id_property: str | None = None
    ) -> list[Contact]: ...

    def upsert(self, id_property: str, inputs: Sequence[WriteInput]) -> list[WriteOutcome]: ...

    def count_marketing_contacts(self, *, leaving: bool = False) -> int: ...

    def update(self, inputs: Sequence[WriteInput]) -> list[WriteOutcome]: ...


class RunState(Protocol):
    """hubsync's own memory: the links to contacts and the last run's record."""

    def ensure_table(self, create: bool, *, dry_run: bool = False) -> None: ...

    def load_links(self) -> dict[int, Link]: ...

    def save_links(self, links: Iterable[Link]) -> None: ...

    def save_run(self, record: RunRecord) -> None: ...


class WriteHalted(Exception):
    """A write guard's refusal: the run stops before its next batch and ends as `outcome`."""

    outcome = "halted"


class LeaseLost(WriteHalted):
    """Another replica holds the lease now (or it could not be renewed in time): writing on
    would mean two writers."""

    outcome = "lease-lost"


class ShuttingDown(WriteHalted):
    """SIGTERM or SIGINT: the batch in flight finished, no new one starts."""

    outcome = "stopped"


class WriteGuard(Protocol):
    """Asked before every write batch; raises a `WriteHalted` when the run must stop writing."""

    def check(self) -> None: ...


class BatchProgress(Protocol):
    """Told after every write batch: writes sent so far, of those planned."""

    def advance(self, sent: int, planned: int) -> None: ...


class AlwaysAllow:
    """The guard of a run that nothing else can interrupt."""

    def check(self) -> None:
        return None


class NoProgress:
    """The progress of a run that nobody watches."""

    def advance(self, sent: int, planned: int) -> None:
        return None
