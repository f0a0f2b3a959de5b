"""The ``restrict_paths`` hook: a plugin keeps a signed-in person to some paths; everyone else is untouched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intranet_core import hookimpl
from intranet_core.auth.restrict import under
from intranet_core.people.models import PersonInfo
from intranet_core.testing import build_app, client_for, database_url_for_tests, make_settings, sign_in

HTML = {"accept": "text/html"}


class KeepToAccount:
    """Keeps people whose e-mail starts with "new" to ``/account`` (and what the core always allows)."""

    @hookimpl
    async def restrict_paths(self, user: PersonInfo) -> list[str] | None:
        return ["/notifications"] if user.email.startswith("new") else None


def test_prefixes_cover_the_paths_below_them_only() -> None:
    assert under("/onboarding", "/onboarding") and under("/onboarding/flows/3", "/onboarding")
    assert not under("/onboardings", "/onboarding") and not under("/", "/onboarding")
    assert under("/static/core/x.css", "/static/") and not under("/staticky", "/static/")


async def test_a_restricted_person_sees_only_the_allowed_paths(tmp_path: Path) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"})
    app = await build_app(settings, [("keep", KeepToAccount())])
    async with client_for(app) as newcomer, client_for(app) as other:
        await sign_in(newcomer, app, "new@example.org", name="New Person")
        await sign_in(other, app, "old@example.org", name="Old Hand")
        front: Any = await newcomer.get("/", headers=HTML)
        assert front.status_code == 303 and front.headers["location"] == "/notifications"
        assert (await newcomer.get("/notifications", headers=HTML)).status_code == 200
        assert (await newcomer.get("/people", headers=HTML)).status_code == 404
        assert (await newcomer.get("/search?q=x", headers=HTML)).status_code == 404
        assert (await newcomer.get("/account", headers=HTML)).status_code in (200, 303)
        assert (await newcomer.get("/static/core/intranet.css")).status_code == 200
        # Others are not touched.
        assert (await other.get("/", headers=HTML)).status_code == 200
        assert (await other.get("/search?q=x", headers=HTML)).status_code == 200
