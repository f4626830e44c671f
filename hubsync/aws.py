"""DynamoDB clients, error messages an operator can act on, and batch writes that finish."""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConfigParseError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    InvalidRegionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSLError,
)

from hubsync.settings import ConfigError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_BATCH_WRITE_LIMIT = 25  # DynamoDB's maximum number of requests in one BatchWriteItem

CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
CREDENTIAL_ERRORS = (NoCredentialsError, PartialCredentialsError, CredentialRetrievalError)
# Mistakes in the AWS configuration (environment, profile files): exit 2, like hubsync's own.
CONFIG_ERRORS = (
    *CREDENTIAL_ERRORS,
    NoRegionError,
    ProfileNotFound,
    InvalidRegionError,
    ConfigParseError,
)

NO_REGION_MESSAGE = (
    "no AWS region configured: set AWS_REGION or AWS_DEFAULT_REGION "
    "(or a region in the AWS profile)"
)
NO_CREDENTIALS_MESSAGE = (
    "no usable AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or AWS_PROFILE, or run with an IAM role"
)

_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=64,  # one per parallel scan segment (HUBSYNC_SCAN_SEGMENTS <= 64)
)

# Secret access keys are 40 characters of base64; session tokens are longer runs of it.
_SECRET_LIKE = re.compile(r"[A-Za-z0-9/+=]{40,}")
_MAX_MESSAGE_CHARS = 300

_HINTS = {
    "AccessDeniedException": "check the IAM policy of the role hubsync runs as",
    "UnrecognizedClientException": "check the AWS credentials",
    "InvalidSignatureException": "check the AWS credentials",
    "ExpiredTokenException": "the AWS session token has expired: refresh the credentials",
    "ResourceNotFoundException": "check the table name and the AWS region",
    "ProvisionedThroughputExceededException": "DynamoDB is throttling: retry later",
    "ThrottlingException": "DynamoDB is throttling: retry later",
}


class UnprocessedItemsError(Exception):
    """DynamoDB kept returning some batch writes as unprocessed until the attempts ran out."""

    def __init__(self, table: str, remaining: int, attempts: int) -> None:
        super().__init__(
            f"{remaining} writes to table '{table}' were still unprocessed after {attempts} "
            "attempts: DynamoDB is throttling, retry later or raise the table's capacity"
        )


def dynamodb_client(endpoint_url: str | None) -> DynamoDBClient:
    """A DynamoDB client; region and credentials come from the standard AWS environment."""
    _check_credential_variables()
    try:
        session = boto3.session.Session()
        # botocore reads AWS_DEFAULT_REGION and the profile, not AWS_REGION (set by ECS and
        # Lambda, read by the other AWS SDKs).
        region = session.region_name or os.environ.get("AWS_REGION")
        if not region:
            raise ConfigError(NO_REGION_MESSAGE)
        return session.client(
            "dynamodb", region_name=region, endpoint_url=endpoint_url, config=_CLIENT_CONFIG
        )
    except CONFIG_ERRORS as exc:
        raise ConfigError(describe_aws_error(exc)) from None


def _check_credential_variables() -> None:
    """botocore signs with these as they are: a line break copied with a key would fail every
    request, as a signature mismatch that does not say why."""
    for name in CREDENTIAL_VARIABLES:
        if any(character.isspace() for character in os.environ.get(name, "")):
            raise ConfigError(
                f"{name} contains a space or a line break (the value is not shown): remove it"
            )


def describe_aws_error(exc: BaseException) -> str:
    """One line saying what went wrong and what to do; never contains secrets."""
    return _redact(_describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PartialCredentialsError):
        return (
            f"incomplete AWS credentials in {exc.kwargs.get('provider')}: "
            f"{exc.kwargs.get('cred_var')} is missing"
        )
    if isinstance(exc, CREDENTIAL_ERRORS):
        return NO_CREDENTIALS_MESSAGE
    if isinstance(exc, NoRegionError):
        return NO_REGION_MESSAGE
    if isinstance(exc, ProfileNotFound):
        return (
            f"AWS profile '{exc.kwargs.get('profile')}' (AWS_PROFILE) is in no AWS config or "
            "credentials file: correct AWS_PROFILE, or unset it"
        )
    if isinstance(exc, InvalidRegionError):
        return (
            f"'{exc.kwargs.get('region_name')}' is not an AWS region name (like eu-west-1): "
            "check AWS_REGION, AWS_DEFAULT_REGION and the AWS profile's region"
        )
    if isinstance(exc, ConfigParseError):
        return f"cannot parse the AWS config file {exc.kwargs.get('path')}: correct it"
    if isinstance(exc, SSLError):
        return _describe_tls_error(exc)
    if isinstance(exc, EndpointConnectionError):
        endpoint = exc.kwargs.get("endpoint_url", "?")
        return (
            f"cannot connect to {endpoint}: check HUBSYNC_DYNAMO_ENDPOINT_URL, "
            "the AWS region and the network"
        )
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError):
        return f"DynamoDB did not answer in time ({exc}): check the network, then retry"
    if isinstance(exc, ClientError):
        return _describe_client_error(exc)
    if isinstance(exc, BotoCoreError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def error_code(exc: BaseException) -> str | None:
    if not isinstance(exc, ClientError):
        return None
    return exc.response.get("Error", {}).get("Code")


@contextmanager
def translate_aws_errors(error_type: type[Exception], missing_table_message: str) -> Iterator[None]:
    """Turn AWS failures into `error_type` (or ConfigError for the AWS configuration: the
    credentials, the profile, the region) with a clear line."""
    try:
        yield
    except CONFIG_ERRORS as exc:
        raise ConfigError(describe_aws_error(exc)) from exc
    except ClientError as exc:
        if error_code(exc) == "ResourceNotFoundException":
            raise error_type(missing_table_message) from exc
        raise error_type(describe_aws_error(exc)) from exc
    except BotoCoreError as exc:
        raise error_type(describe_aws_error(exc)) from exc


def write_batches(
    client: DynamoDBClient,
    table: str,
    requests: Iterable[Mapping[str, Any]],
    *,
    attempts: int = 10,
    base_delay_s: float = 0.05,
) -> None:
    """BatchWriteItem `requests` (PutRequest/DeleteRequest) 25 at a time, resending the
    UnprocessedItems with exponential backoff until all are written.

    Raises UnprocessedItemsError when a batch still has unprocessed items after `attempts`.
    A batch must not hold two requests for the same key (DynamoDB rejects it).
    """
    iterator = iter(requests)
    while chunk := list(islice(iterator, _BATCH_WRITE_LIMIT)):
        _write_one_batch(client, table, chunk, attempts=attempts, base_delay_s=base_delay_s)


def _write_one_batch(
    client: DynamoDBClient,
    table: str,
    chunk: list[Mapping[str, Any]],
    *,
    attempts: int,
    base_delay_s: float,
) -> None:
    pending: Sequence[Any] = chunk
    for attempt in range(attempts):
        if attempt:
            # Full jitter, capped: spreads retries of parallel writers under throttling.
            time.sleep(random.uniform(0, min(2.0, base_delay_s * 2**attempt)))
        response = client.batch_write_item(RequestItems={table: pending})
        pending = response.get("UnprocessedItems", {}).get(table, [])
        if not pending:
            return
    raise UnprocessedItemsError(table, len(pending), attempts)


def _describe_client_error(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    code = error.get("Code", "UnknownError")
    message = error.get("Message")
    line = (
        f"{exc.operation_name} failed: {code}: {message}"
        if message
        else f"{exc.operation_name} failed: {code}"
    )
    hint = _HINTS.get(code)
    return f"{line} ({hint})" if hint else line


def _describe_tls_error(exc: SSLError) -> str:
    endpoint = str(exc.kwargs.get("endpoint_url", "?"))
    failure = f"TLS handshake with {endpoint} failed ({exc.kwargs.get('error')})"
    if (urlsplit(endpoint).hostname or "").endswith(".amazonaws.com"):
        return f"{failure}: check the network's proxy and CA certificates (AWS_CA_BUNDLE)"
    return (
        f"{failure}: check HUBSYNC_DYNAMO_ENDPOINT_URL; a local DynamoDB (moto, DynamoDB "
        "Local) speaks plain HTTP and needs http://, not https://"
    )


def _redact(text: str) -> str:
    one_line = " ".join(text.split())
    redacted = _SECRET_LIKE.sub("[redacted]", one_line)
    if len(redacted) > _MAX_MESSAGE_CHARS:
        return redacted[: _MAX_MESSAGE_CHARS - 3] + "..."
    return redacted
