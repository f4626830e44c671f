"""Reads the YPP channels table: only the attributes hubsync needs, never the creators' tokens."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.types import Binary, TypeDeserializer

from hubsync.aws import translate_aws_errors
from hubsync.domain.properties import CONTACT_PROPERTIES

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Exactly the attributes hubsync reads (declared with the properties they feed). Everything
# else (OAuth tokens, description, thumbnails, ...) is never requested, so it never leaves
# DynamoDB.
READ_ATTRIBUTES: tuple[str, ...] = CONTACT_PROPERTIES.read_attributes()

# Production's global secondary indexes of the channels table (its key is userId + id).
GLEEV_ID_INDEX = "joystreamChannelId-createdAt-index"
REFERRER_INDEX = "referrerChannelId-index"

_MAX_IN_VALUES = 100  # DynamoDB's limit on the values of one IN in a filter expression

_DESERIALIZER = TypeDeserializer()


class SourceError(Exception):
    """The channels table cannot be read; the message says which table, where, and what to do."""


class _SegmentDone:
    """Marks the end of one parallel scan segment in the page queue."""


class ChannelTable:
    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        page_size: int | None = None,
        attributes: tuple[str, ...] = READ_ATTRIBUTES,
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._page_size = page_size  # None: DynamoDB's own 1 MB pages
        self._attributes = attributes

    def scan(
        self, segments: int = 1, youtube_ids: Collection[str] = ()
    ) -> Iterator[dict[str, Any]]:
        """Every item as plain Python, in no particular order; segments > 1 scans in parallel.
        With youtube_ids, only the items with those ids come back (the whole table is still
        read: DynamoDB filters after reading)."""
        if segments < 1:
            raise ValueError("segments must be at least 1")
        request = self._request(_youtube_id_filter(youtube_ids))
        if segments == 1:
            return self._items(self._client.scan, request)
        return self._scan_parallel(request, segments)

    def items_of(
        self, gleev_ids: Collection[int], youtube_ids: Collection[str], segments: int = 1
    ) -> list[dict[str, Any]]:
        """The items of just these channels, for a run of named channels: each Gleev id's
        items and the items of the channels it referred, by query on their indexes. A YouTube
        id has no index of its own (the key is userId + id), so YouTube ids are found by one
        filtered scan; their Gleev ids are then queried like the others."""
        found: list[dict[str, Any]] = []
        ordered = sorted(youtube_ids)
        for start in range(0, len(ordered), _MAX_IN_VALUES):
            found += self.scan(segments, ordered[start : start + _MAX_IN_VALUES])
        of_youtube_ids = {n for item in found if (n := _gleev_id(item)) is not None}
        for gleev_id in sorted({*gleev_ids, *of_youtube_ids}):
            found += self._query(GLEEV_ID_INDEX, "joystreamChannelId", gleev_id)
            found += self._query(REFERRER_INDEX, "referrerChannelId", gleev_id)
        unique = {(item.get("userId"), item.get("id")): item for item in found}
        return list(unique.values())

    def _query(self, index: str, attribute: str, value: int) -> Iterator[dict[str, Any]]:
        request = self._request(
            {
                "IndexName": index,
                "KeyConditionExpression": "#key = :key",
                "ExpressionAttributeNames": {"#key": attribute},
                "ExpressionAttributeValues": {":key": {"N": str(value)}},
            }
        )
        return self._items(self._client.query, request)

    def _items(self, call: Callable[..., Any], request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        for page in self._pages(call, request):
            yield from page

    def _scan_parallel(self, request: dict[str, Any], segments: int) -> Iterator[dict[str, Any]]:
        pages: queue.SimpleQueue[list[dict[str, Any]] | _SegmentDone | Exception] = (
            queue.SimpleQueue()
        )
        stop = threading.Event()

        def read_segment(segment: int) -> None:
            try:
                part = {**request, "Segment": segment, "TotalSegments": segments}
                for page in self._pages(self._client.scan, part):
                    if stop.is_set():
                        return
                    pages.put(page)
            except Exception as exc:  # handed to the consuming thread, raised there
                pages.put(exc)
            finally:
                pages.put(_SegmentDone())

        with ThreadPoolExecutor(max_workers=segments, thread_name_prefix="channels-scan") as pool:
            for segment in range(segments):
                pool.submit(read_segment, segment)
            try:
                yield from _drain(pages, segments)
            finally:
                stop.set()  # lets the other segments end after their current page

    def _pages(
        self, call: Callable[..., Any], request: dict[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        request = dict(request)
        missing = self._missing_table_message(request.get("IndexName"))
        with translate_aws_errors(SourceError, missing):
            while True:
                response = call(**request)
                yield [_to_python(item) for item in response.get("Items", [])]
                last_key = response.get("LastEvaluatedKey")
                if not last_key:
                    return
                request["ExclusiveStartKey"] = last_key

    def _request(self, extra: dict[str, Any]) -> dict[str, Any]:
        """A Scan or Query that projects exactly the attributes hubsync reads, merged with
        `extra`. Select is DynamoDB's default with a projection, but the least-privilege IAM
        policy (iam_policy.py) allows reads that say so explicitly only."""
        names = {f"#{name}": name for name in self._attributes}
        request: dict[str, Any] = {
            **extra,
            "TableName": self._table_name,
            "Select": "SPECIFIC_ATTRIBUTES",
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": {**names, **extra.get("ExpressionAttributeNames", {})},
        }
        if self._page_size is not None:
            request["Limit"] = self._page_size
        return request

    def _missing_table_message(self, index: str | None = None) -> str:
        meta = self._client.meta
        where = meta.endpoint_url if _is_custom_endpoint(meta.endpoint_url) else "AWS"
        table = f"channels table '{self._table_name}'"
        if index:
            table += f" or its index '{index}' (which --channel reads)"
        return (
            f"{table} not found at {where} "
            f"(region {meta.region_name}): check HUBSYNC_CHANNELS_TABLE (production has no "
            "prefix, other environments use e.g. dev_channels), AWS_REGION and "
            "HUBSYNC_DYNAMO_ENDPOINT_URL"
        )


def _youtube_id_filter(youtube_ids: Collection[str]) -> dict[str, Any]:
    if not youtube_ids:
        return {}
    values = {f":youtube{n}": {"S": value} for n, value in enumerate(sorted(youtube_ids))}
    return {
        "FilterExpression": f"#id IN ({', '.join(values)})",
        "ExpressionAttributeValues": values,
    }


def _gleev_id(item: dict[str, Any]) -> int | None:
    value = item.get("joystreamChannelId")
    return value if type(value) is int else None


def _to_python(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB-typed item as plain Python: numbers become int when integral, else float."""
    return {name: _plain(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def _drain(
    pages: queue.SimpleQueue[list[dict[str, Any]] | _SegmentDone | Exception], segments: int
) -> Iterator[dict[str, Any]]:
    running = segments
    while running:
        message = pages.get()
        if isinstance(message, _SegmentDone):
            running -= 1
        elif isinstance(message, Exception):
            raise message
        else:
            yield from message


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if isinstance(value, set):
        return {_plain(inner) for inner in value}
    if isinstance(value, Binary):
        return value.value  # type: ignore[attr-defined]  # boto3's stubs leave out .value
    return value


def _is_custom_endpoint(url: str) -> bool:
    return not url.endswith(".amazonaws.com")
