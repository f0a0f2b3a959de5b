"""The plugin manager: built-in features and installed plugins, registered alike.

Nothing here runs at import time. :func:`build_plugin_manager` is called by
``create_app`` (and the CLI), so a test decides exactly which plugins exist.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from intranet_core import PROJECT_NAME, hookspecs
from intranet_core.errors import PluginError
from intranet_core.settings import Settings

# The core's own features, registered exactly like third-party plugins.
BUILTIN_PLUGINS: tuple[tuple[str, str], ...] = (
    ("core", "intranet_core.site.plugin"),
    ("core.health", "intranet_core.health.plugin"),
    ("core.store", "intranet_core.store.plugin"),
    ("core.people", "intranet_core.people.plugin"),
    ("core.auth", "intranet_core.auth.plugin"),
    ("core.permissions", "intranet_core.permissions.plugin"),
    ("core.audit", "intranet_core.audit.plugin"),
    ("core.uploads", "intranet_core.uploads.plugin"),
    ("core.feed", "intranet_core.feed.plugin"),
    ("core.notifications", "intranet_core.notifications.plugin"),
    ("core.search", "intranet_core.search.plugin"),
    ("core.live", "intranet_core.live.plugin"),
    ("core.usage", "intranet_core.usage.plugin"),
    ("core.tasks", "intranet_core.tasks.plugin"),
    ("core.personal_data", "intranet_core.personal_data.plugin"),
    ("core.api", "intranet_core.api.plugin"),
    ("core.account", "intranet_core.account.plugin"),
    ("core.admin", "intranet_core.admin.plugin"),
    ("core.backup", "intranet_core.backup.plugin"),
)


@dataclass(frozen=True)
class PluginInfo:
    name: str
    module: str
    version: str | None
    builtin: bool
    enabled: bool
    hooks: tuple[str, ...] = field(default=())


PluginSpec = ModuleType | object | tuple[str, Any]


def _load(name: str, target: str | Any) -> Any:
    if not isinstance(target, str):
        return target
    try:
        return importlib.import_module(target)
    except Exception as exc:  # any import-time failure names the plugin
        raise PluginError(
            f"plugin {name!r} ({target}) failed to import: {type(exc).__name__}: {exc}"
        ) from None


def discover_entry_points() -> list[importlib.metadata.EntryPoint]:
    """Installed plugins: the ``intranet`` entry-point group, sorted by name."""
    return sorted(importlib.metadata.entry_points(group=PROJECT_NAME), key=lambda ep: ep.name)


def _entry_point_version(ep: importlib.metadata.EntryPoint) -> str | None:
    return ep.dist.version if ep.dist is not None else None


def build_plugin_manager(
    settings: Settings,
    plugins: Sequence[PluginSpec] | None = None,
) -> pluggy.PluginManager:
    """Build and check the plugin manager.

    :param plugins: exactly these plugins (modules, objects or ``(name,
        plugin)`` pairs) instead of discovering installed entry points;
        what tests use. ``None`` discovers entry points and honours
        ``[plugins] enabled/disabled``.
    :raises PluginError: a plugin failed to import or implements an unknown hook.
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}

    for name, module in BUILTIN_PLUGINS:
        _register(pm, name, _load(name, module))
        infos[name] = PluginInfo(name, module, None, builtin=True, enabled=True)

    if plugins is None:
        for ep in discover_entry_points():
            enabled = settings.is_plugin_enabled(ep.name)
            infos[ep.name] = PluginInfo(ep.name, ep.value, _entry_point_version(ep), False, enabled)
            if enabled:
                _register(pm, ep.name, _load(ep.name, ep.value))
    else:
        for spec in plugins:
            name, obj = spec if isinstance(spec, tuple) else (_default_name(spec), spec)
            obj = _load(name, obj)
            if pm.has_plugin(name):
                raise PluginError(f"plugin {name!r} is registered twice")
            _register(pm, name, obj)
            infos[name] = PluginInfo(name, getattr(obj, "__name__", repr(obj)), None, False, True)

    pm.hook.register_hookspecs(pm=pm)
    check_hooks(pm)
    pm.intranet_plugins = [  # type: ignore[attr-defined]
        _with_hooks(pm, info) for info in infos.values()
    ]
    return pm


def _register(pm: pluggy.PluginManager, name: str, plugin: Any) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        # e.g. an argument the hook does not have; pluggy's message spans lines.
        first_line = str(exc).strip().splitlines()[0]
        raise PluginError(f"plugin {name!r}: {first_line}") from None


def _default_name(obj: Any) -> str:
    module = getattr(obj, "__name__", None) or type(obj).__name__
    return module.removeprefix("intranet_").split(".")[0]


def _with_hooks(pm: pluggy.PluginManager, info: PluginInfo) -> PluginInfo:
    plugin = pm.get_plugin(info.name)
    if plugin is None:
        return info
    hooks = tuple(sorted(caller.name for caller in pm.get_hookcallers(plugin) or ()))
    return PluginInfo(info.name, info.module, info.version, info.builtin, info.enabled, hooks)


def check_hooks(pm: pluggy.PluginManager) -> None:
    """Fail naming the plugin and the hook when an implementation has no spec."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        plugin_name = pm.get_name(exc.plugin) if exc.plugin is not None else "?"
        hook = str(exc).split("hook ", 1)[-1].split(" ", 1)[0].strip("'\"")
        raise PluginError(
            f"plugin {plugin_name!r} implements unknown hook {hook!r} "
            "(misspelled, or from a plugin that is not installed?)"
        ) from None


def plugin_infos(pm: pluggy.PluginManager) -> list[PluginInfo]:
    return list(getattr(pm, "intranet_plugins", []))


def call_per_plugin(hook: pluggy.HookCaller, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call each implementation of a sync registration hook, keeping its plugin's name.

    pluggy's normal call flattens results; registration hooks whose results
    belong to a plugin (its settings section, its static mount) need the name.
    Implementations run in pluggy's usual order (last registered first).
    """
    results = []
    for impl in reversed(hook.get_hookimpls()):
        args = {name: kwargs[name] for name in impl.argnames}
        result = impl.function(**args)
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


async def gather(results: Iterable[Any]) -> list[Any]:
    """Await each hook result that is awaitable; flatten lists one level.

    The one helper for hooks that *may be async*: call the hook normally,
    pass its results here.
    """
    out: list[Any] = []
    for result in results:
        if inspect.isawaitable(result):
            result = await result
        if result is None:
            continue
        if isinstance(result, list | tuple):
            out.extend(result)
        else:
            out.append(result)
    return out


def flatten(results: Iterable[Any]) -> list[Any]:
    """Flatten the list-of-lists a sync ``register_*`` hook returns."""
    out: list[Any] = []
    for result in results:
        if result is None:
            continue
        if inspect.isawaitable(result):
            raise TypeError("this hook is sync only; use gather() for hooks that may be async")
        out.extend(result if isinstance(result, list | tuple) else [result])
    return out
