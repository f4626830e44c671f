"""`hubsync run` from start to exit: a configuration that cannot work stops it at once
(exit 2); after that, nothing but a signal does."""

from __future__ import annotations

from hubsync.daemon.admin_http import AdminServer
from hubsync.daemon.service import Daemon
from hubsync.daemon.shutdown import Shutdown
from hubsync.hubspot.errors import HubSpotAuthError, HubSpotError
from hubsync.hubspot.schema import preflight
from hubsync.log import get_logger, mask_secrets
from hubsync.settings import ConfigError, Settings

log = get_logger(__name__)


def run_daemon(settings: Settings) -> int:
    shutdown = Shutdown(settings.shutdown_grace_seconds)
    shutdown.install()
    daemon = Daemon(settings, shutdown)
    _check_token(daemon)
    try:
        admin = AdminServer(daemon)
    except OSError as exc:
        raise ConfigError(
            f"HUBSYNC_ADMIN_HOST/HUBSYNC_ADMIN_PORT: cannot listen on {settings.admin_host}:"
            f"{settings.admin_port} ({exc.strerror or exc}): choose a free port"
        ) from None
    admin.start()
    daemon.start()
    try:
        daemon.serve()
    finally:
        daemon.stop()
        admin.stop()
        shutdown.stopped()
    return 0


def _check_token(daemon: Daemon) -> None:
    """A token HubSpot refuses is a configuration error, fatal now; HubSpot being down is
    not: the schedule retries."""
    try:
        preflight(daemon.gateway, daemon.settings.key_property)
    except HubSpotAuthError:
        raise
    except HubSpotError as exc:
        log.warning(
            "HubSpot is not usable yet; runs retry on schedule", error=mask_secrets(str(exc))
        )
