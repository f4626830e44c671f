"""`python -m hubsync_sandbox.serve hubspot|dynamodb`: one stand-in in the foreground, for a
container of its own (hubsync's deploy/docker-compose.yml).

Seeded with the demo's deterministic data: the channels (and the bad items) go to DynamoDB,
the leads to HubSpot. Each service seeds its own half from the same generator, so the two
agree without talking to each other. SIGTERM stops it (a container's PID 1 gets no default
handler for it).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from hubsync_sandbox.dynamo import create_channels_table, start_dynamo
from hubsync_sandbox.hubspot import SandboxConfig, start_sandbox
from hubsync_sandbox.seed import (
    generate_bad_items,
    generate_channels,
    generate_leads,
    write_channels,
)

DEFAULT_PORTS = {"hubspot": 8099, "dynamodb": 8098}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hubsync_sandbox.serve")
    parser.add_argument("service", choices=sorted(DEFAULT_PORTS))
    parser.add_argument("--host", default="127.0.0.1", help="0.0.0.0 in a container")
    parser.add_argument("--port", type=int, help="8099 for hubspot, 8098 for dynamodb; 0: any")
    parser.add_argument("--seed", type=int, default=0, help="channels to seed (and their leads)")
    parser.add_argument("--channels-table", default="channels")
    parser.add_argument("--ready-file", type=Path, help="written once seeded (health checks)")
    return parser.parse_args(argv)


# Set by SIGTERM or SIGINT: a flag rather than an exception, so that a signal arriving while
# the service is still announcing itself stops it as cleanly as one arriving later.
_STOP = threading.Event()


def _stop(signum: int, frame: FrameType | None) -> None:
    _STOP.set()


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    port = DEFAULT_PORTS[args.service] if args.port is None else args.port
    channels = generate_channels(args.seed) if args.seed else []
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if args.service == "hubspot":
        with start_sandbox(SandboxConfig(), host=args.host, port=port) as hubspot:
            for lead in generate_leads(channels, max(args.seed // 2, 10)) if channels else []:
                hubspot.store.add_contact(lead)
            return _serve(hubspot.url, args.ready_file)
    with start_dynamo(host=args.host, port=port) as dynamo:
        client = dynamo.client()
        create_channels_table(client, args.channels_table)
        if channels:
            write_channels(client, args.channels_table, [*channels, *generate_bad_items()])
        return _serve(dynamo.url, args.ready_file)


def _serve(url: str, ready_file: Path | None) -> int:
    if ready_file is not None:
        ready_file.write_text(f"{url}\n")
    print(f"listening on {url}", flush=True)
    while not _STOP.wait(0.2):
        pass
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
