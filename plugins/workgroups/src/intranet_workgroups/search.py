"""Groups, pages and files in the core's search index, and the search providers that find them.

Everything is indexed in the transaction that changes it. A document's
audience narrows the search on indexed keys: ``all`` for what every
signed-in person may find (open groups' pages and files; open and closed
groups themselves), ``group:<id>`` for what only the group's members may
(a secret group; a closed or secret group's pages and files). Each provider
then adds a condition on the plugin's own tables, so the group's visibility
and the searcher's membership *now* have the last word, whatever the
index says. Group posts are the core's posts, found by its ``posts``
provider through the same ``group:<id>`` keys.
"""

from __future__ import annotations

from typing import Any

from intranet_core.contributions import SearchHit, SearchProvider
from intranet_core.i18n import gettext as _
from intranet_core.markup import plain_text
from intranet_core.people.models import PersonInfo
from intranet_core.search.service import index_document, remove_document, search_documents, snippet, terms
from intranet_workgroups.files.service import KIND_FILE
from intranet_workgroups.groups.service import audience_key, readable_sql, viewer_for, visible_sql
from intranet_workgroups.groups.tables import Group
from intranet_workgroups.pages.service import KIND_PAGE

KIND_GROUP = "workgroups.group"


def group_audience(group_id: int, visibility: str) -> list[str]:
    """Who may find the group itself."""
    return [audience_key(group_id)] if visibility == "secret" else ["all"]


def content_audience(group_id: int, visibility: str) -> list[str]:
    """Who may find a group's pages and files."""
    return ["all"] if visibility == "open" else [audience_key(group_id)]


async def index_group(group_id: int) -> None:
    """(Re)index a group and everything in it; call inside the transaction that changed it."""
    from intranet_workgroups.files.service import reindex_files
    from intranet_workgroups.pages.service import reindex_pages

    row = await Group.select(Group.name, Group.description, Group.visibility).where(Group.id == group_id).first().run()
    if row is None:
        return
    await index_document(
        kind=KIND_GROUP, ref_id=group_id, title=row["name"], body=plain_text(row["description"]),
        audience=group_audience(group_id, row["visibility"]), url=f"/groups/{group_id}",
    )
    audience = content_audience(group_id, row["visibility"])
    await reindex_pages(group_id, audience)
    await reindex_files(group_id, audience)


async def unindex_group(group_id: int) -> None:
    from intranet_workgroups.files.service import unindex_files
    from intranet_workgroups.pages.service import unindex_pages

    await remove_document(kind=KIND_GROUP, ref_id=group_id)
    await unindex_pages(group_id)
    await unindex_files(group_id)


async def audience_for_content(group_id: int) -> list[str]:
    row = await Group.select(Group.visibility).where(Group.id == group_id).first().run()
    return content_audience(group_id, row["visibility"] if row else "secret")


# --- providers --------------------------------------------------------------------------


async def _keys(intranet: Any, user: PersonInfo) -> list[str]:
    from intranet_core.feed.service import audience_keys

    return await audience_keys(intranet, user)


async def search_groups(intranet: Any, query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
    viewer = await viewer_for(user)
    condition, args = visible_sql(viewer, "g.id", "g.visibility")
    found = await search_documents(
        kind=KIND_GROUP, query=query, keys=await _keys(intranet, user), limit=limit,
        where=f"AND EXISTS (SELECT 1 FROM workgroups_group AS g WHERE g.id = d.ref_id AND {condition})",  # noqa: S608
        where_args=args,
    )
    query_terms = terms(query)
    return [SearchHit(title=f.title, url=f.url, snippet=snippet(f.body, query_terms)) for f in found]


async def _search_content(
    intranet: Any, query: str, user: PersonInfo, limit: int, *, kind: str, table: str
) -> list[SearchHit]:
    viewer = await viewer_for(user)
    condition, args = readable_sql(viewer, "g.id", "g.visibility")
    found = await search_documents(
        kind=kind, query=query, keys=await _keys(intranet, user), limit=limit,
        # Only trusted constants and placeholders: the table names are ours.
        where=(f"AND EXISTS (SELECT 1 FROM {table} AS c JOIN workgroups_group AS g ON g.id = c.workgroup "  # noqa: S608
               f"WHERE c.id = d.ref_id AND {condition})"),
        where_args=args,
    )
    query_terms = terms(query)
    return [SearchHit(title=f.title, url=f.url, snippet=snippet(f.body, query_terms)) for f in found]


async def search_pages(intranet: Any, query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
    return await _search_content(intranet, query, user, limit, kind=KIND_PAGE, table="workgroups_page")


async def search_files(intranet: Any, query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
    return await _search_content(intranet, query, user, limit, kind=KIND_FILE, table="workgroups_file")


def providers(intranet: Any) -> list[SearchProvider]:
    async def groups(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        return await search_groups(intranet, query, user, limit)

    async def pages(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        return await search_pages(intranet, query, user, limit)

    async def files(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        return await search_files(intranet, query, user, limit)

    return [
        SearchProvider(name="groups", label=_("Groups"), search=groups, order=30),
        SearchProvider(name="group-pages", label=_("Group pages"), search=pages, order=31),
        SearchProvider(name="group-files", label=_("Group files"), search=files, order=32),
    ]
