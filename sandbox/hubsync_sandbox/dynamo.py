"""A local DynamoDB (moto's server on loopback) and the YPP channels table as production has it."""

from __future__ import annotations

import logging
import socket
import threading
from types import TracebackType

import boto3
import botocore.session
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

SANDBOX_REGION = "us-east-1"
_SANDBOX_KEY_ID = "sandbox"
_SANDBOX_SECRET = "sandbox"


class LocalDynamo:
    """A running moto DynamoDB server; use as a context manager or call stop()."""

    def __init__(self, server: BaseWSGIServer) -> None:
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="local-dynamodb", daemon=True
        )
        self._thread.start()
        host, port = str(server.server_address[0]), server.server_address[1]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def client(self) -> BaseClient:
        """A client for this server with dummy credentials, whatever the AWS environment says."""
        # A botocore session that ignores AWS_PROFILE: a profile missing on this machine
        # must not stop the sandbox.
        isolated = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
        session = boto3.session.Session(
            aws_access_key_id=_SANDBOX_KEY_ID,
            aws_secret_access_key=_SANDBOX_SECRET,
            region_name=SANDBOX_REGION,
            botocore_session=isolated,
        )
        return session.client("dynamodb", endpoint_url=self.url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> LocalDynamo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_dynamo(host: str = "127.0.0.1", port: int = 0) -> LocalDynamo:
    """Start moto's DynamoDB server in a background thread; port 0 picks a free port.

    The socket is bound here, so a taken port raises OSError at once: moto's own
    ThreadedMotoServer binds in its thread and then waits forever for a server that failed."""
    # The server logs every request through werkzeug; keep its errors, drop the access log.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with socket.create_server((host, port)) as listener:
        server = make_server(
            host,
            port,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=MotoRequestHandler,
            fd=listener.fileno(),  # the server listens on its own duplicate of this socket
        )
    return LocalDynamo(server)


def sandbox_aws_environment() -> dict[str, str]:
    """Environment variables that point the AWS SDK at dummy credentials for the local server."""
    return {
        "AWS_ACCESS_KEY_ID": _SANDBOX_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": _SANDBOX_SECRET,
        "AWS_DEFAULT_REGION": SANDBOX_REGION,
    }


def create_channels_table(client: BaseClient, name: str = "channels") -> None:
    """Create the channels table with production's keys and indexes; no-op if it exists."""
    try:
        client.create_table(
            TableName=name,
            KeySchema=[
                {"AttributeName": "userId", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "userId", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "joystreamChannelId", "AttributeType": "N"},
                {"AttributeName": "referrerChannelId", "AttributeType": "N"},
                {"AttributeName": "phantomKey", "AttributeType": "S"},
                {"AttributeName": "createdAt", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                _index("joystreamChannelId-createdAt-index", "joystreamChannelId", "createdAt"),
                _index("referrerChannelId-index", "referrerChannelId"),
                _index("phantomKey-createdAt-index", "phantomKey", "createdAt"),
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
        return
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})


def _index(name: str, hash_key: str, range_key: str | None = None) -> dict[str, object]:
    key_schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        key_schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": key_schema, "Projection": {"ProjectionType": "ALL"}}
