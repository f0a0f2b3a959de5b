"""Settings: msgspec Structs read from ``intranet.toml`` plus ``INTRANET_*`` variables.

Every problem becomes a :class:`~intranet_core.errors.ConfigError` whose message
is one line naming the file (or variable), the key and the expected type.
Secret values never appear in ``repr()`` or in error messages.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

from intranet_core.errors import ConfigError

DEFAULT_PATH = Path("intranet.toml")
_SECRET_FIELDS = frozenset({"secret_key", "password", "url"})


class _Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    def __repr__(self) -> str:
        fields = ", ".join(
            f"{name}={'***' if _is_secret(name, getattr(self, name)) else repr(getattr(self, name))}"
            for name in self.__struct_fields__
        )
        return f"{type(self).__name__}({fields})"


def _is_secret(name: str, value: Any) -> bool:
    if name == "url" and isinstance(value, str):
        return "@" in value  # a database URL with credentials
    return name in _SECRET_FIELDS and bool(value)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    proxy_headers: bool = False
    """Trust X-Forwarded-* from the reverse proxy (set when behind nginx)."""


class DatabaseSettings(_Section):
    url: str = "sqlite:///intranet.sqlite3"
    """``sqlite:///relative/path``, ``sqlite:////absolute/path`` or ``postgresql://user:pass@host:port/db``."""
    pool_size: int = 10
    """Connections per process (PostgreSQL pool; SQLite read connections)."""


class SiteSettings(_Section):
    name: str = "Intranet"
    default_language: str = "da"
    languages: list[str] = msgspec.field(default_factory=lambda: ["da", "en"])
    templates_dir: str | None = None
    """A directory of templates that override the core's and plugins'."""
    base_url: str | None = None
    """The public address, e.g. ``https://intranet.example.org``; https turns on HSTS and Secure cookies."""


class AuthSettings(_Section):
    idle_timeout_minutes: int = 480
    """A session unused this long ends (8 hours)."""
    absolute_timeout_hours: int = 168
    """A session ends this long after sign-in, used or not (7 days)."""
    max_failures_per_account: int = 10
    """Failed sign-ins per e-mail address within the window before it is throttled."""
    max_failures_per_address: int = 50
    """Failed sign-ins per client address within the window before it is throttled."""
    failure_window_minutes: int = 15
    password_reset_minutes: int = 60
    """How long a password-reset link works."""
    min_password_length: int = 8


class MailSettings(_Section):
    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = ""
    """Prefer INTRANET_MAIL_PASSWORD to writing it here."""
    from_address: str = "intranet@localhost"
    starttls: bool = False
    ssl: bool = False
    timeout_seconds: int = 20


class UsageSettings(_Section):
    enabled: bool = True
    """Record page views for the intranet's temperature (aggregated per person per day)."""
    retention_days: int = 400
    """Usage older than this many days is deleted (at start-up, then daily)."""
    timezone: str = "Europe/Copenhagen"
    """The time zone that days and hours of use are counted in (an IANA name)."""

    def __post_init__(self) -> None:
        if self.retention_days < 1:
            raise ValueError(f"retention_days: expected at least 1, got {self.retention_days}")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone: expected a time zone such as 'Europe/Copenhagen', got {self.timezone!r}"
            ) from None


class FeedSettings(_Section):
    restore_days: int = 30
    """How long an administrator can restore a deleted post."""


MIB = 1024 * 1024


def _default_allowed_types() -> list[str]:
    return [
        "image/png", "image/jpeg", "image/gif", "image/webp",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "text/plain", "text/csv",
        "application/zip",
    ]


class UploadsSettings(_Section):
    directory: str = "uploads"
    """Where uploaded files are kept (relative to the working directory, like the SQLite file)."""
    max_bytes: int = 20 * MIB
    """The largest file accepted, in bytes."""
    allowed_types: list[str] = msgspec.field(default_factory=_default_allowed_types)
    """Content types accepted, as sniffed from the file's bytes (never the name or the browser's word)."""
    image_types: list[str] = msgspec.field(
        default_factory=lambda: ["image/png", "image/jpeg", "image/gif", "image/webp"]
    )
    """Types shown inline as pictures; anything else is only ever downloaded."""
    max_files: int = 10
    """Files one form may carry (a post's images and attachments together)."""
    image_max_side: int = 2560
    """A picture (JPEG, PNG, WebP) longer than this many pixels on a side is scaled down to it (0: never)."""

    def __post_init__(self) -> None:
        if self.image_max_side < 0:
            raise ValueError(f"image_max_side: expected 0 or more, got {self.image_max_side}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes: expected at least 1, got {self.max_bytes}")
        if self.max_files < 1:
            raise ValueError(f"max_files: expected at least 1, got {self.max_files}")
        if "image/svg+xml" in self.image_types:
            # An SVG can carry script: it is never shown inline.
            raise ValueError("image_types: image/svg+xml cannot be shown inline (it may hold script)")

    @property
    def request_max_bytes(self) -> int:
        """The request body limit of a form that carries files: every file at its largest, plus the fields."""
        return self.max_files * (self.max_bytes + 64 * 1024) + MIB


class PersonalDataSettings(_Section):
    erase_mode: Literal["anonymise", "delete_content"] = "anonymise"
    """What erasing a leaver does with what they wrote: ``anonymise`` keeps posts and comments
    without an author; ``delete_content`` deletes them. Either way the person is anonymised."""
    audit_retention_days: int = 730
    """Audit entries (changes, look-ups, exports) older than this many days are deleted
    (at start-up, and by ``intranet purge-audit-log``); 0 keeps them for ever."""

    def __post_init__(self) -> None:
        if self.audit_retention_days < 0:
            raise ValueError(f"audit_retention_days: expected 0 or more, got {self.audit_retention_days}")


class TasksSettings(_Section):
    scheduler: bool = True
    """Run due periodic tasks inside each app process; ``false`` when ``intranet tasks run-due`` runs from cron."""
    tick_seconds: int = 30
    """How often each process's scheduler looks for due tasks (at most; it wakes at random within the tick)."""

    def __post_init__(self) -> None:
        if not 1 <= self.tick_seconds <= 3600:
            raise ValueError(f"tick_seconds: expected 1 to 3600, got {self.tick_seconds}")


class PluginsSettings(_Section):
    enabled: list[str] | None = None
    """Entry-point names of the plugins to use; ``None`` means every installed plugin."""
    disabled: list[str] = msgspec.field(default_factory=list)


class Settings(_Section):
    secret_key: str = ""
    debug: bool = False
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    database: DatabaseSettings = msgspec.field(default_factory=DatabaseSettings)
    site: SiteSettings = msgspec.field(default_factory=SiteSettings)
    auth: AuthSettings = msgspec.field(default_factory=AuthSettings)
    mail: MailSettings = msgspec.field(default_factory=MailSettings)
    feed: FeedSettings = msgspec.field(default_factory=FeedSettings)
    usage: UsageSettings = msgspec.field(default_factory=UsageSettings)
    personal_data: PersonalDataSettings = msgspec.field(default_factory=PersonalDataSettings)
    tasks: TasksSettings = msgspec.field(default_factory=TasksSettings)
    uploads: UploadsSettings = msgspec.field(default_factory=UploadsSettings)
    plugins: PluginsSettings = msgspec.field(default_factory=PluginsSettings)
    plugin_sections: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    """Raw ``[plugins.<name>]`` tables; validated against each plugin's Struct at start-up."""
    source: str = "defaults"
    """Where the settings came from, for messages."""

    def is_plugin_enabled(self, name: str) -> bool:
        if name in self.plugins.disabled:
            return False
        return self.plugins.enabled is None or name in self.plugins.enabled

    @property
    def https(self) -> bool:
        return bool(self.site.base_url and self.site.base_url.startswith("https://"))


# Variables override the file. The value is converted to the field's type.
ENV_OVERRIDES: dict[str, tuple[str, ...]] = {
    "INTRANET_SECRET_KEY": ("secret_key",),
    "INTRANET_DEBUG": ("debug",),
    "INTRANET_DATABASE_URL": ("database", "url"),
    "INTRANET_DATABASE_POOL_SIZE": ("database", "pool_size"),
    "INTRANET_HOST": ("server", "host"),
    "INTRANET_PORT": ("server", "port"),
    "INTRANET_WORKERS": ("server", "workers"),
    "INTRANET_SITE_NAME": ("site", "name"),
    "INTRANET_BASE_URL": ("site", "base_url"),
    "INTRANET_PLUGINS_DISABLED": ("plugins", "disabled"),
    "INTRANET_MAIL_HOST": ("mail", "host"),
    "INTRANET_MAIL_PORT": ("mail", "port"),
    "INTRANET_MAIL_USERNAME": ("mail", "username"),
    "INTRANET_MAIL_PASSWORD": ("mail", "password"),
    "INTRANET_MAIL_FROM": ("mail", "from_address"),
    "INTRANET_UPLOADS_DIRECTORY": ("uploads", "directory"),
}

_MSGSPEC_TYPE = re.compile(r"Expected `([^`]+)`, got `([^`]+)`(?: - at `\$(.*)`)?")
_MSGSPEC_UNKNOWN = re.compile(r"Object contains unknown field `([^`]+)`(?: - at `\$(.*)`)?")
_MSGSPEC_OTHER = re.compile(r"(.*?)(?: - at `\$(.*)`)?$")


def _key_path(prefix: str, at: str | None) -> str:
    parts = [p for p in (prefix, (at or "").lstrip(".")) if p]
    return ".".join(parts).replace(".[", "[") or "(top level)"


def describe_validation_error(
    exc: msgspec.ValidationError, source: str, prefix: str = "", struct: type | None = None
) -> str:
    """Turn msgspec's message into ``file: key: expected type``, one line."""
    message = str(exc)
    if m := _MSGSPEC_UNKNOWN.match(message):
        key = _key_path(prefix, f"{m.group(2) or ''}.{m.group(1)}")
        known = _known_fields(struct, m.group(2))
        hint = f" (expected one of: {', '.join(known)})" if known else ""
        return f"{source}: {key}: unknown key{hint}"
    if m := _MSGSPEC_TYPE.match(message):
        names = {"object": "table", "array": "list", "str": "string", "int": "integer",
                 "bool": "boolean (true/false)", "float": "number"}
        expected = " or ".join(names.get(t, t) for t in m.group(1).split(" | ") if t != "null")
        return f"{source}: {_key_path(prefix, m.group(3))}: expected {expected}, got {m.group(2)}"
    m = _MSGSPEC_OTHER.match(message)
    assert m
    return f"{source}: {_key_path(prefix, m.group(2))}: {m.group(1)}"


def _known_fields(struct: type | None, at: str | None) -> list[str]:
    for part in [p for p in (at or "").split(".") if p and not p.startswith("[")]:
        if struct is None or not hasattr(struct, "__struct_fields__"):
            return []
        struct = {f.name: f.type for f in msgspec.structs.fields(struct)}.get(part)
    if not isinstance(struct, type) or not hasattr(struct, "__struct_fields__"):
        return []
    return [f for f in struct.__struct_fields__ if f not in ("plugin_sections", "source")]


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_file: bool = False,
) -> Settings:
    """Read settings from ``path`` (default ``$INTRANET_CONFIG`` or ``./intranet.toml``).

    A missing file gives the defaults unless ``require_file``; the variables in
    :data:`ENV_OVERRIDES` then apply.
    """
    environ = os.environ if environ is None else environ
    chosen = Path(path or environ.get("INTRANET_CONFIG") or DEFAULT_PATH)
    data: dict[str, Any] = {}
    source = str(chosen)
    if chosen.exists():
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{source}: cannot be read: {exc.strerror}") from None
    elif require_file or path is not None or environ.get("INTRANET_CONFIG"):
        raise ConfigError(f"{source}: no such file (create one with `intranet init`)")
    else:
        source = "defaults"
    return settings_from_dict(data, source=source, environ=environ)


def settings_from_dict(
    data: Mapping[str, Any], *, source: str = "settings", environ: Mapping[str, str] | None = None
) -> Settings:
    """Validate a parsed TOML document (and apply ``environ`` overrides)."""
    data = dict(data)
    plugins = dict(data.get("plugins") or {}) if isinstance(data.get("plugins"), dict) else data.get("plugins")
    plugin_sections: dict[str, dict[str, Any]] = {}
    if isinstance(plugins, dict):
        for name in [k for k, v in plugins.items() if isinstance(v, dict)]:
            plugin_sections[name] = plugins.pop(name)
        data["plugins"] = plugins
    for reserved in ("plugin_sections", "source"):
        if reserved in data:
            raise ConfigError(f"{source}: {reserved}: unknown key")
    try:
        settings = msgspec.convert(data, Settings, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(describe_validation_error(exc, source, struct=Settings)) from None
    settings = msgspec.structs.replace(settings, plugin_sections=plugin_sections, source=source)
    return apply_environment(settings, os.environ if environ is None else environ)


def apply_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    for variable, path in ENV_OVERRIDES.items():
        if variable not in environ:
            continue
        raw: Any = environ[variable]
        target: Any = settings
        for part in path[:-1]:
            target = getattr(target, part)
        field_type = _field_type(type(target), path[-1])
        if field_type is not None and "list" in str(field_type):
            raw = [item.strip() for item in raw.split(",") if item.strip()]
        try:
            value = msgspec.convert(raw, field_type, strict=False)
        except msgspec.ValidationError:
            raise ConfigError(
                f"environment: {variable}: expected {_type_name(field_type)}"
                + ("" if path[-1] in _SECRET_FIELDS else f", got {environ[variable]!r}")
            ) from None
        settings = _replace_path(settings, path, value)
    return settings


def _field_type(struct: type, name: str) -> Any:
    return {f.name: f.type for f in msgspec.structs.fields(struct)}[name]


def _type_name(t: Any) -> str:
    return {int: "integer", bool: "boolean (true/false, 1/0)", str: "string"}.get(t, str(t))


def _replace_path(obj: Any, path: tuple[str, ...], value: Any) -> Any:
    if len(path) == 1:
        return msgspec.structs.replace(obj, **{path[0]: value})
    return msgspec.structs.replace(obj, **{path[0]: _replace_path(getattr(obj, path[0]), path[1:], value)})


def validate_plugin_settings(settings: Settings, name: str, struct: type[msgspec.Struct]) -> msgspec.Struct:
    """Decode ``[plugins.<name>]`` with the plugin's Struct, or raise one clear line."""
    raw = settings.plugin_sections.get(name, {})
    try:
        return msgspec.convert(raw, struct, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(
            describe_validation_error(exc, settings.source, prefix=f"plugins.{name}", struct=struct)
        ) from None


def new_secret_key() -> str:
    return secrets.token_urlsafe(48)


def render_toml(*, secret_key: str, database_url: str = "sqlite:///intranet.sqlite3") -> str:
    """The text of a fresh ``intranet.toml``, commented for a first reading."""
    return f"""\
# intranet.toml: settings of this intranet. See docs/configuration.md.
# Any value can be overridden by an environment variable, e.g.
# INTRANET_DATABASE_URL, INTRANET_SECRET_KEY, INTRANET_PORT.

# Signs sessions and CSRF tokens. Keep it secret; changing it signs everyone out.
secret_key = "{secret_key}"
debug = false

[server]
host = "127.0.0.1"
port = 8000
workers = 1

[database]
# SQLite by default; for several processes use PostgreSQL:
# url = "postgresql://intranet:secret@127.0.0.1:5432/intranet"
url = "{database_url}"

[site]
name = "Intranet"
default_language = "da"

[auth]
idle_timeout_minutes = 480
absolute_timeout_hours = 168

[mail]
# Outgoing mail (password resets, notifications). The password is best
# given as INTRANET_MAIL_PASSWORD.
host = "localhost"
port = 25
from_address = "intranet@localhost"

[plugins]
# Every installed plugin is enabled unless listed here:
disabled = []

# Each plugin reads its own section, e.g.
# [plugins.phonebook]
"""
