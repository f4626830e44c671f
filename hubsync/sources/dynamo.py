"""Reads the YPP channels table: only the attributes hubsync needs, never the creators' tokens."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeDeserializer
from botocore.client import BaseClient

from hubsync.aws import translate_aws_errors

# Exactly the attributes hubsync reads. Everything else (OAuth tokens, description,
# thumbnails, ...) is never requested, so it never leaves DynamoDB.
READ_ATTRIBUTES: tuple[str, ...] = (
    "id",
    "userId",
    "email",
    "joystreamChannelId",
    "referrerChannelId",
    "title",
    "customUrl",
    "statistics",
    "yppStatus",
    "videoCategoryId",
    "publishedAt",
    "createdAt",
    "updatedAt",
    "processedAt",
)

_DESERIALIZER = TypeDeserializer()


class SourceError(Exception):
    """The channels table cannot be read; the message says which table, where, and what to do."""


class _SegmentDone:
    """Marks the end of one parallel scan segment in the page queue."""


class ChannelTable:
    def __init__(
        self, client: BaseClient, table_name: str, *, page_size: int | None = None
    ) -> None:
        self._client = client
        self._table_name = table_name
        self._page_size = page_size  # None: DynamoDB's own 1 MB pages

    def scan(self, segments: int = 1) -> Iterator[dict[str, Any]]:
        """Every item as plain Python, in no particular order; segments > 1 scans in parallel."""
        if segments < 1:
            raise ValueError("segments must be at least 1")
        if segments == 1:
            return self._scan_segment(None)
        return self._scan_parallel(segments)

    def _scan_segment(self, segment: tuple[int, int] | None) -> Iterator[dict[str, Any]]:
        for page in self._pages(segment):
            yield from page

    def _scan_parallel(self, segments: int) -> Iterator[dict[str, Any]]:
        pages: queue.SimpleQueue[list[dict[str, Any]] | _SegmentDone | Exception] = (
            queue.SimpleQueue()
        )
        stop = threading.Event()

        def read_segment(segment: int) -> None:
            try:
                for page in self._pages((segment, segments)):
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

    def _pages(self, segment: tuple[int, int] | None) -> Iterator[list[dict[str, Any]]]:
        request = self._scan_request(segment)
        with translate_aws_errors(SourceError, self._missing_table_message()):
            while True:
                response = self._client.scan(**request)
                yield [_to_python(item) for item in response.get("Items", [])]
                last_key = response.get("LastEvaluatedKey")
                if not last_key:
                    return
                request["ExclusiveStartKey"] = last_key

    def _scan_request(self, segment: tuple[int, int] | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "TableName": self._table_name,
            "ProjectionExpression": ", ".join(f"#{name}" for name in READ_ATTRIBUTES),
            "ExpressionAttributeNames": {f"#{name}": name for name in READ_ATTRIBUTES},
        }
        if self._page_size is not None:
            request["Limit"] = self._page_size
        if segment is not None:
            request["Segment"], request["TotalSegments"] = segment
        return request

    def _missing_table_message(self) -> str:
        meta = self._client.meta
        where = meta.endpoint_url if _is_custom_endpoint(meta.endpoint_url) else "AWS"
        return (
            f"channels table '{self._table_name}' not found at {where} "
            f"(region {meta.region_name}): check HUBSYNC_CHANNELS_TABLE (production has no "
            "prefix, other environments use e.g. dev_channels), AWS_REGION and "
            "HUBSYNC_DYNAMO_ENDPOINT_URL"
        )


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
        return value.value
    return value


def _is_custom_endpoint(url: str) -> bool:
    return not url.endswith(".amazonaws.com")
