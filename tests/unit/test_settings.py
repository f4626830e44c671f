import pytest

from hubsync.domain.identity import DuplicateEmailPolicy
from hubsync.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("HUBSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_match_the_documented_ones(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "pat-na1-abc")
    settings = load_settings()
    assert settings.hubspot_base_url == "https://api.hubapi.com"
    assert settings.dynamo_endpoint_url is None
    assert settings.channels_table == "channels"
    assert settings.state_table == "hubsync_state"
    assert settings.key_property == "gleev_channel_id"
    assert settings.duplicate_email_policy is DuplicateEmailPolicy.SEPARATE
    assert settings.log_format == "auto"
    assert settings.log_level == "INFO"


def test_every_setting_is_documented_in_env_example():
    from pathlib import Path

    from hubsync.settings import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"HUBSYNC_{name.upper()}=" in example, name


def test_missing_token_names_the_variable():
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith("HUBSYNC_HUBSPOT_TOKEN is not set")


def test_empty_value_means_default_and_empty_token_means_missing(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "")
    monkeypatch.setenv("HUBSYNC_DYNAMO_ENDPOINT_URL", "")
    with pytest.raises(ConfigError, match="HUBSYNC_HUBSPOT_TOKEN is not set"):
        load_settings()
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    assert load_settings().dynamo_endpoint_url is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HUBSYNC_DUPLICATE_EMAIL_POLICY", "merge", "HUBSYNC_DUPLICATE_EMAIL_POLICY is invalid"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "api.hubapi.com", "HUBSYNC_HUBSPOT_BASE_URL is invalid"),
        ("HUBSYNC_LOG_FORMAT", "xml", "HUBSYNC_LOG_FORMAT is invalid"),
        ("HUBSYNC_SCAN_SEGMENTS", "0", "HUBSYNC_SCAN_SEGMENTS is invalid"),
        ("HUBSYNC_CREATE_STATE_TABLE", "perhaps", "HUBSYNC_CREATE_STATE_TABLE is invalid"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("HUBSYNC_HUBSPOT_TOKEN=from-file\nHUBSYNC_LOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.hubspot_token.get_secret_value() == "from-file"
    assert settings.log_level == "DEBUG"


def test_token_is_not_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "pat-na1-very-secret")
    settings = load_settings()
    assert "pat-na1-very-secret" not in repr(settings)
    assert "pat-na1-very-secret" not in str(settings.model_dump())
