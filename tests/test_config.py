import pytest

from borderwatch.config import load_config
from borderwatch.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_builtin_default_has_real_regional_feeds():
    config = load_config(None, env={})
    names = " ".join(f.name for f in config.feeds)
    assert len(config.feeds) >= 15
    assert "TOLOnews" in names and "Asia-Plus" in names and "TASS" in names and "Google News" in names
    assert config.database_url.startswith("sqlite:///") and config.database_url.endswith("borderwatch.db")
    assert config.network.allow_private is False


@pytest.mark.parametrize("text, key", [
    ("feeds:\n  - {name: a, url: 'ftp://example.org/feed'}\n", "feeds.0.url"),
    ("feeds:\n  - {url: 'https://example.org/feed'}\n", "feeds.0.name"),
    ("network: {timeout: -3}\n", "network.timeout"),
    ("colour: blue\n", "colour: unknown key"),
    ("alerts:\n  - {url: 'not a url'}\n", "alerts.0.url"),
    ("alerts:\n  - {url: 'json://localhost/x', mode: sometimes}\n", "alerts.0.mode"),
    ("database_url: 'mysql://x/y'\n", "database_url"),
])
def test_bad_config_names_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env={})
    message = str(info.value)
    assert key in message and "\n" not in message


def test_bad_yaml_says_where(tmp_path):
    with pytest.raises(ConfigError, match="not valid YAML at line 2"):
        load_config(write(tmp_path, "feeds: [a, b\nnetwork: {}\n"), env={})


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "nope.yaml", env={})


def test_environment_overrides(tmp_path):
    path = write(tmp_path, "database_url: sqlite:///a.db\nalerts:\n  - {url: 'json://127.0.0.1/x', name: file}\n")
    env = {"BORDERWATCH_DATABASE_URL": "postgresql://bw@127.0.0.1/bw",
           "BORDERWATCH_ALERT_URLS": "mailto://u:secret@example.org json://127.0.0.1:9/hook"}
    config = load_config(path, env=env)
    assert config.database_url == "postgresql+psycopg://bw@127.0.0.1/bw"
    assert [a.url for a in config.alerts][1:] == ["mailto://u:secret@example.org", "json://127.0.0.1:9/hook"]
    assert config.alerts[0].key == "file"
    assert "secret" not in config.alerts[1].key


def test_config_file_from_environment(tmp_path):
    path = write(tmp_path, "feeds: []\n")
    assert load_config(None, env={"BORDERWATCH_CONFIG": str(path)}).feeds == []


def test_secrets_stay_out_of_repr():
    config = load_config(None, env={"BORDERWATCH_ALERT_URLS": "mailtos://desk:hunter2pass@example.org"})
    assert "hunter2pass" not in repr(config)


def test_channel_keys_are_distinct_bounded_and_secret_free():
    urls = ["mailto://alice:pw-alice-1@example.org", "mailto://bob:pw-bob-2@example.org",
            "slack://TOKENA1/TOKENB2/TOKENC3", "slack://TOKENA1/TOKENB2/TOKENC4",
            "jsons://hooks.example.org/services/T/B/webhooksecret9",
            "mailtos://u:p@example.org?to=" + ",".join(f"person{i}@example.org" for i in range(40))]
    config = load_config(None, env={"BORDERWATCH_ALERT_URLS": " ".join(urls)})
    keys = [a.key for a in config.alerts]
    assert len(set(keys)) == len(keys)
    assert all(len(k) <= 130 for k in keys)
    for secret in ("pw-alice-1", "pw-bob-2", "TOKENB2", "TOKENC3", "webhooksecret9", "alice", "bob"):
        assert not any(secret in k for k in keys)
    assert keys[0].startswith("mailto://example.org#")


def test_the_same_channel_twice_is_refused(tmp_path):
    path = write(tmp_path, "alerts:\n  - {url: 'json://127.0.0.1/x'}\n  - {url: 'json://127.0.0.1/x'}\n")
    with pytest.raises(ConfigError, match="alerts.1: same channel as alerts.0"):
        load_config(path, env={})
