from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import msgspec
import pytest

from intranet_core import NavItem, hookimpl, hookspec
from intranet_core.app import create_app
from intranet_core.errors import ConfigError, PluginError
from intranet_core.plugins import BUILTIN_PLUGINS, build_plugin_manager, gather, plugin_infos
from intranet_core.testing import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    return make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}")


def test_builtin_features_are_plugins_like_any_other(settings: Any) -> None:
    pm = build_plugin_manager(settings, plugins=[])
    names = [info.name for info in plugin_infos(pm)]
    assert names == [name for name, _module in BUILTIN_PLUGINS]
    core = pm.get_plugin("core.health")
    assert "register_routes" in {caller.name for caller in pm.get_hookcallers(core)}


def test_installed_plugins_do_not_leak_into_an_explicit_list(settings: Any) -> None:
    # examples/hello-plugin is installed in the test environment; naming no
    # plugins must give the core alone.
    pm = build_plugin_manager(settings, plugins=[])
    assert not pm.has_plugin("hello")
    discovered = build_plugin_manager(settings, plugins=None)
    assert discovered.has_plugin("hello"), "install examples/hello-plugin (nox does) to run this test"


def test_disabled_plugin_is_listed_but_not_registered(settings: Any) -> None:
    disabled = make_settings(settings.database.url, plugins={"disabled": ["hello"]})
    pm = build_plugin_manager(disabled, plugins=None)
    assert not pm.has_plugin("hello")
    info = {i.name: i for i in plugin_infos(pm)}["hello"]
    assert info.enabled is False


def test_misspelled_hook_names_plugin_and_hook(settings: Any) -> None:
    class Typo:
        @hookimpl
        def register_route(self, app: Any) -> list[Any]:
            return []

    with pytest.raises(PluginError, match=r"^plugin 'typo' implements unknown hook 'register_route'"):
        build_plugin_manager(settings, plugins=[("typo", Typo())])


def test_plugin_that_fails_to_import_gives_one_line(settings: Any) -> None:
    with pytest.raises(PluginError) as caught:
        build_plugin_manager(settings, plugins=[("ghost", "intranet_ghost_does_not_exist.plugin")])
    assert str(caught.value) == (
        "plugin 'ghost' (intranet_ghost_does_not_exist.plugin) failed to import: "
        "ModuleNotFoundError: No module named 'intranet_ghost_does_not_exist'"
    )


def test_plugin_may_declare_hookspecs_for_other_plugins(settings: Any) -> None:
    specs = types.ModuleType("connector_specs")

    @hookspec
    def register_connectors(app: Any) -> list[str]:  # pragma: no cover - a spec
        """Connectors for the documents plugin."""

    specs.register_connectors = register_connectors  # type: ignore[attr-defined]

    class Documents:
        @hookimpl
        def register_hookspecs(self, pm: Any) -> None:
            pm.add_hookspecs(specs)

    class Connector:
        @hookimpl
        def register_connectors(self, app: Any) -> list[str]:
            return ["webdav"]

    # The implementing plugin is registered *before* the declaring one.
    pm = build_plugin_manager(settings, plugins=[("connector", Connector()), ("documents", Documents())])
    assert pm.hook.register_connectors(app=None) == [["webdav"]]


async def test_nav_items_follow_explicit_order_not_registration(settings: Any) -> None:
    class Late:
        @hookimpl
        def register_nav_items(self, app: Any, request: Any) -> list[NavItem]:
            return [NavItem(label="Zeta", href="/z", order=5)]

    class Early:
        @hookimpl
        async def register_nav_items(self, app: Any, request: Any) -> list[NavItem]:
            return [NavItem(label="Alpha", href="/a", order=60), NavItem(label="Beta", href="/b", order=5)]

    for plugins in ([("late", Late()), ("early", Early())], [("early", Early()), ("late", Late())]):
        app = create_app(settings, plugins=plugins)
        items = await app.state.intranet.nav_items(request=None)
        assert [i.label for i in items] == ["Front page", "Beta", "Zeta", "Alpha"]


async def test_gather_awaits_coroutines_and_flattens() -> None:
    async def later() -> list[int]:
        return [2, 3]

    assert await gather([[1], later(), None, 4]) == [1, 2, 3, 4]


class HelloSettings(msgspec.Struct, forbid_unknown_fields=True):
    greeting: str = "Hello"


class SettingsPlugin:
    @hookimpl
    def register_settings(self, app: Any) -> type[msgspec.Struct]:
        return HelloSettings


def test_plugin_settings_are_validated_and_available(settings: Any) -> None:
    good = make_settings(settings.database.url, plugins={"greeter": {"greeting": "Hej"}})
    app = create_app(good, plugins=[("greeter", SettingsPlugin())])
    assert app.state.intranet.plugin_settings("greeter") == HelloSettings("Hej")

    bad = make_settings(settings.database.url, plugins={"greeter": {"greeting": 5}})
    with pytest.raises(ConfigError, match=r"^test settings: plugins.greeter.greeting: expected string, got int$"):
        create_app(bad, plugins=[("greeter", SettingsPlugin())])


def test_section_for_a_plugin_without_settings_is_an_error(settings: Any) -> None:
    class Plain:
        pass

    bad = make_settings(settings.database.url, plugins={"plain": {"x": 1}})
    with pytest.raises(ConfigError, match="plugin 'plain' takes no settings"):
        create_app(bad, plugins=[("plain", Plain())])


def test_duplicate_dependency_names_both_plugins(settings: Any) -> None:
    from litestar.di import Provide

    def provide() -> int:
        return 1

    class A:
        @hookimpl
        def register_dependencies(self, app: Any) -> dict[str, Any]:
            return {"thing": Provide(provide, sync_to_thread=False)}

    with pytest.raises(PluginError, match="provides dependency 'thing', already provided"):
        create_app(settings, plugins=[("a", A()), ("b", A())])


def test_missing_secret_key_is_refused(tmp_path: Path) -> None:
    from intranet_core.settings import settings_from_dict

    settings = settings_from_dict({"database": {"url": f"sqlite:///{tmp_path / 'x.sqlite3'}"}}, environ={})
    with pytest.raises(ConfigError, match="secret_key"):
        create_app(settings, plugins=[])


def test_hook_with_an_argument_the_spec_lacks_gives_one_line(settings: Any) -> None:
    class WrongArgs:
        @hookimpl
        def register_routes(self, application: Any) -> list[Any]:
            return []

    with pytest.raises(PluginError) as caught:
        build_plugin_manager(settings, plugins=[("wrong", WrongArgs())])
    message = str(caught.value)
    assert message.startswith("plugin 'wrong': ")
    assert "register_routes" in message
    assert "\n" not in message


def test_disabled_plugin_may_keep_its_settings_section(settings: Any) -> None:
    kept = make_settings(settings.database.url, plugins={"disabled": ["hello"], "hello": {"greeting": "Hej"}})
    app = create_app(kept)  # installed plugins, as `intranet run` finds them
    assert not app.state.intranet.pm.has_plugin("hello")
