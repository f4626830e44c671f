import json

import structlog

from hubsync.log import configure_logging, end_run, get_logger, register_secrets, start_run


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
    structlog.reset_defaults()
