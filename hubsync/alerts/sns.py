"""Alerts to an AWS SNS topic. The client honours boto3's standard settings, endpoint
included (`AWS_ENDPOINT_URL_SNS`), so a local stand-in can receive them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

from hubsync.domain.alert import Alert

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

_SUBJECT_CHARS = 100  # SNS's limit; printable ASCII only, no line breaks


class SnsSink:
    name = "sns"

    def __init__(self, topic_arn: str, timeout_s: float) -> None:
        self._topic_arn = topic_arn
        session = boto3.session.Session()
        # The topic's ARN names its region; the environment's region is the fallback.
        region = _arn_region(topic_arn) or session.region_name or os.environ.get("AWS_REGION")
        config = Config(
            connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 1}
        )
        self._client: SNSClient = session.client("sns", region_name=region, config=config)

    def send(self, alert: Alert) -> None:
        self._client.publish(
            TopicArn=self._topic_arn,
            Subject=_subject(alert.title),
            Message=alert.text,
            MessageAttributes={
                "idempotency_key": {"DataType": "String", "StringValue": alert.key},
                "topic": {"DataType": "String", "StringValue": alert.topic},
            },
        )


def _arn_region(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _subject(title: str) -> str:
    ascii_only = "".join(c if " " <= c <= "~" else "?" for c in title)
    return ascii_only[:_SUBJECT_CHARS]
