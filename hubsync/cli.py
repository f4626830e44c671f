"""The hubsync command: one line of explanation and an exit code for every failure.

Exit codes: 0 done (even with per-record rejections), 1 could not complete or failed (the
portal is not ready, or too many writes failed), 2 bad usage or configuration, 130
interrupted (Ctrl-C), 143 stopped (SIGTERM).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click
from botocore.exceptions import BotoCoreError, ClientError

from hubsync.app import protect_environment_secrets, protect_secrets
from hubsync.aws import describe_aws_error
from hubsync.budget_report import HISTORY_DAYS, BudgetStatus
from hubsync.daemon.oneoff import LeaseBusy
from hubsync.domain.identity import UnknownChannelError, channel_ref
from hubsync.engine import RunOptions
from hubsync.hubspot.errors import HubSpotAuthError, HubSpotError
from hubsync.log import configure_logging, debug_enabled, get_logger, mask_secrets
from hubsync.result import RunResult
from hubsync.settings import ConfigError, Settings, load_settings, unknown_settings
from hubsync.sources.dynamo import SourceError
from hubsync.state.conflicts import ConflictRegister, UnknownConflictError
from hubsync.state.store import StateError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

# True of every command: a sync saves each batch HubSpot confirmed at once, and every create
# is an upsert on a unique key, so running again neither loses nor duplicates a contact.
INTERRUPTED = "interrupted: what HubSpot confirmed is saved; the next run finishes the job"

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

log = get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_USAGE_ERRORS = (ConfigError, HubSpotAuthError, UnknownChannelError, UnknownConflictError)
_RUN_ERRORS = (HubSpotError, SourceError, StateError, LeaseBusy)


class Terminated(KeyboardInterrupt):
    """SIGTERM, as `docker stop` or ECS stopping a task sends it: hubsync stops as on Ctrl-C."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _fail(message: str, code: int) -> None:
    one_line = " ".join(mask_secrets(message).split())
    click.echo(f"hubsync: {one_line}", err=True)
    sys.exit(code)


def _interrupted(exc: KeyboardInterrupt) -> NoReturn:
    click.echo(f"hubsync: {INTERRUPTED}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    # A normal exit would wait for the threads still scanning DynamoDB or listing contacts,
    # minutes on a large table. They only read: every write is made, and saved, on this one.
    os._exit(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED)


def handle_errors(command: F) -> F:
    """Turn every known failure into one clear line on stderr and the documented exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except _USAGE_ERRORS as exc:
            _fail(str(exc), EXIT_USAGE)
        except _RUN_ERRORS as exc:
            _fail(str(exc), EXIT_FAILED)
        except (BotoCoreError, ClientError) as exc:
            _fail(f"AWS: {describe_aws_error(exc)}", EXIT_FAILED)
        except KeyboardInterrupt as exc:
            _interrupted(exc)
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            where = (
                "the traceback is logged above"
                if debug_enabled()
                else "set HUBSYNC_LOG_LEVEL=DEBUG to see where"
            )
            _fail(f"unexpected error: {type(exc).__name__}: {exc} ({where})", EXIT_FAILED)

    # functools.wraps keeps the signature at run time; mypy cannot see that it is F again.
    return wrapper  # type: ignore[return-value]


@contextmanager
def _click_errors_masked() -> Iterator[None]:
    """Click's own error messages repeat the arguments given, which may hold a secret; and a
    Ctrl-C outside a command is still an interruption, not click's "Aborted!" with exit 1."""
    try:
        yield
    except click.ClickException as exc:
        protect_environment_secrets()
        # click declares message Final, but renders the error from it: mask it in place.
        exc.message = mask_secrets(exc.message)  # type: ignore[misc]
        raise
    except KeyboardInterrupt as exc:
        _interrupted(exc)


class _Hubsync(click.Group):
    """The command group, its own parsing and every subcommand's inside the guard above."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        with _click_errors_masked():
            return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        with _click_errors_masked():
            return super().invoke(ctx)


def _settings(**overrides: Any) -> Settings:
    protect_environment_secrets()
    settings = load_settings(**overrides)
    configure_logging(settings.log_format, settings.log_level)
    protect_secrets(settings)
    for unknown in unknown_settings():
        log.warning(
            "unknown setting ignored", variable=unknown.name, did_you_mean=unknown.did_you_mean
        )
    return settings


@click.group(cls=_Hubsync, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Keep HubSpot contacts in step with the YPP channels in DynamoDB."""
    configure_logging()
    signal.signal(signal.SIGTERM, _terminate)


def _channel_refs(
    _: click.Context, __: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    try:
        return tuple(channel_ref(value) for value in values)
    except UnknownChannelError as exc:
        raise click.BadParameter(str(exc)) from None


def channel_option(action: str) -> Callable[[F], F]:
    return click.option(
        "--channel",
        "channels",
        multiple=True,
        metavar="ID",
        callback=_channel_refs,
        help=f"{action} just this channel (YouTube id, or Gleev id: by query, not a scan); "
        "repeatable.",
    )


@main.command()
@click.option("--full", is_flag=True, help="Compare every channel with HubSpot; repairs drift.")
@click.option("--dry-run", is_flag=True, help="Plan and report, write nothing.")
@channel_option("Sync")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def sync(full: bool, dry_run: bool, channels: tuple[str, ...], as_json: bool) -> None:
    """Run one sync now (never beside a daemon: ask it with `hubsync resync`)."""
    from hubsync.app import run_sync
    from hubsync.report import result_dict, summary_lines

    settings = _settings()
    options = RunOptions(full=full, dry_run=dry_run, channels=channels)
    result = run_sync(settings, options) if dry_run else _sync_with_lease(settings, options)
    if as_json:
        click.echo(json.dumps(result_dict(result)))
    else:
        click.echo("\n".join(summary_lines(result)))
    if not result.verdict.ok:
        _fail(f"the run failed: {result.verdict.reason}", EXIT_FAILED)


def _sync_with_lease(settings: Settings, options: RunOptions) -> RunResult:
    """A run that writes holds the lease, as a daemon does, so that they never write together;
    on a terminal it draws a progress bar."""
    from hubsync.app import run_sync
    from hubsync.daemon.oneoff import sync_lease
    from hubsync.daemon.progress import BarProgress
    from hubsync.hubspot.gateway import HubSpotGateway

    def say(message: str) -> None:
        click.echo(f"hubsync: {message}", err=True)

    with sync_lease(settings, say) as keeper:
        gateway = HubSpotGateway(settings)
        bar = BarProgress(lambda: sum(gateway.calls.values())) if sys.stderr.isatty() else None
        try:
            return run_sync(settings, options, hubspot=gateway, guard=keeper, progress=bar)
        finally:
            if bar is not None:
                bar.close()


@main.command()
@click.option("--full", is_flag=True, help="Compare every channel with HubSpot.")
@channel_option("Plan")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def plan(full: bool, channels: tuple[str, ...], as_json: bool) -> None:
    """Show what a sync would change and why, without writing anything."""
    from hubsync.app import run_sync
    from hubsync.report import plan_table, planned_writes, result_dict, summary_lines

    options = RunOptions(full=full, dry_run=True, channels=channels)
    result = run_sync(_settings(), options)
    if as_json:
        click.echo(json.dumps({**result_dict(result), "writes": planned_writes(result.plan)}))
    else:
        lines = [*plan_table(result), "", *summary_lines(result, reasons=False)]
        click.echo("\n".join(lines))


@main.group()
def schema() -> None:
    """Check or create the contact properties hubsync writes."""


@schema.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def schema_check(as_json: bool) -> None:
    """Report whether the portal has every property hubsync needs. Exit 1 if not."""
    from hubsync.hubspot.schema import check_schema

    _schema_command(check_schema, as_json)


@schema.command("apply")
@click.option("--dry-run", is_flag=True, help="Say what would be created; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def schema_apply(dry_run: bool, as_json: bool) -> None:
    """Create what is missing; explain what cannot be fixed automatically. Exit 1 if any
    (with --dry-run: if anything is left to create)."""
    from hubsync.hubspot.schema import apply_schema

    _schema_command(functools.partial(apply_schema, dry_run=dry_run), as_json)


def _schema_command(action: Callable[..., Any], as_json: bool) -> None:
    from hubsync.hubspot.gateway import HubSpotGateway

    settings = _settings()
    report = action(HubSpotGateway(settings), settings.key_property)
    click.echo(json.dumps(report.as_dict()) if as_json else "\n".join(report.lines()))
    if not report.ok:
        sys.exit(EXIT_FAILED)


@main.group(invoke_without_command=True)
@click.option(
    "--state",
    type=click.Choice(["open", "resolved", "acknowledged", "all"]),
    default="open",
    show_default=True,
    help="Which conflicts to list.",
)
@click.option("--kind", metavar="K", help="Only this kind (e.g. duplicate-email).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_context
@handle_errors
def conflicts(ctx: click.Context, state: str, kind: str | None, as_json: bool) -> None:
    """List the conflict register; `show ID` and `ack ID` for one conflict."""
    if ctx.invoked_subcommand is not None:
        return
    from hubsync.conflicts_report import conflict_dict, conflict_table

    records = [
        r
        for r in _register(_settings()).load().values()
        if state in ("all", r.state) and kind in (None, r.kind)
    ]
    records.sort(key=lambda r: (r.first_seen, r.id))
    if as_json:
        click.echo(json.dumps({"conflicts": [conflict_dict(r) for r in records]}))
    else:
        click.echo("\n".join(conflict_table(records)))


@conflicts.command("show")
@click.argument("conflict_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def conflicts_show(conflict_id: str, as_json: bool) -> None:
    """Everything known about one conflict, its alert history included."""
    from hubsync.conflicts_report import conflict_dict, conflict_lines
    from hubsync.state.outbox import Outbox

    settings = _settings()
    client = _state_client(settings)
    record = ConflictRegister(client, settings.state_table).get(conflict_id.strip())
    alerts = Outbox(client, settings.state_table).of_conflict(record.id)
    if as_json:
        click.echo(json.dumps(conflict_dict(record, alerts)))
    else:
        click.echo("\n".join(conflict_lines(record, alerts, settings.hubspot_portal_id)))


@conflicts.command("ack")
@click.argument("conflict_id", metavar="ID")
@click.option("--note", required=True, help="What is being done about it.")
@click.option("--by", "by", help="Who is handling it (default: the user running hubsync).")
@handle_errors
def conflicts_ack(conflict_id: str, note: str, by: str | None) -> None:
    """Acknowledge a conflict: no more alerts until it changes or comes back."""
    import getpass
    from datetime import UTC, datetime

    from hubsync.domain.conflicts import ConflictState, acknowledge

    if not note.strip():
        _fail("--note is empty: say what is being done about the conflict", EXIT_USAGE)
    register = _register(_settings())
    record = register.get(conflict_id.strip())
    if record.state is ConflictState.RESOLVED:
        _fail(f"conflict {record.id} is already resolved: nothing to acknowledge", EXIT_USAGE)
    who = (by or "").strip() or getpass.getuser()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    register.save([acknowledge(record, note.strip(), who, now)])
    click.echo(f"conflict {record.id} acknowledged by {who}")


def _state_client(settings: Settings) -> DynamoDBClient:
    from hubsync.aws import dynamodb_client

    return dynamodb_client(settings.dynamo_endpoint_url)


def _register(settings: Settings) -> ConflictRegister:
    return ConflictRegister(_state_client(settings), settings.state_table)


@main.group()
def state() -> None:
    """Set up hubsync's state table."""


@state.command("create")
@handle_errors
def state_create() -> None:
    """Create the state table (TTL on expires_at, point-in-time recovery); idempotent."""
    from hubsync.state.bootstrap import create_state_table

    settings = _settings()
    click.echo("\n".join(create_state_table(_state_client(settings), settings.state_table).lines()))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--chart",
    "chart_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help=f"Also draw the count against the limit over the last {HISTORY_DAYS} days as a PNG.",
)
@handle_errors
def budget(as_json: bool, chart_path: Path | None) -> None:
    """Show the marketing-contact count, the limit, the held channels, the cost and growth."""
    from hubsync.aws import dynamodb_client
    from hubsync.budget_report import current_status, status_lines
    from hubsync.hubspot.gateway import HubSpotGateway
    from hubsync.state.ledger import BudgetBook

    settings = _settings()
    book = BudgetBook(dynamodb_client(settings.dynamo_endpoint_url), settings.state_table)
    status = current_status(settings.budget, HubSpotGateway(settings), book)
    if chart_path is not None:
        _write_chart(status, chart_path)
    if as_json:
        click.echo(json.dumps(status.as_dict()))
    else:
        click.echo("\n".join(status_lines(status)))


def _write_chart(status: BudgetStatus, path: Path) -> None:
    from hubsync.chart import ChartUnavailable, write_chart

    try:
        write_chart(status.history, status.limit, path)
    except ChartUnavailable as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"cannot write the chart to {path}: {exc.strerror or exc}", EXIT_USAGE)


PORT = click.IntRange(0, 65535)


@main.command()
@click.option(
    "--hubspot-port",
    type=PORT,
    default=8099,
    show_default=True,
    help="Port of the HubSpot sandbox (0: any free port).",
)
@click.option(
    "--dynamo-port",
    type=PORT,
    default=8098,
    show_default=True,
    help="Port of local DynamoDB (0: any free port).",
)
@click.option(
    "--seed",
    "seed_channels",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Seed this many channels and leads.",
)
@handle_errors
def sandbox(hubspot_port: int, dynamo_port: int, seed_channels: int) -> None:
    """Run the local HubSpot and DynamoDB until Ctrl-C."""
    demo = _sandbox_module()
    try:
        demo.serve_sandbox(hubspot_port, dynamo_port, seed_channels)
    except demo.SandboxError as exc:
        _fail(str(exc), EXIT_FAILED)


@main.command()
@click.option(
    "--channels",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="How many channels to seed.",
)
@handle_errors
def demo(channels: int) -> None:
    """Start the sandbox, seed it, and sync twice: the second run has nothing to do."""
    _sandbox_module().run_demo(channels)


def _sandbox_module() -> Any:
    try:
        from hubsync import demo
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"the local sandbox needs {str(exc.name).partition('.')[0]}, which is not installed: "
            "from a checkout of hubsync, pip install ./sandbox '.[sandbox]' (or run make demo)"
        ) from None
    return demo


@main.command()
@handle_errors
def run() -> None:
    """Run the daemon: scheduled syncs, resync requests and admin HTTP, until SIGTERM."""
    from hubsync.daemon.runner import run_daemon

    sys.exit(run_daemon(_settings()))


@main.command()
@click.option("--full", is_flag=True, help="Compare every channel with HubSpot; repairs drift.")
@click.option("--dry-run", is_flag=True, help="Plan and report, write nothing.")
@channel_option("Resync")
@click.option("--no-wait", is_flag=True, help="Print the request's id and exit at once.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    help="Seconds to wait for a daemon to pick the request up.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@handle_errors
def resync(
    full: bool,
    dry_run: bool,
    channels: tuple[str, ...],
    no_wait: bool,
    timeout: float,
    as_json: bool,
) -> None:
    """Ask the daemon for a run now, and wait for its result (exit codes as `sync`)."""
    from hubsync.daemon.client import submit_and_wait

    done = submit_and_wait(
        _settings(),
        full=full,
        dry_run=dry_run,
        channels=channels,
        wait=not no_wait,
        timeout_s=timeout,
        say=lambda message: click.echo(f"hubsync: {message}", err=True),
    )
    if done is None:  # --no-wait
        return
    if done.error:
        _fail(f"the resync could not complete: {done.error}", done.exit_code or EXIT_FAILED)
    if as_json:
        click.echo(json.dumps(done.result))
    else:
        click.echo(done.summary or "")
    if done.exit_code:
        reason = (done.result or {}).get("verdict", {}).get("reason", "see above")
        _fail(f"the run failed: {reason}", done.exit_code)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def status(as_json: bool) -> None:
    """Replicas and their roles, the last runs, and queued resync requests."""
    from hubsync.daemon.client import read_status, status_lines

    report = read_status(_settings())
    click.echo(json.dumps(report) if as_json else "\n".join(status_lines(report)))


@main.command()
@handle_errors
def health() -> None:
    """Exit 0 if the daemon on HUBSYNC_ADMIN_HOST:HUBSYNC_ADMIN_PORT is alive, 1 if not."""
    from hubsync.daemon.client import probe_health

    ok, line = probe_health(_settings())
    click.echo(line)
    if not ok:
        sys.exit(EXIT_FAILED)
