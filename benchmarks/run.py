"""hubsync's performance targets, measured against the local sandbox and printed.

Call counts and ratios are stable from machine to machine; absolute times are printed with
the machine they ran on. Run with `make bench` (add `--quick` for a smaller, faster pass).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hubsync.app import run_sync
from hubsync.demo import local_services, sandbox_settings
from hubsync.engine import RunOptions
from hubsync.hubspot.gateway import HubSpotGateway
from hubsync.hubspot.schema import apply_schema
from hubsync.log import configure_logging
from hubsync.result import RunResult
from hubsync.settings import Settings
from hubsync_sandbox.dynamo import LocalDynamo, create_channels_table
from hubsync_sandbox.hubspot import RunningSandbox
from hubsync_sandbox.seed import generate_channels, generate_leads, write_channels


@contextmanager
def portal(
    channels: list[dict[str, Any]], leads: int = 0, limited: bool = False
) -> Iterator[tuple[Settings, RunningSandbox, LocalDynamo]]:
    with local_services() as (hubspot, dynamo):
        # One moto backend serves every server in this process: fresh tables per scenario.
        suffix = uuid.uuid4().hex[:8]
        channels_table, state_table = f"channels_{suffix}", f"hubsync_state_{suffix}"
        create_channels_table(dynamo.client(), channels_table)
        if not limited:
            hubspot.config.requests_per_10s = None
            hubspot.config.search_per_second = None
        for lead in generate_leads(channels, leads) if leads else []:
            hubspot.store.add_contact(lead)
        write_channels(dynamo.client(), channels_table, channels)
        settings = sandbox_settings(hubspot, dynamo).model_copy(
            update={"channels_table": channels_table, "state_table": state_table}
        )
        if not limited:
            settings = settings.model_copy(update={"hubspot_requests_per_10s": 100_000})
        apply_schema(HubSpotGateway(settings), settings.key_property)
        yield settings, hubspot, dynamo


def _calls(result: RunResult) -> str:
    return f"{result.read_calls} reads, {result.write_calls} writes"


def no_change(sizes: list[int]) -> None:
    print("\n## A run with nothing changed (target: 0 writes, at most 2 reads)")
    for size in sizes:
        items = generate_channels(size)
        with portal(items, leads=size // 10) as (settings, _, _):
            run_sync(settings, RunOptions())
            result = run_sync(settings, RunOptions())
            verdict = "ok" if result.write_calls == 0 and result.read_calls <= 2 else "MISSED"
            print(f"- {size:>6} channels: {_calls(result)}, {result.duration_s:.2f} s  [{verdict}]")


def k_changed(size: int, ks: list[int]) -> None:
    print(f"\n## k changed channels in a table of {size} (target: writes <= ceil(k/100), ")
    print("   reads <= ceil(k/100) + 2)")
    items = generate_channels(size)
    signed_up = [i for i in items if i.get("yppStatus") != "Unverified" and i.get("email")]
    with portal(items) as (settings, _, dynamo):
        run_sync(settings, RunOptions())
        bump = 1
        for k in ks:
            changed = []
            for item in signed_up[:k]:
                stats = dict(item.get("statistics") or {})
                stats["subscriberCount"] = int(stats.get("subscriberCount") or 0) + bump
                changed.append({**item, "statistics": stats})
            write_channels(dynamo.client(), settings.channels_table, changed)
            bump += 1
            result = run_sync(settings, RunOptions())
            bound = math.ceil(k / 100)
            ok = result.write_calls <= bound and result.read_calls <= bound + 2
            print(
                f"- k={k:>4}: {_calls(result)} (bound {bound} writes, {bound + 2} reads), "
                f"{result.updated} updated, {len(result.failures)} failed  "
                f"[{'ok' if ok else 'MISSED'}]"
            )


def full_first_run(size: int, leads: int) -> None:
    print(f"\n## Full first run of {size} channels, sandbox limited to 100 requests / 10 s")
    print("   (target: within 1.2 x the time the limit itself needs for the run's calls)")
    items = generate_channels(size)
    with portal(items, leads=leads, limited=True) as (settings, hubspot, _):
        time.sleep(10.5)  # let the schema calls leave the rolling window
        hubspot.store.reset_request_counts()
        started = time.monotonic()
        result = run_sync(settings, RunOptions())
        elapsed = time.monotonic() - started
        calls = sum(hubspot.store.request_counts().values())
        # A limit of 100 per 10 s lets `calls` calls through in calls / 10 seconds.
        floor_s = calls / 10
        contacts = len(hubspot.store.contacts())
        timings = result.timings
        # The scan overlaps the contact listing; what is left of it is the local DynamoDB's
        # time, which the HubSpot limit does not govern.
        hubspot_s = elapsed - max(0.0, timings["scan_s"] - timings.get("list_s", 0.0))
        print(
            f"- {calls} calls ({_calls(result)}, {sum(result.retries.values())} retries), "
            f"{result.created} created, {result.updated} updated, {len(result.failures)} failed; "
            f"{contacts} contacts in HubSpot"
        )
        print(f"- phases: {timings}")
        for label, seconds in (("whole run", elapsed), ("HubSpot phase", hubspot_s)):
            ratio = seconds / floor_s
            verdict = "ok" if ratio <= 1.2 and not result.failures else "over 1.2"
            print(
                f"- {label}: {seconds:.1f} s against {floor_s:.1f} s the limit needs for "
                f"{calls} calls: ratio {ratio:.2f}  [{verdict}]"
            )


def plan_million(count: int) -> None:
    print(f"\n## Planning {count:,} channels in memory (target: < 20 s, < 2 GB)")
    for scenario in ("first-run", "no-change"):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.plan_memory", scenario, str(count)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.rstrip())


def budget_hold(count: int) -> None:
    print(f"\n## The marketing-contact budget's step on a first run of {count:,} channels")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.budget_hold", str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(out.stdout.rstrip())


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {memory_gb:.0f} GB, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    args = parser.parse_args()
    configure_logging("json", "WARNING")
    print(f"# hubsync benchmarks\nmachine: {machine()}")
    started = time.monotonic()
    if args.quick:
        no_change([500])
        k_changed(500, [1, 150])
        full_first_run(1_000, 100)
        plan_million(100_000)
        budget_hold(100_000)
    else:
        no_change([1_000, 10_000])
        k_changed(5_000, [1, 100, 250, 1_000])
        full_first_run(10_000, 9_000)
        plan_million(1_000_000)
        budget_hold(1_000_000)
    used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n(total {time.monotonic() - started:.0f} s, benchmark process peak {used:.0f} MB)")


if __name__ == "__main__":
    main()
