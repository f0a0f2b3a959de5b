from __future__ import annotations

from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import Permission
from intranet_core.i18n import gettext as _


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.permissions.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_permissions(app: Intranet) -> list[Permission]:
    return [
        Permission(name="people.manage", label=_("Create, edit and deactivate people; edit units")),
        Permission(name="roles.manage", label=_("Give and take back roles")),
        Permission(name="audit.view", label=_("Read the audit log")),
        Permission(name="site.admin", label=_("Open the administration pages")),
    ]
