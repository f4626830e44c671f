"""The run's links, in memory and in the state table, kept in step by one owner."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from hubsync.domain.links import Link
from hubsync.ports import RunState


class LinkBook:
    """Every change to a link goes through here: the state table is written first, then the
    run's own copy, so what the run plans with is never ahead of what the next run loads."""

    def __init__(self, state: RunState, links: Mapping[int, Link]) -> None:
        self._state = state
        self._links = dict(links)

    @property
    def links(self) -> Mapping[int, Link]:
        return self._links

    def get(self, gleev_id: int) -> Link | None:
        return self._links.get(gleev_id)

    def confirm(self, links: Iterable[Link]) -> None:
        """Remember what HubSpot confirmed (or a plan found already true)."""
        confirmed = list(links)
        self._state.save_links(confirmed)
        self._links.update((link.gleev_id, link) for link in confirmed)

    def mark_gone(self, gleev_ids: Iterable[int]) -> None:
        """The linked contacts are deleted in HubSpot: keep each link with its old contact id
        (the next run recreates the contact and reports which one it replaces) but no hash,
        so that the next run plans the channel again whatever changed."""
        gone = [replace(link, pushed_hash="") for g in gleev_ids if (link := self._links.get(g))]
        self.confirm(gone)
