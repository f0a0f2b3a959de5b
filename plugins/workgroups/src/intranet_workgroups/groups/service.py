"""Who is in a group, who may see it, and changing that.

Every check is a condition of the query that reads the group: a person who
may not see a secret group never gets its row, so every route built on
:func:`access` answers 404 for it. Membership is:

- explicit: a ``workgroups_member`` row (joined an open group, approved,
  added by an admin); ``role`` says admin or member;
- through a unit: the person belongs to a unit bound to the group
  (``workgroups_unit``: a local group's own unit, or a unit the group is
  mandatory for) or to a unit below it. This is derived in every query from
  the core's unit memberships, never copied, so when an administrator moves
  someone to another district, their local groups follow on the next
  request, without any event having to arrive.

Site administrators hold ``workgroups.manage`` everywhere: they see every
group (secret ones included) and may change any group's settings and
members; what they read there is logged like any change they make.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from intranet_core.audit.service import record
from intranet_core.feed.service import unit_keys
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Person, Unit
from intranet_core.permissions.service import may
from intranet_workgroups.contributions import GroupInfo
from intranet_workgroups.groups.tables import (
    DESCRIPTION_MAX,
    KINDS,
    NAME_MAX,
    VISIBILITIES,
    Follower,
    Group,
    GroupUnit,
    JoinRequest,
    Member,
    Mute,
)

MAX_ID = 2**31 - 1
KEY_PREFIX = "group:"
MANAGE = "workgroups.manage"
CREATE = "workgroups.create"
CREATE_LOCAL = "workgroups.create_local"

GROUP_COLUMNS = (
    Group.id, Group.name, Group.description, Group.kind, Group.visibility, Group.unit, Group.unit.name,
    Group.created_at, Group.updated_at,
)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def audience_key(group_id: int) -> str:
    return f"{KEY_PREFIX}{int(group_id)}"


def group_id_of(key: str) -> int | None:
    """``group:7`` -> 7; any other key -> ``None``."""
    if not key.startswith(KEY_PREFIX):
        return None
    value = key[len(KEY_PREFIX):]
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def valid_id(value: int) -> bool:
    return 0 < value <= MAX_ID


class GroupError(ValueError):
    """A change that cannot be made; ``code`` names the message the page shows."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- the viewer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the queries need to know about the person looking."""

    person_id: int
    # Every unit the person belongs to, and every unit above those.
    unit_ids: tuple[int, ...]
    # Holds workgroups.manage everywhere: sees and administers every group.
    manager: bool


async def viewer_for(user: PersonInfo) -> Viewer:
    units = tuple(int(key.split(":", 1)[1]) for key in await unit_keys(user.id))
    return Viewer(person_id=user.id, unit_ids=units, manager=await may(user.id, MANAGE))


async def member_viewer(person_id: int) -> Viewer:
    """The person as a member only (what they belong to, not what they administer)."""
    units = tuple(int(key.split(":", 1)[1]) for key in await unit_keys(person_id))
    return Viewer(person_id=person_id, unit_ids=units, manager=False)


def explicit_groups(person_id: int) -> Any:
    return Member.select(Member.workgroup).where(Member.person == person_id)


def member_condition(viewer: Viewer, column: Any = Group.id) -> Any:
    """``column`` (a group id) is one of the viewer's groups: a member row, or through a unit."""
    condition = column.is_in(explicit_groups(viewer.person_id))
    if viewer.unit_ids:
        condition = condition | column.is_in(
            GroupUnit.select(GroupUnit.workgroup).where(GroupUnit.unit.is_in(list(viewer.unit_ids)))
        )
    return condition


def visible_condition(viewer: Viewer) -> Any:
    """Groups the viewer may know exist: every group but the secret ones they are not in."""
    if viewer.manager:
        return Group.id > 0
    return (Group.visibility != "secret") | member_condition(viewer)


def readable_condition(viewer: Viewer) -> Any:
    """Groups whose pages, files and members the viewer may see: open ones, and their own."""
    if viewer.manager:
        return Group.id > 0
    return (Group.visibility == "open") | member_condition(viewer)


def member_sql(viewer: Viewer, column: str) -> tuple[str, list[Any]]:
    """The same as :func:`member_condition`, as SQL on ``column`` (for raw queries), with its arguments."""
    # Only our own column names and placeholders are formatted in; values are arguments.
    sql = f"{column} IN (SELECT m.workgroup FROM workgroups_member AS m WHERE m.person = {{}})"  # noqa: S608
    args: list[Any] = [viewer.person_id]
    if viewer.unit_ids:
        marks = ", ".join("{}" for _ in viewer.unit_ids)
        sql = (f"({sql} OR {column} IN (SELECT gu.workgroup FROM workgroups_unit AS gu "  # noqa: S608
               f"WHERE gu.unit IN ({marks})))")
        args += list(viewer.unit_ids)
    return sql, args


def readable_sql(viewer: Viewer, group_column: str, visibility_column: str) -> tuple[str, list[Any]]:
    """SQL: the viewer may read the group's content (for search conditions)."""
    if viewer.manager:
        return "1 = 1", []
    sql, args = member_sql(viewer, group_column)
    return f"({visibility_column} = {{}} OR {sql})", ["open", *args]


def visible_sql(viewer: Viewer, group_column: str, visibility_column: str) -> tuple[str, list[Any]]:
    """SQL: the viewer may know the group exists."""
    if viewer.manager:
        return "1 = 1", []
    sql, args = member_sql(viewer, group_column)
    return f"({visibility_column} <> {{}} OR {sql})", ["secret", *args]


# --- one group, as the viewer sees it ------------------------------------------------------


@dataclass(frozen=True)
class Access:
    """A group the viewer may see, and what they are to it."""

    group: dict[str, Any]
    viewer: Viewer
    explicit: bool = False
    role: str | None = None
    # Bound units (id, name) through which the viewer is a member: they cannot leave.
    via_units: list[dict[str, Any]] = field(default_factory=list)
    follower: bool = False
    requested: bool = False
    muted: bool = False

    @property
    def id(self) -> int:
        return int(self.group["id"])

    @property
    def key(self) -> str:
        return audience_key(self.id)

    @property
    def member(self) -> bool:
        return self.explicit or bool(self.via_units)

    @property
    def admin(self) -> bool:
        """A group admin (or a site administrator)."""
        return self.role == "admin" or self.viewer.manager

    @property
    def can_read(self) -> bool:
        return self.group["visibility"] == "open" or self.member or self.viewer.manager

    @property
    def can_post(self) -> bool:
        return self.member

    @property
    def can_follow(self) -> bool:
        return self.group["visibility"] == "open" and not self.member

    @property
    def reads_posts(self) -> bool:
        """The group's audience key is the viewer's: its posts are in their feed and on its page."""
        return self.member or (self.follower and self.group["visibility"] == "open")

    @property
    def can_leave(self) -> bool:
        return self.explicit and not self.via_units


async def access(viewer: Viewer, group_id: int) -> Access | None:
    """The group if the viewer may know it exists (else ``None``: answer 404)."""
    if not valid_id(group_id):
        return None
    row = await Group.select(*GROUP_COLUMNS).where((Group.id == group_id) & visible_condition(viewer)).first().run()
    if row is None:
        return None
    member = await Member.select(Member.role).where(
        (Member.workgroup == group_id) & (Member.person == viewer.person_id)
    ).first().run()
    via: list[dict[str, Any]] = []
    if viewer.unit_ids:
        via = await GroupUnit.select(GroupUnit.unit, GroupUnit.unit.name.as_alias("unit_name"), GroupUnit.home).where(
            (GroupUnit.workgroup == group_id) & GroupUnit.unit.is_in(list(viewer.unit_ids))
        ).order_by(GroupUnit.unit.name).run()
    follower = await Follower.exists().where(
        (Follower.workgroup == group_id) & (Follower.person == viewer.person_id)
    ).run()
    requested = await JoinRequest.exists().where(
        (JoinRequest.workgroup == group_id) & (JoinRequest.person == viewer.person_id)
    ).run()
    muted = await Mute.exists().where((Mute.workgroup == group_id) & (Mute.person == viewer.person_id)).run()
    return Access(
        group=row, viewer=viewer, explicit=member is not None, role=member["role"] if member else None,
        via_units=via, follower=bool(follower), requested=bool(requested), muted=bool(muted),
    )


# --- lists ------------------------------------------------------------------------------


async def my_groups(viewer: Viewer, limit: int = 200) -> list[dict[str, Any]]:
    """The viewer's groups (member in any way), by name."""
    return await Group.select(*GROUP_COLUMNS).where(member_condition(viewer)).order_by(Group.name).order_by(
        Group.id
    ).limit(limit).run()


async def followed_groups(viewer: Viewer, limit: int = 200) -> list[dict[str, Any]]:
    return await Group.select(*GROUP_COLUMNS).where(
        (Group.visibility == "open")
        & Group.id.is_in(Follower.select(Follower.workgroup).where(Follower.person == viewer.person_id))
    ).order_by(Group.name).order_by(Group.id).limit(limit).run()


async def directory(
    viewer: Viewer, *, after: tuple[str, int] | None = None, kind: str | None = None, limit: int = 30
) -> list[dict[str, Any]]:
    """Every group the viewer may know of, by name, a keyset page after ``(name, id)``."""
    condition = visible_condition(viewer)
    if kind in KINDS:
        condition = condition & (Group.kind == kind)
    if after is not None:
        name, last_id = after
        condition = condition & ((Group.name > name) | ((Group.name == name) & (Group.id > last_id)))
    return await Group.select(*GROUP_COLUMNS).where(condition).order_by(Group.name).order_by(Group.id).limit(
        limit
    ).run()


async def groups_by_ids(viewer: Viewer, ids: list[int]) -> list[dict[str, Any]]:
    """The groups among ``ids`` the viewer may know of, in the order of ``ids``."""
    if not ids:
        return []
    rows = await Group.select(*GROUP_COLUMNS).where(Group.id.is_in(ids) & visible_condition(viewer)).run()
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _members_union(group_marks: str) -> str:
    """SQL of (workgroup, person) for every member of the groups in ``group_marks``; args given twice."""
    return (
        "SELECT m.workgroup AS workgroup, m.person AS person FROM workgroups_member AS m "  # noqa: S608
        f"WHERE m.workgroup IN ({group_marks}) "
        "UNION "
        # CROSS JOIN fixes SQLite's join order: the bound units, the units below them, then their
        # memberships by index. (Left to itself, SQLite may scan every membership and test each
        # against every unit.) PostgreSQL plans CROSS JOIN with WHERE as any inner join.
        "SELECT gu.workgroup AS workgroup, ms.person AS person FROM workgroups_unit AS gu "
        "CROSS JOIN org_unit AS u CROSS JOIN org_unit AS mu CROSS JOIN membership AS ms "
        f"WHERE gu.workgroup IN ({group_marks}) AND u.id = gu.unit AND mu.path LIKE u.path || '%' "
        "AND ms.unit = mu.id"
    )


async def member_counts(group_ids: list[int]) -> dict[int, int]:
    """Active members per group (explicit and through units), in one query."""
    if not group_ids:
        return {}
    marks = ", ".join("{}" for _ in group_ids)
    rows = await Group.raw(
        "SELECT x.workgroup AS workgroup, COUNT(DISTINCT x.person) AS members FROM ("  # noqa: S608
        + _members_union(marks)
        + ") AS x JOIN person AS p ON p.id = x.person WHERE p.active = {} GROUP BY x.workgroup",
        *group_ids, *group_ids, True,
    ).run()
    return {int(row["workgroup"]): int(row["members"]) for row in rows}


async def member_ids(group_ids: list[int], *, exclude_muted: bool = False) -> set[int]:
    """Active members of the groups, found in SQL; without those who muted them with ``exclude_muted``."""
    if not group_ids:
        return set()
    marks = ", ".join("{}" for _ in group_ids)
    sql = (
        "SELECT DISTINCT x.person AS person FROM (" + _members_union(marks) + ") AS x "  # noqa: S608
        "JOIN person AS p ON p.id = x.person WHERE p.active = {}"
    )
    args: list[Any] = [*group_ids, *group_ids, True]
    if exclude_muted:
        sql += (" AND NOT EXISTS (SELECT 1 FROM workgroups_mute AS mu WHERE mu.person = x.person "
                "AND mu.workgroup = x.workgroup)")
    rows = await Group.raw(sql, *args).run()
    return {int(row["person"]) for row in rows}


async def is_member(group_id: int, person_id: int) -> bool:
    """Whether the person is in the group, on their own or through a unit."""
    viewer = await member_viewer(person_id)
    return bool(await Group.exists().where((Group.id == group_id) & member_condition(viewer)).run())


def group_info(found: Access) -> GroupInfo:
    """The group as other plugins see it (``group_document_sources``)."""
    row = found.group
    return GroupInfo(id=int(row["id"]), name=row["name"], kind=row["kind"], visibility=row["visibility"],
                     unit_id=row["unit"], url=f"/groups/{int(row['id'])}")


async def follower_ids(group_ids: list[int]) -> set[int]:
    """Active followers of the open ones among the groups."""
    if not group_ids:
        return set()
    rows = await Follower.select(Follower.person).where(
        Follower.workgroup.is_in(group_ids)
        & (Follower.workgroup.visibility == "open")
        & (Follower.person.active == True)  # noqa: E712 - SQL
    ).run()
    return {int(row["person"]) for row in rows}


async def admin_ids(group_id: int) -> list[int]:
    rows = await Member.select(Member.person).where(
        (Member.workgroup == group_id) & (Member.role == "admin") & (Member.person.active == True)  # noqa: E712
    ).run()
    return sorted(int(row["person"]) for row in rows)


async def members_page(
    group_id: int, *, after: tuple[str, int] | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Members by name, a keyset page after ``(name, id)``: each with their role and whether through a unit."""
    keyset = ""
    keyset_args: list[Any] = []
    if after is not None:
        keyset = " AND (p.name > {} OR (p.name = {} AND p.id > {}))"
        keyset_args = [after[0], after[0], after[1]]
    rows = await Group.raw(
        "SELECT p.id AS id, p.name AS name, p.title AS title, "  # noqa: S608
        "(SELECT m.role FROM workgroups_member AS m WHERE m.workgroup = {} AND m.person = p.id) AS role, "
        "EXISTS (SELECT 1 FROM workgroups_unit AS gu JOIN org_unit AS u ON u.id = gu.unit "
        "JOIN membership AS ms ON ms.person = p.id JOIN org_unit AS mu ON mu.id = ms.unit "
        "WHERE gu.workgroup = {} AND mu.path LIKE u.path || '%') AS via_unit "
        "FROM person AS p WHERE p.id IN (SELECT x.person FROM (" + _members_union("{}") + ") AS x) "
        "AND p.active = {}" + keyset + " ORDER BY p.name, p.id LIMIT {}",
        group_id, group_id, group_id, group_id, True, *keyset_args, limit,
    ).run()
    return [{**row, "via_unit": bool(row["via_unit"])} for row in rows]


async def join_requests(group_id: int) -> list[dict[str, Any]]:
    return await JoinRequest.select(
        JoinRequest.id, JoinRequest.person, JoinRequest.person.name, JoinRequest.person.title,
        JoinRequest.message, JoinRequest.created_at,
    ).where(
        (JoinRequest.workgroup == group_id) & (JoinRequest.person.active == True)  # noqa: E712 - SQL
    ).order_by(JoinRequest.created_at).order_by(JoinRequest.id).run()


async def pending_request_count(viewer: Viewer) -> int:
    """Join requests waiting in the groups the viewer is an admin of."""
    return int(await JoinRequest.count().where(
        JoinRequest.workgroup.is_in(
            Member.select(Member.workgroup).where((Member.person == viewer.person_id) & (Member.role == "admin"))
        )
    ).run())


async def bound_units(group_id: int) -> list[dict[str, Any]]:
    return await GroupUnit.select(
        GroupUnit.id, GroupUnit.unit, GroupUnit.unit.name.as_alias("unit_name"), GroupUnit.home
    ).where(
        GroupUnit.workgroup == group_id
    ).order_by(GroupUnit.home, ascending=False).order_by(GroupUnit.unit.name).run()


async def audience_keys_of(person_id: int) -> list[str]:
    """``group:<id>`` for every group the person is in, and every open group they follow."""
    viewer = await member_viewer(person_id)
    rows = await Group.select(Group.id).where(
        member_condition(viewer)
        | ((Group.visibility == "open")
           & Group.id.is_in(Follower.select(Follower.workgroup).where(Follower.person == person_id)))
    ).order_by(Group.id).run()
    return [audience_key(int(row["id"])) for row in rows]


async def muted_keys_of(person_id: int) -> list[str]:
    rows = await Mute.select(Mute.workgroup).where(Mute.person == person_id).order_by(Mute.workgroup).run()
    return [audience_key(int(row["workgroup"])) for row in rows]


# --- may this person create groups ---------------------------------------------------------


async def may_create_topic(intranet: Any, person_id: int) -> bool:
    if intranet.plugin_settings("workgroups").anyone_may_create_topic_groups:
        return True
    return await may(person_id, CREATE)


async def local_units(person_id: int) -> list[dict[str, Any]]:
    """Units the person may create a local group for (``workgroups.create_local`` there)."""
    from intranet_core.permissions.service import branch_units, units_where

    return await branch_units(await units_where(person_id, CREATE_LOCAL))


# --- changes ----------------------------------------------------------------------------


def check_fields(name: str, description: str, kind: str, visibility: str) -> list[str]:
    """Codes of what is wrong with a group's fields."""
    problems = []
    if not name.strip():
        problems.append("name_missing")
    elif len(name) > NAME_MAX:
        problems.append("name_long")
    if len(description) > DESCRIPTION_MAX:
        problems.append("description_long")
    if kind not in KINDS:
        problems.append("kind")
    if visibility not in VISIBILITIES:
        problems.append("visibility")
    return problems


async def create_group(
    intranet: Any, *, actor_id: int, name: str, description: str, kind: str, visibility: str,
    unit_id: int | None, ip: str = "",
) -> int:
    """A new group with its creator as admin; a local group is bound to ``unit_id``."""
    from intranet_workgroups.search import index_group

    if problems := check_fields(name, description, kind, visibility):
        raise GroupError(problems[0])
    if kind == "local" and unit_id is None:
        raise GroupError("unit_missing")
    async with intranet.db.transaction(write=True):
        if kind == "local" and not await Unit.exists().where(Unit.id == unit_id).run():
            raise GroupError("unit_missing")
        rows = await Group.insert(Group(
            name=name.strip(), description=description.strip(), kind=kind, visibility=visibility,
            unit=unit_id if kind == "local" else None, created_by=actor_id, created_at=now(), updated_at=now(),
        )).returning(Group.id).run()
        group_id = int(rows[0]["id"])
        await Member.insert(Member(workgroup=group_id, person=actor_id, role="admin", joined_at=now())).run()
        if kind == "local":
            await GroupUnit.insert(GroupUnit(workgroup=group_id, unit=unit_id, home=True, created_at=now())).run()
        await index_group(group_id)
        await record("workgroups.create", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"kind": kind, "visibility": visibility, "unit": unit_id}, ip=ip)
    return group_id


async def update_group(
    intranet: Any, group_id: int, *, actor_id: int, name: str, description: str, visibility: str, ip: str = "",
) -> None:
    """Change a group's name, description and visibility (the search index follows in the same transaction)."""
    from intranet_workgroups.search import index_group

    if problems := check_fields(name, description, "topic", visibility):
        raise GroupError(problems[0])
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Group.select(Group.visibility).where(Group.id == group_id)
        ).first().run()
        if current is None:
            raise GroupError("gone")
        await Group.update({
            Group.name: name.strip(), Group.description: description.strip(), Group.visibility: visibility,
            Group.updated_at: now(),
        }).where(Group.id == group_id).run()
        if visibility != "open":
            # Following is for open groups: it never lets anyone read a closed one.
            await Follower.delete().where(Follower.workgroup == group_id).run()
        if visibility != "closed":
            await JoinRequest.delete().where(JoinRequest.workgroup == group_id).run()
        await index_group(group_id)
        await record("workgroups.update", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"visibility": visibility, "was": current["visibility"]}, ip=ip)


async def delete_group(intranet: Any, group_id: int, *, actor_id: int, ip: str = "") -> None:
    """Delete a group with its pages and files; its posts are deleted from the feed (restorable by admins)."""
    from intranet_core.feed.service import delete_post
    from intranet_core.feed.tables import PostAudience
    from intranet_workgroups.search import unindex_group

    key = audience_key(group_id)
    async with intranet.db.transaction(write=True):
        if await intranet.db.for_update(Group.select(Group.id).where(Group.id == group_id)).first().run() is None:
            raise GroupError("gone")
        # Posts only to this group go with it; a post also to others stays for them.
        posts = await PostAudience.raw(
            "SELECT pa.post AS post FROM post_audience AS pa JOIN post AS p ON p.id = pa.post "
            "WHERE pa.key = {} AND p.deleted_at IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM post_audience AS other WHERE other.post = pa.post AND other.key <> {})",
            key, key,
        ).run()
        for row in posts:
            await delete_post(intranet, int(row["post"]), actor_id=actor_id, ip=ip)
        await unindex_group(group_id)
        await Group.delete().where(Group.id == group_id).run()
        await record("workgroups.delete", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"posts": len(posts)}, ip=ip)


async def join(intranet: Any, group_id: int, person_id: int, *, message: str = "") -> str:
    """Join an open group (``"joined"``) or ask to join a closed one (``"requested"``)."""
    async with intranet.db.transaction(write=True):
        group = await Group.select(Group.visibility).where(Group.id == group_id).first().run()
        if group is None or group["visibility"] == "secret":
            raise GroupError("gone")
        if await Member.exists().where((Member.workgroup == group_id) & (Member.person == person_id)).run():
            return "member"
        if group["visibility"] == "open":
            await Member.insert(Member(workgroup=group_id, person=person_id, role="member", joined_at=now())).run()
            await Follower.delete().where((Follower.workgroup == group_id) & (Follower.person == person_id)).run()
            return "joined"
        await JoinRequest.insert(
            JoinRequest(workgroup=group_id, person=person_id, message=message[:500], created_at=now())
        ).on_conflict(action="DO NOTHING").run()
        return "requested"


async def withdraw_request(intranet: Any, group_id: int, person_id: int) -> None:
    await JoinRequest.delete().where((JoinRequest.workgroup == group_id) & (JoinRequest.person == person_id)).run()


async def leave(intranet: Any, group_id: int, person_id: int, *, via_units: bool) -> None:
    """Leave a group one joined; not through a unit (mandatory), and not as its last admin."""
    if via_units:
        raise GroupError("mandatory")
    async with intranet.db.transaction(write=True):
        row = await intranet.db.for_update(
            Member.select(Member.role).where((Member.workgroup == group_id) & (Member.person == person_id))
        ).first().run()
        if row is None:
            return
        if row["role"] == "admin" and await _admin_count(group_id) <= 1:
            raise GroupError("last_admin")
        await Member.delete().where((Member.workgroup == group_id) & (Member.person == person_id)).run()
        await Mute.delete().where((Mute.workgroup == group_id) & (Mute.person == person_id)).run()


async def _admin_count(group_id: int) -> int:
    return int(await Member.count().where((Member.workgroup == group_id) & (Member.role == "admin")).run())


async def follow(intranet: Any, group_id: int, person_id: int, on: bool) -> None:
    async with intranet.db.transaction(write=True):
        if not on:
            await Follower.delete().where((Follower.workgroup == group_id) & (Follower.person == person_id)).run()
            await Mute.delete().where((Mute.workgroup == group_id) & (Mute.person == person_id)).run()
            return
        group = await Group.select(Group.visibility).where(Group.id == group_id).first().run()
        if group is None or group["visibility"] != "open":
            raise GroupError("not_open")
        await Follower.insert(Follower(workgroup=group_id, person=person_id, created_at=now())).on_conflict(
            action="DO NOTHING"
        ).run()


async def mute(intranet: Any, group_id: int, person_id: int, on: bool) -> None:
    if on:
        await Mute.insert(Mute(workgroup=group_id, person=person_id, created_at=now())).on_conflict(
            action="DO NOTHING"
        ).run()
    else:
        await Mute.delete().where((Mute.workgroup == group_id) & (Mute.person == person_id)).run()


async def decide_request(
    intranet: Any, group_id: int, request_id: int, *, approve: bool, actor_id: int, ip: str = ""
) -> int:
    """Approve (the person becomes a member) or decline a join request; returns the person's id."""
    async with intranet.db.transaction(write=True):
        row = await intranet.db.for_update(
            JoinRequest.select(JoinRequest.person).where(
                (JoinRequest.id == request_id) & (JoinRequest.workgroup == group_id)
            )
        ).first().run()
        if row is None:
            raise GroupError("gone")
        person_id = int(row["person"])
        await JoinRequest.delete().where(JoinRequest.id == request_id).run()
        if approve:
            await Member.insert(
                Member(workgroup=group_id, person=person_id, role="member", joined_at=now())
            ).on_conflict(action="DO NOTHING").run()
        await record("workgroups.approve" if approve else "workgroups.decline", actor_id=actor_id,
                     target_type="workgroup", target_id=group_id, details={"person": person_id}, ip=ip)
    return person_id


async def add_member(
    intranet: Any, group_id: int, email: str, *, actor_id: int, role: str = "member", ip: str = ""
) -> int:
    """Add an active person by e-mail address; returns their id."""
    from intranet_core.people.service import normalise_email

    if role not in ("admin", "member"):
        raise GroupError("role")
    async with intranet.db.transaction(write=True):
        person = await Person.select(Person.id).where(
            (Person.email == normalise_email(email)) & (Person.active == True)  # noqa: E712 - SQL
        ).first().run()
        if person is None:
            raise GroupError("no_person")
        person_id = int(person["id"])
        if await Member.exists().where((Member.workgroup == group_id) & (Member.person == person_id)).run():
            raise GroupError("already_member")
        await Member.insert(Member(workgroup=group_id, person=person_id, role=role, joined_at=now())).run()
        await JoinRequest.delete().where((JoinRequest.workgroup == group_id) & (JoinRequest.person == person_id)).run()
        await Follower.delete().where((Follower.workgroup == group_id) & (Follower.person == person_id)).run()
        await record("workgroups.member_add", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"person": person_id, "role": role}, ip=ip)
    return person_id


async def remove_member(intranet: Any, group_id: int, person_id: int, *, actor_id: int, ip: str = "") -> None:
    """Take away a person's own membership (one through a unit stays: it follows the unit)."""
    async with intranet.db.transaction(write=True):
        row = await intranet.db.for_update(
            Member.select(Member.role).where((Member.workgroup == group_id) & (Member.person == person_id))
        ).first().run()
        if row is None:
            raise GroupError("gone")
        if row["role"] == "admin" and await _admin_count(group_id) <= 1:
            raise GroupError("last_admin")
        await Member.delete().where((Member.workgroup == group_id) & (Member.person == person_id)).run()
        await Mute.delete().where((Mute.workgroup == group_id) & (Mute.person == person_id)).run()
        await record("workgroups.member_remove", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"person": person_id}, ip=ip)


async def set_role(intranet: Any, group_id: int, person_id: int, role: str, *, actor_id: int, ip: str = "") -> None:
    """Make someone an admin or a plain member; a member through a unit gets a row of their own for it."""
    if role not in ("admin", "member"):
        raise GroupError("role")
    async with intranet.db.transaction(write=True):
        row = await intranet.db.for_update(
            Member.select(Member.role).where((Member.workgroup == group_id) & (Member.person == person_id))
        ).first().run()
        if row is None:
            if role == "member":
                return
            await Member.insert(Member(workgroup=group_id, person=person_id, role=role, joined_at=now())).run()
        else:
            if row["role"] == "admin" and role != "admin" and await _admin_count(group_id) <= 1:
                raise GroupError("last_admin")
            await Member.update({Member.role: role}).where(
                (Member.workgroup == group_id) & (Member.person == person_id)
            ).run()
        await record("workgroups.role", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"person": person_id, "role": role}, ip=ip)


async def bind_unit(intranet: Any, group_id: int, unit_id: int, *, actor_id: int, ip: str = "") -> None:
    """Make a group mandatory for a unit: everyone in it (and below) is a member and cannot leave."""
    async with intranet.db.transaction(write=True):
        if not await Unit.exists().where(Unit.id == unit_id).run():
            raise GroupError("unit_missing")
        if await GroupUnit.exists().where((GroupUnit.workgroup == group_id) & (GroupUnit.unit == unit_id)).run():
            raise GroupError("already_bound")
        await GroupUnit.insert(GroupUnit(workgroup=group_id, unit=unit_id, home=False, created_at=now())).run()
        await record("workgroups.mandatory_add", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"unit": unit_id}, ip=ip)


async def unbind_unit(intranet: Any, group_id: int, unit_id: int, *, actor_id: int, ip: str = "") -> None:
    """No longer mandatory for a unit (a local group's own unit stays)."""
    async with intranet.db.transaction(write=True):
        row = await intranet.db.for_update(
            GroupUnit.select(GroupUnit.home).where((GroupUnit.workgroup == group_id) & (GroupUnit.unit == unit_id))
        ).first().run()
        if row is None:
            raise GroupError("gone")
        if row["home"]:
            raise GroupError("home_unit")
        await GroupUnit.delete().where((GroupUnit.workgroup == group_id) & (GroupUnit.unit == unit_id)).run()
        await record("workgroups.mandatory_remove", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"unit": unit_id}, ip=ip)
