"""Who may create surveys, send them to whom, manage them and see their results.

Permissions (``register_permissions``): ``surveys.create`` (build
questionnaires, send surveys; everywhere, or to a unit and the units below
it) and ``surveys.results`` (see results; everywhere, or of surveys to
units in a branch). Whoever created a survey manages it and sees its
results. Every check is a query: nothing is fetched and then filtered.
"""

from __future__ import annotations

from typing import Any

from intranet_core.admin.units import unit_tree
from intranet_core.contributions import AudienceChoice
from intranet_core.feed import service as feed
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Unit
from intranet_core.permissions.service import ancestor_ids, may, may_anywhere, units_where
from intranet_core.plugins import gather
from intranet_surveys import surveys

CREATE = "surveys.create"
RESULTS = "surveys.results"


async def may_create(user: PersonInfo | None) -> bool:
    return user is not None and await may_anywhere(user.id, CREATE)


async def holds_for(person_id: int, permission: str, keys: list[str]) -> bool:
    """Whether the person holds ``permission`` for every audience key: everywhere, or for units covering them all."""
    where = await units_where(person_id, permission)
    if where is None:
        return True
    if not where or not keys:
        return False
    unit_ids = [feed.unit_id_of(key) for key in keys]
    if any(unit_id is None for unit_id in unit_ids):
        return False
    wanted = sorted({u for u in unit_ids if u is not None})
    rows = await Unit.select(Unit.id, Unit.path).where(Unit.id.is_in(wanted)).run()
    if len(rows) != len(wanted):
        return False
    allowed = set(where)
    return all(allowed & set(ancestor_ids(row["path"])) for row in rows)


async def may_manage(user: PersonInfo, survey: dict[str, Any]) -> bool:
    """Change, stop and see the results of a survey: its creator, or who may create surveys for its whole audience."""
    if survey["created_by"] == user.id:
        return True
    return await holds_for(user.id, CREATE, await surveys.audience_of(int(survey["id"])))


async def may_see_results(user: PersonInfo, survey: dict[str, Any]) -> bool:
    if await may_manage(user, survey):
        return True
    return await holds_for(user.id, RESULTS, await surveys.audience_of(int(survey["id"])))


async def may_see_temperature(user: PersonInfo | None) -> bool:
    return user is not None and await may(user.id, RESULTS)


async def audience_choices(intranet: Any, user: PersonInfo) -> list[AudienceChoice]:
    """Where this person may send a survey: everyone, the units they may create surveys for, plugin audiences."""
    choices: list[AudienceChoice] = []
    where = await units_where(user.id, CREATE)
    if where == []:
        return []
    if where is None:
        choices.append(AudienceChoice(key="all", label=_("Everyone"), order=0))
    # The units in the order of the tree, indented (each unit's branch under it).
    tree = await unit_tree()
    allowed = None if where is None else set(where)
    for node in tree.flat:
        if allowed is None or allowed & set(ancestor_ids(node.path)):
            choices.append(AudienceChoice(key=f"unit:{node.id}", label=node.indented_name, order=10))
    # Plugin audiences (a group) the person may publish to, for those who may create surveys at all.
    # by_order would sort the units by name: keep the tree's order, plugin audiences after.
    plugin_choices = await gather(intranet.hook.publishable_audiences(app=intranet, user=user))
    return choices + sorted(plugin_choices, key=lambda c: (c.order, c.label))


async def audience_labels(intranet: Any, user: PersonInfo, keys: list[str]) -> list[str]:
    """Readable names of audience keys (units by name; plugin keys as the person's choices name them)."""
    names: dict[str, str] = {"all": _("Everyone")}
    unit_ids = sorted({u for u in (feed.unit_id_of(k) for k in keys) if u is not None})
    if unit_ids:
        for row in await Unit.select(Unit.id, Unit.name).where(Unit.id.is_in(unit_ids)).run():
            names[f"unit:{row['id']}"] = row["name"]
    missing = [k for k in keys if k not in names]
    if missing:
        for choice in await gather(intranet.hook.publishable_audiences(app=intranet, user=user)):
            names.setdefault(choice.key, choice.label)
    return [names.get(key, key) for key in keys]
