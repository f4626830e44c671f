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
from types import FrameType
from typing import Any, NoReturn, TypeVar

import click
from botocore.exceptions import BotoCoreError, ClientError

from hubsync.app import protect_environment_secrets, protect_secrets
from hubsync.aws import describe_aws_error
from hubsync.daemon.oneoff import LeaseBusy
from hubsync.domain.identity import UnknownChannelError, channel_ref
from hubsync.engine import RunOptions
from hubsync.hubspot.errors import HubSpotAuthError, HubSpotError
from hubsync.log import configure_logging, debug_enabled, get_logger, mask_secrets
from hubsync.result import RunResult
from hubsync.settings import ConfigError, Settings, load_settings, unknown_settings
from hubsync.sources.dynamo import SourceError
from hubsync.state.store import StateError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for a command stopped by Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

# True of every command: a sync saves each batch HubSpot confirmed at once, and every create
# is an upsert on a unique key, so running again neither loses nor duplicates a contact.
INTERRUPTED = "interrupted: what HubSpot confirmed is saved; the next run finishes the job"

log = get_logger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_USAGE_ERRORS = (ConfigError, HubSpotAuthError, UnknownChannelError)
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@handle_errors
def schema_apply(as_json: bool) -> None:
    """Create what is missing; explain what cannot be fixed automatically. Exit 1 if any."""
    from hubsync.hubspot.schema import apply_schema

    _schema_command(apply_schema, as_json)


def _schema_command(action: Callable[..., Any], as_json: bool) -> None:
    from hubsync.hubspot.gateway import HubSpotGateway

    settings = _settings()
    report = action(HubSpotGateway(settings), settings.key_property)
    click.echo(json.dumps(report.as_dict()) if as_json else "\n".join(report.lines()))
    if not report.ok:
        sys.exit(EXIT_FAILED)


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
