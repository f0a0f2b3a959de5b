from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from intranet_core.errors import ConfigError
from intranet_core.settings import load_settings, render_toml, settings_from_dict, validate_plugin_settings


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.database.url == "sqlite:///intranet.sqlite3"
    assert settings.server.port == 8000
    assert settings.source == "defaults"
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_file_is_read_and_environment_overrides(tmp_path: Path) -> None:
    path = tmp_path / "intranet.toml"
    path.write_text(render_toml(secret_key="k" * 40, database_url="sqlite:///x.sqlite3"))
    settings = load_settings(path, environ={"INTRANET_PORT": "9001", "INTRANET_DATABASE_URL": "postgresql://u:p@h/db",
                                            "INTRANET_DEBUG": "true", "INTRANET_PLUGINS_DISABLED": "a, b"})
    assert settings.server.port == 9001
    assert settings.database.url == "postgresql://u:p@h/db"
    assert settings.debug is True
    assert settings.plugins.disabled == ["a", "b"]
    assert settings.secret_key == "k" * 40


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[server]\nport = \"80\"\n", "intranet.toml: server.port: expected integer, got str"),
        (
            "[server]\nprot = 80\n",
            "intranet.toml: server.prot: unknown key (expected one of: host, port, workers, proxy_headers)",
        ),
        ("debug = 1\n", "intranet.toml: debug: expected boolean (true/false), got int"),
        ("server = 3\n", "intranet.toml: server: expected table, got int"),
        ("colour = 'blue'\n", "intranet.toml: colour: unknown key"),
        ("[plugins]\ndisabled = [1]\n", "intranet.toml: plugins.disabled[0]: expected string, got int"),
        ("[server\n", "intranet.toml: not valid TOML"),
    ],
)
def test_bad_file_gives_one_line_naming_file_key_and_type(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "intranet.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    text = str(caught.value).replace(str(tmp_path) + "/", "")
    assert text.startswith(message)
    assert "\n" not in text


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^environment: INTRANET_PORT: expected integer, got 'abc'$"):
        settings_from_dict({}, environ={"INTRANET_PORT": "abc"})


def test_secrets_never_appear_in_repr_or_errors() -> None:
    settings = settings_from_dict(
        {"secret_key": "sup3r-secret-value", "database": {"url": "postgresql://user:hunter2@db/intranet"}},
        environ={},
    )
    text = repr(settings)
    assert "sup3r-secret-value" not in text
    assert "hunter2" not in text
    with pytest.raises(ConfigError) as caught:
        settings_from_dict({}, environ={"INTRANET_DATABASE_POOL_SIZE": "hunter2"})
    assert "INTRANET_DATABASE_POOL_SIZE" in str(caught.value)


def test_plugin_sections_are_kept_apart_and_validated() -> None:
    class Hello(msgspec.Struct, forbid_unknown_fields=True):
        greeting: str = "Hello"
        times: int = 1

    settings = settings_from_dict(
        {"plugins": {"disabled": ["x"], "hello": {"greeting": "Hej"}}}, source="intranet.toml", environ={}
    )
    assert settings.plugins.disabled == ["x"]
    assert validate_plugin_settings(settings, "hello", Hello) == Hello(greeting="Hej")
    assert validate_plugin_settings(settings, "other", Hello) == Hello()
    assert not settings.is_plugin_enabled("x")
    assert settings.is_plugin_enabled("hello")

    bad = settings_from_dict({"plugins": {"hello": {"times": "two"}}}, source="intranet.toml", environ={})
    with pytest.raises(ConfigError, match=r"^intranet.toml: plugins.hello.times: expected integer, got str$"):
        validate_plugin_settings(bad, "hello", Hello)
    typo = settings_from_dict({"plugins": {"hello": {"greting": "x"}}}, source="intranet.toml", environ={})
    with pytest.raises(ConfigError, match=r"plugins.hello.greting: unknown key \(expected one of: greeting, times\)"):
        validate_plugin_settings(typo, "hello", Hello)


def test_enabled_list_limits_plugins() -> None:
    settings = settings_from_dict({"plugins": {"enabled": ["a"]}}, environ={})
    assert settings.is_plugin_enabled("a")
    assert not settings.is_plugin_enabled("b")
