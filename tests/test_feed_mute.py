"""Muted audience keys (``muted_audience_keys``): out of the main feed, still readable everywhere else."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from intranet_core import hookimpl
from intranet_core.feed import service
from intranet_core.people.service import create_person, create_unit
from intranet_core.testing import client_for, sign_in


class Clubs:
    """A plugin with one audience of its own, ``club:1``, that everyone is in and may mute."""

    muted: set[str] = set()

    @hookimpl
    def user_audience_keys(self, user: Any) -> list[str]:
        return ["club:1"]

    @hookimpl
    async def muted_audience_keys(self, user: Any) -> list[str]:
        # A plugin cannot mute the core's own keys: they are ignored.
        return [*sorted(self.muted), "all", "unit:1"]


@pytest.fixture
def intranet_plugins() -> list[Any]:
    Clubs.muted = set()
    return [("clubs", Clubs())]


async def test_muted_keys_leave_the_main_feed_only(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app) as client:
        unit = await create_unit(intranet, name="District", kind="district", parent_id=None, actor_id=None)
        person = await sign_in(client, intranet_app, "reader@example.org")
        author = await create_person(intranet, actor_id=None, fields={"email": "a@example.org", "name": "A"},
                                     unit_id=unit)
        club_post = await service.create_post(intranet, author_id=author.id, title="Club", body="c",
                                              audience=["club:1"])
        everyone = await service.create_post(intranet, author_id=author.id, title="All", body="a", audience=["all"])
        assert "club:1" in await service.feed_keys(intranet, person)
        Clubs.muted = {"club:1"}
        keys = await service.feed_keys(intranet, person)
        assert "club:1" not in keys and "all" in keys
        assert "club:1" in await service.audience_keys(intranet, person)
        front = (await client.get("/", headers={"accept-language": "en"})).text
        assert f'id="post-{everyone}"' in front and f'id="post-{club_post}"' not in front
        assert (await client.get(f"/posts/{club_post}")).status_code == 200
