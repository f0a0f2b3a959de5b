"""Usage figures for one unit's branch, the people active in a period, and adoption per unit."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from intranet_core.people.service import add_membership, create_person, create_unit, set_active
from intranet_core.usage.recorder import write_counts
from intranet_core.usage.service import active_people, adoption_by_unit, usage_figures


async def test_figures_per_unit_and_adoption(intranet_app: Any) -> None:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        root = await create_unit(intranet, name="Org", kind="organisation", parent_id=None, actor_id=None)
        east = await create_unit(intranet, name="East", kind="district", parent_id=root, actor_id=None)
        team = await create_unit(intranet, name="East team", kind="team", parent_id=east, actor_id=None)
        west = await create_unit(intranet, name="West", kind="district", parent_id=root, actor_id=None)

        async def person(email: str, unit: int) -> int:
            created = await create_person(intranet, actor_id=None, fields={"email": email, "name": email},
                                          unit_id=unit)
            return created.id

        ann, bo, cy, dan = (await person("ann@x.org", east), await person("bo@x.org", team),
                            await person("cy@x.org", west), await person("dan@x.org", west))
        # Bo is in the district too: still one person there.
        await add_membership(intranet, bo, east, actor_id=None)
        day1, day2 = datetime.date(2026, 3, 2), datetime.date(2026, 3, 9)
        await write_counts(intranet, Counter({
            (ann, day1, "phone", 8, "feed"): 2, (bo, day1, "desktop", 9, "feed"): 1, (bo, day2, "phone", 9, "feed"): 4,
            (cy, day2, "desktop", 14, "phonebook"): 3,
        }))
        await set_active(intranet, dan, False, actor_id=None)

        east_figures = await usage_figures(day1, day2, unit_id=east)
        assert (east_figures.staff, east_figures.total.people, east_figures.total.views) == (2, 2, 7)
        assert set(east_figures.by_section) == {"feed"}
        team_figures = await usage_figures(day1, day2, unit_id=team)
        assert (team_figures.staff, team_figures.total.people) == (1, 1)
        assert (await usage_figures(day1, day2, unit_id=999_999)).total.people == 0
        everyone = await usage_figures(day1, day2)
        assert (everyone.staff, everyone.total.people) == (3, 3)

        assert await active_people(day1, day1) == 2
        assert await active_people(day2, day2) == 2
        assert await active_people(day1, day2, unit_id=west) == 1

        adoption = await adoption_by_unit(day1, day2, [east, west, team, root])
        assert {u: (a.staff, a.people, a.views) for u, a in adoption.items()} == {
            east: (2, 2, 7), west: (1, 1, 3), team: (1, 1, 5), root: (3, 3, 10),
        }
        assert await adoption_by_unit(day1, day2, []) == {}
    finally:
        await intranet.db.close()
