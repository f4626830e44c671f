"""`hubsync run` in subprocesses against moto's DynamoDB server and the HubSpot sandbox, with
real signals and real HTTP."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.daemons import ADMIN_TOKEN, DaemonProcess, Daemons, wait_until
from tests.e2e.world import World
from tests.unit.factories import channel_item


def _scrape(daemon: DaemonProcess) -> str:
    return daemon.http("GET", "/metrics").body.decode()


def _metric(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def test_the_daemon_syncs_on_its_schedule_and_stops_cleanly_on_sigterm(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(20)))
    daemon = daemons.start()

    started = daemon.events("daemon started")[0]
    assert started["role"] == "leader"
    assert started["next_incremental"] and started["next_reconcile"]
    daemon.wait_for("run finished", count=2)
    assert len(world.contacts()) == 20
    # The run logs `run finished` a moment before the daemon counts it.
    wait_until(
        lambda: _metric(_scrape(daemon), "hubsync_runs_total", mode="incremental", outcome="ok"), 5
    )

    metrics = daemon.http("GET", "/metrics").body.decode()
    assert _metric(metrics, "hubsync_runs_total", mode="full", outcome="ok") == 1
    assert _metric(metrics, "hubsync_runs_total", mode="incremental", outcome="ok") >= 1
    assert _metric(metrics, "hubsync_contacts_total", result="created") == 20
    assert _metric(metrics, "hubsync_lease_held") == 1
    assert _metric(metrics, "hubsync_hubspot_daily_limit") == 1_000_000

    daemon.signal(signal.SIGTERM)
    assert daemon.wait_exit(timeout_s=20) == 0
    status = daemons.hubsync("status", "--json")
    assert status.returncode == 0, status.stderr
    assert '"held": false' in status.stdout


def _synced_by(daemon_logs: list[dict]) -> int:
    return sum(1 for e in daemon_logs if e.get("event") == "run finished")


def test_of_two_daemons_one_syncs_and_a_standby_takes_over_when_it_is_killed(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(30)))
    first = daemons.start()
    second = daemons.start()
    first.wait_for("run finished", count=2)
    time.sleep(1.5)  # a few more ticks

    assert second.events("daemon started")[0]["role"] == "standby"
    assert _synced_by(second.logs()) == 0
    assert second.http("GET", "/status").json()["role"] == "standby"
    assert second.http("GET", "/readyz").status == 200  # a healthy standby is ready
    status = daemons.hubsync("status")
    assert status.returncode == 0, status.stderr
    roles = sorted(line.split()[0] for line in status.stdout.splitlines() if " pid " in line)
    assert roles == ["leader", "standby"]

    world.put(*(channel_item(200 + n) for n in range(30)))
    first.process.kill()  # SIGKILL: no release, the lease must expire (TTL 3 s)
    killed_at = time.monotonic()
    second.wait_for("role changed", timeout_s=10)
    taken_after = time.monotonic() - killed_at
    second.wait_for("run finished", timeout_s=15)

    assert taken_after <= 3 + 1 + 0.5  # one TTL, plus one renewal period and polling
    wait_until(lambda: len(world.contacts()) == 60, 15)
    world.assert_no_duplicates()


def test_a_sync_beside_a_daemon_exits_1_at_once_and_writes_nothing(
    world: World, daemons: Daemons
) -> None:
    daemon = daemons.start()
    daemon.wait_for("run finished")

    started = time.monotonic()
    done = daemons.hubsync("sync")

    assert done.returncode == 1
    assert time.monotonic() - started < 15
    assert "a daemon on" in done.stderr and "hubsync resync" in done.stderr
    assert "Traceback" not in done.stderr
    assert daemon.http("GET", "/status").json()["role"] == "leader"
    dry = daemons.hubsync("sync", "--dry-run")  # a dry run takes no lease
    assert dry.returncode == 0, dry.stderr
    assert daemons.hubsync("plan").returncode == 0


def test_sigterm_mid_run_finishes_the_batch_saves_and_exits_0(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(450)))
    world.hubspot.config.latency_s = 0.5  # each batch takes half a second
    daemon = daemons.start(HUBSYNC_SHUTDOWN_GRACE_SECONDS="15")
    daemon.wait_for("batch written")

    stopped_at = time.monotonic()
    daemon.signal(signal.SIGTERM)
    code = daemon.wait_exit(timeout_s=20)

    assert code == 0
    assert time.monotonic() - stopped_at < 15
    assert daemon.events("writing halted")[0]["outcome"] == "stopped"
    created = len(world.contacts())
    assert 0 < created < 450
    world.hubspot.config.latency_s = 0.0
    # What HubSpot confirmed was saved: the next run sends only the rest, no duplicate.
    result = world.sync()
    assert result.verdict.ok
    assert result.created == 450 - created
    world.assert_no_duplicates()
    assert daemons.hubsync("status", "--json").stdout.count('"held": false') == 1


UPSERT = "/crm/v3/objects/contacts/batch/upsert"


def _steal_lease(world: World) -> None:
    world.tables.client.update_item(
        TableName=world.tables.state,
        Key={"pk": {"S": "lease"}, "sk": {"S": "sync"}},
        UpdateExpression="SET #owner = :thief, #kind = :daemon, host = :host, pid = :pid, "
        "lease_until = :until, fence = fence + :one",
        ExpressionAttributeNames={"#owner": "owner", "#kind": "kind"},
        ExpressionAttributeValues={
            ":thief": {"S": "thief"},
            ":daemon": {"S": "daemon"},
            ":host": {"S": "elsewhere"},
            ":pid": {"N": "1"},
            ":until": {"N": str(time.time() + 600)},
            ":one": {"N": "1"},
        },
    )


def test_a_sync_whose_lease_was_stolen_stops_before_its_next_batch(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(350)))
    world.hubspot.config.latency_s = 0.3
    world.meanwhile("POST", UPSERT, lambda: _steal_lease(world))

    done = daemons.hubsync("sync", "--json")

    assert done.returncode == 1, done.stderr
    assert "lease-lost" in done.stderr and "Traceback" not in done.stderr
    assert len([e for e in world.journal() if e.path == UPSERT]) == 1
    assert len(world.contacts()) == 100
    assert '"not_attempted": 250' in done.stdout


def test_a_sync_waits_for_the_lease_a_killed_sync_left_then_runs(
    world: World, daemons: Daemons
) -> None:
    world.put(channel_item(101))
    world.tables.client.put_item(
        TableName=world.tables.state,
        Item={
            "pk": {"S": "lease"},
            "sk": {"S": "sync"},
            "owner": {"S": "killed"},
            "kind": {"S": "sync"},
            "host": {"S": "laptop"},
            "pid": {"N": "4242"},
            "fence": {"N": "7"},
            "lease_until": {"N": str(time.time() + 8)},  # the sync must start before then
        },
    )

    done = daemons.hubsync("sync")

    assert done.returncode == 0, done.stderr
    assert "waiting for the lease: a one-off sync on laptop (pid 4242)" in done.stderr
    assert len(world.contacts()) == 1


def test_resync_through_the_cli_runs_within_the_poll_interval(
    world: World, daemons: Daemons
) -> None:
    daemon = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")
    daemon.wait_for("run finished")  # the first (full) run
    world.put(channel_item(101), channel_item(102))

    started = time.monotonic()
    done = daemons.hubsync("resync", "--channel", "101", "--json")

    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 10
    result = json.loads(done.stdout)
    assert result["created"] == 1 and result["channels"][0]["gleev_id"] == 101
    assert "resync request" in done.stderr
    world.by_key(101)
    text = daemons.hubsync("resync", "--full")
    assert text.returncode == 0 and "full run" in text.stdout


def test_resync_over_http_with_its_token(world: World, daemons: Daemons) -> None:
    daemon = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")
    daemon.wait_for("run finished")
    world.put(channel_item(101))

    waited = daemon.http("POST", "/resync?wait=true", {}, token=ADMIN_TOKEN)
    assert waited.status == 200, waited.body
    assert waited.json()["result"]["created"] == 1
    assert waited.json()["state"] == "done"
    assert waited.json()["progress"]["sent"] == waited.json()["progress"]["planned"] == 1

    accepted = daemon.http("POST", "/resync", {"full": True}, token=ADMIN_TOKEN)
    assert accepted.status == 202
    request_id = accepted.json()["id"]
    wait_until(
        lambda: (
            daemon.http("GET", f"/resync/{request_id}", token=ADMIN_TOKEN).json()["state"] == "done"
        ),
        15,
    )
    done = daemon.http("GET", f"/resync/{request_id}", token=ADMIN_TOKEN).json()
    assert done["result"]["mode"] == "full" and done["exit_code"] == 0

    assert daemon.http("POST", "/resync", {}, token="wrong-token-xyz").status == 401
    assert daemon.http("POST", "/resync", {}).status == 401
    assert daemon.http("GET", f"/resync/{request_id}").status == 401
    huge = daemon.http("POST", "/resync", {"channels": ["1" * 100] * 1000}, token=ADMIN_TOKEN)
    assert huge.status == 413  # bodies are bounded
    bad = daemon.http("POST", "/resync", {"full": "yes"}, token=ADMIN_TOKEN)
    assert bad.status == 400 and "full" in bad.json()["error"]
    assert daemon.events("admin request refused: missing or wrong token")
    assert "wrong-token-xyz" not in daemon.log_path.read_text()
    assert ADMIN_TOKEN not in daemon.log_path.read_text()


def test_resync_over_http_is_disabled_without_a_token(world: World, daemons: Daemons) -> None:
    daemon = daemons.start(HUBSYNC_ADMIN_TOKEN="")
    assert daemon.http("POST", "/resync", {}, token=ADMIN_TOKEN).status == 404


def test_a_request_nobody_picks_up_times_out_stays_queued_and_a_later_daemon_runs_it(
    world: World, daemons: Daemons
) -> None:
    world.put(channel_item(101))

    done = daemons.hubsync("resync", "--timeout", "1")

    assert done.returncode == 1
    line = next(line for line in done.stderr.splitlines() if "no daemon picked up" in line)
    request_id = line.split("resync request ")[1].split()[0]
    assert "hubsync sync" in line
    again = daemons.hubsync("resync", "--no-wait")
    assert again.returncode == 0 and again.stdout.strip() == request_id  # merged, not twice
    assert "merged" in again.stderr

    daemon = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")
    wait_until(
        lambda: (
            daemon.http("GET", f"/resync/{request_id}", token=ADMIN_TOKEN).json()["state"] == "done"
        ),
        20,
        daemon.describe,
    )
    assert len(daemon.events("resync request picked up")) == 1
    world.by_key(101)


def test_a_queued_request_survives_a_daemon_restart(world: World, daemons: Daemons) -> None:
    first = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")
    first.wait_for("run finished")
    first.signal(signal.SIGTERM)
    assert first.wait_exit(20) == 0
    queued = daemons.hubsync("resync", "--full", "--no-wait")
    request_id = queued.stdout.strip()

    second = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")

    wait_until(
        lambda: (
            second.http("GET", f"/resync/{request_id}", token=ADMIN_TOKEN).json()["state"] == "done"
        ),
        20,
        second.describe,
    )


def test_readyz_turns_unready_when_hubspot_is_unreachable_and_ready_when_it_returns(
    world: World, daemons: Daemons
) -> None:
    daemon = daemons.start()
    daemon.wait_for("run finished")
    assert daemon.http("GET", "/readyz").status == 200
    assert daemon.http("GET", "/healthz").status == 200

    world.hubspot.config.fault_rate = 1.0  # every answer a 5xx

    def hubspot_unreachable() -> bool:
        answer = daemon.http("GET", "/readyz")
        reasons = answer.json().get("reasons", [])
        return answer.status == 503 and any(r.startswith("HubSpot:") for r in reasons)

    wait_until(hubspot_unreachable, 15)
    assert daemon.http("GET", "/healthz").status == 200  # alive all the same

    world.hubspot.config.fault_rate = 0.0
    wait_until(lambda: daemon.http("GET", "/readyz").status == 200, 15)


def test_failing_runs_do_not_stop_the_schedule(world: World, daemons: Daemons) -> None:
    world.put(channel_item(101))
    world.hubspot.config.fault_rate = 1.0
    daemon = daemons.start()
    daemon.wait_for("run failed; the next tick tries again", count=2)
    status = daemon.http("GET", "/status").json()
    assert status["last_error"] and status["last_runs"][0]["outcome"] == "error"

    world.hubspot.config.fault_rate = 0.0
    daemon.wait_for("run finished")
    # The run logs `run finished` a moment before the daemon counts it.
    wait_until(lambda: _metric(_scrape(daemon), "hubsync_runs_total", mode="full", outcome="ok"), 5)

    metrics = daemon.http("GET", "/metrics").body.decode()
    assert _metric(metrics, "hubsync_runs_total", mode="incremental", outcome="error") >= 2
    assert _metric(metrics, "hubsync_runs_total", mode="full", outcome="ok") == 1
    assert (
        _metric(metrics, "hubsync_hubspot_calls_total", endpoint="properties.list", status="500")
        + _metric(metrics, "hubsync_hubspot_calls_total", endpoint="properties.list", status="502")
        + _metric(metrics, "hubsync_hubspot_calls_total", endpoint="properties.list", status="503")
        >= 2
    )
    assert _metric(metrics, "hubsync_hubspot_retries_total", endpoint="properties.list") >= 1
    assert _metric(metrics, "hubsync_last_success_timestamp_seconds") > 0
    world.by_key(101)


def test_the_quota_guard_skips_scheduled_runs_but_not_resync_requests(
    world: World, daemons: Daemons
) -> None:
    world.put(channel_item(101))
    config = world.hubspot.config
    config.daily_limit, config.daily_used_elsewhere = 10_000, 9_500  # 500 left, reserve 1,000
    daemon = daemons.start()

    daemon.wait_for("scheduled run skipped: daily quota reserve", count=2)
    assert world.contacts() == []
    metrics = daemon.http("GET", "/metrics").body.decode()
    assert _metric(metrics, "hubsync_quota_guard_active") == 1
    assert _metric(metrics, "hubsync_runs_total", mode="incremental", outcome="skipped-quota") >= 2
    assert _metric(metrics, "hubsync_hubspot_daily_remaining") < 500
    assert daemon.http("GET", "/status").json()["quota_guard"]["active"] is True

    asked = daemon.http("POST", "/resync?wait=true", {}, token=ADMIN_TOKEN)
    assert asked.status == 200 and asked.json()["result"]["created"] == 1

    config.daily_used_elsewhere = 0  # HubSpot's daily counter reset
    daemon.wait_for("quota guard off: runs resume")
    daemon.wait_for("run finished", count=2)
    metrics = daemon.http("GET", "/metrics").body.decode()
    assert _metric(metrics, "hubsync_quota_guard_active") == 0


def test_a_bad_schedule_is_fatal_at_start_with_one_line(world: World, daemons: Daemons) -> None:
    done = daemons.hubsync("run", HUBSYNC_RECONCILE_CRON="0 25 * * *")

    assert done.returncode == 2
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("hubsync:")]
    assert "HUBSYNC_RECONCILE_CRON is invalid" in line
    assert "Traceback" not in done.stderr


def test_health_answers_for_a_running_daemon_only(world: World, daemons: Daemons) -> None:
    daemon = daemons.start()

    alive = daemons.hubsync("health", HUBSYNC_ADMIN_PORT=str(daemon.port))
    assert alive.returncode == 0 and alive.stdout.startswith("healthy")

    daemon.signal(signal.SIGINT)
    assert daemon.wait_exit(20) == 0
    gone = daemons.hubsync("health", HUBSYNC_ADMIN_PORT=str(daemon.port))
    assert gone.returncode == 1 and gone.stdout.startswith("unhealthy")


def test_a_second_signal_exits_at_once_and_loses_nothing_hubspot_confirmed(
    world: World, daemons: Daemons
) -> None:
    world.put(*(channel_item(100 + n) for n in range(450)))
    world.hubspot.config.latency_s = 1.0
    daemon = daemons.start(HUBSYNC_SHUTDOWN_GRACE_SECONDS="60")
    daemon.wait_for("batch written")

    daemon.signal(signal.SIGTERM)
    daemon.wait_for("stopping: finishing the batch in flight")
    signalled = time.monotonic()
    daemon.signal(signal.SIGTERM)

    assert daemon.wait_exit(timeout_s=10) == 128 + signal.SIGTERM
    assert time.monotonic() - signalled < 5
    world.hubspot.config.latency_s = 0.0
    assert world.sync().verdict.ok
    assert len(world.contacts()) == 450
    world.assert_no_duplicates()


def _on_a_terminal(daemons: Daemons, *args: str) -> tuple[int, str]:
    """Run hubsync with stderr on a pseudo-terminal; its exit code and what the terminal got."""
    leader, follower = pty.openpty()
    # 40 rows of 120 columns: a new pseudo-terminal has no size, and a bar no room.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "hubsync", *args],
        env=daemons.env(),
        cwd=daemons.tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def test_sync_and_resync_draw_a_progress_bar_on_a_terminal(world: World, daemons: Daemons) -> None:
    world.put(*(channel_item(100 + n) for n in range(150)))
    code, terminal = _on_a_terminal(daemons, "sync")
    assert code == 0
    assert "writing: 100%" in terminal and "150/150" in terminal and "calls=" in terminal

    daemon = daemons.start(HUBSYNC_SYNC_INTERVAL_SECONDS="3600")
    daemon.wait_for("run finished")
    world.put(*(channel_item(300 + n) for n in range(120)))
    code, terminal = _on_a_terminal(daemons, "resync")
    assert code == 0
    assert "120/120" in terminal
