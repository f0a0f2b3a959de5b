"""The account pages as a built-in plugin.

A person's own account (name, e-mail, language, password), their sessions,
their API tokens, password reset by e-mail, and ``/api/v1/me``. The site
shell's account menu links to ``/account``.
"""

from __future__ import annotations

from pathlib import Path

from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet

HERE = Path(__file__).parent


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.account.api import api_router
    from intranet_core.account.reset import (
        new_password_page,
        new_password_submit,
        reset_request_page,
        reset_request_submit,
    )
    from intranet_core.account.routes import account_router

    return [account_router, api_router, reset_request_page, reset_request_submit, new_password_page,
            new_password_submit]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]

