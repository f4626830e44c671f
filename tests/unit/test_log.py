import json
import logging
import urllib.parse
from collections.abc import Iterator

import pytest
import structlog

from hubsync.log import (
    MASK,
    configure_logging,
    end_run,
    get_logger,
    mask_secrets,
    printed_forms,
    register_secrets,
    start_run,
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Each test configures logging onto its own captured stderr: undo it for the next ones."""
    handlers = list(logging.getLogger().handlers)
    yield
    structlog.reset_defaults()
    logging.getLogger().handlers[:] = handlers


def test_json_lines_carry_the_run_id_and_mask_secrets(capsys):
    register_secrets(["pat-na1-0123456789", "AWSSECRETabcdef"])
    configure_logging("json", "INFO")
    log = get_logger("test")
    run_id = start_run()
    try:
        log.info(
            "calling",
            header="Bearer pat-na1-0123456789",
            nested={"key": ["AWSSECRETabcdef"]},
        )
        try:
            raise RuntimeError("boom with pat-na1-0123456789")
        except RuntimeError:
            log.exception("failed")
    finally:
        end_run()
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [line["event"] for line in lines] == ["calling", "failed"]
    assert all(line["run_id"] == run_id for line in lines)
    text = json.dumps(lines)
    assert "pat-na1-0123456789" not in text
    assert "AWSSECRETabcdef" not in text
    assert lines[0]["header"] == "Bearer ***"


def test_no_run_id_outside_a_run(capsys):
    configure_logging("json", "INFO")
    get_logger("test").info("idle")
    line = json.loads(capsys.readouterr().err)
    assert "run_id" not in line


def test_console_format_is_readable(capsys):
    configure_logging("console", "INFO")
    get_logger("test").info("hello", count=3)
    err = capsys.readouterr().err
    assert "hello" in err and "count=3" in err
    assert not err.lstrip().startswith("{")


def test_level_filters(capsys):
    configure_logging("json", "WARNING")
    log = get_logger("test")
    log.info("quiet")
    log.warning("loud")
    events = [json.loads(line)["event"] for line in capsys.readouterr().err.splitlines()]
    assert events == ["loud"]


SECRET = "pat-na1-C4NARY/t0k3n+x=y\"q'\\z"


def test_every_printed_form_of_a_secret_is_masked():
    register_secrets([SECRET])
    text = " | ".join(
        [
            SECRET,
            repr(SECRET),
            repr(b"Bearer " + SECRET.encode()),
            json.dumps({"token": SECRET}),
            urllib.parse.quote(SECRET),
            urllib.parse.quote(SECRET, safe=""),
            urllib.parse.urlencode({"token": SECRET}),
        ]
    )

    masked = mask_secrets(text)

    assert masked.count(MASK) == 7
    assert not [form for form in printed_forms(SECRET) if form in masked]


def test_a_secret_registered_with_surrounding_whitespace_is_masked_without_it():
    register_secrets(["pat-na1-trailing-newline\n"])

    assert mask_secrets("Bearer pat-na1-trailing-newline") == f"Bearer {MASK}"
    assert mask_secrets(repr("pat-na1-trailing-newline\n")) == f"'{MASK}'"


def test_short_values_are_not_secrets():
    register_secrets(["sandbox", "  sandbox \n", None, ""])

    assert mask_secrets("hubsync sandbox --seed 500") == "hubsync sandbox --seed 500"


def test_libraries_log_records_are_masked_and_formatted_like_ours(capsys):
    register_secrets([SECRET])
    configure_logging("json", "INFO")
    try:
        raise ValueError(b"Invalid header value b'Bearer " + SECRET.encode() + b"\\n'")
    except ValueError:
        logging.getLogger("urllib3.connectionpool").warning("retrying %r", SECRET, exc_info=True)
    logging.getLogger("botocore").info("below the level: %s", SECRET)

    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert len(lines) == 1
    assert lines[0]["event"] == f"retrying '{MASK}'"
    assert lines[0]["logger"] == "urllib3.connectionpool"
    assert "ValueError" in lines[0]["exception"]
    assert not [form for form in printed_forms(SECRET) if form in json.dumps(lines)]


def test_console_tracebacks_are_masked(capsys):
    register_secrets([SECRET])
    configure_logging("console", "DEBUG")
    try:
        raise RuntimeError(f"{SECRET!r} in {json.dumps(SECRET)}")
    except RuntimeError:
        get_logger("test").debug("unexpected error", exc_info=True)

    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError" in err
    assert not [form for form in printed_forms(SECRET) if form in err]


def test_emails_in_log_lines_are_masked_unless_pii_is_shown(capsys):
    from hubsync.log import show_pii

    configure_logging("json", "INFO")
    try:
        get_logger("test").info("conflict", email="jane@example.com", detail=["bob@example.org"])
        show_pii(True)
        get_logger("test").info("conflict", email="jane@example.com")
    finally:
        show_pii(False)
    masked, shown = capsys.readouterr().err.splitlines()
    assert "jane@example.com" not in masked and "bob@example.org" not in masked
    assert "j***@example.com" in masked and "b***@example.org" in masked
    assert "jane@example.com" in shown
