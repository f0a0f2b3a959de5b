"""Pages: writing, every version kept, differences between versions, restoring one.

Callers check first that the person may read (or edit) the group; every
query here is also tied to the group (``page.workgroup``), so a page id
from another group is simply not found.
"""

from __future__ import annotations

import datetime
import difflib
from typing import Any

from intranet_core.audit.service import record
from intranet_core.markup import plain_text, render
from intranet_core.search.service import index_document, remove_document
from intranet_workgroups.pages.tables import BODY_MAX, TITLE_MAX, Page, PageRevision

MAX_ID = 2**31 - 1
HISTORY_PAGE = 50
KIND_PAGE = "workgroups.page"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class PageError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def check(title: str, body: str) -> list[str]:
    problems = []
    if not title.strip():
        problems.append("title_missing")
    elif len(title) > TITLE_MAX:
        problems.append("title_long")
    if len(body) > BODY_MAX:
        problems.append("body_long")
    return problems


def page_url(group_id: int, page_id: int) -> str:
    return f"/groups/{group_id}/pages/{page_id}"


async def _index(group_id: int, page_id: int, title: str, body: str, audience: list[str]) -> None:
    await index_document(kind=KIND_PAGE, ref_id=page_id, title=title, body=plain_text(body), audience=audience,
                         url=page_url(group_id, page_id))


async def reindex_pages(group_id: int, audience: list[str]) -> None:
    """Every page of the group in the search index, found by ``audience`` (inside the caller's transaction)."""
    rows = await Page.select(Page.id, Page.title, Page.body).where(Page.workgroup == group_id).run()
    for row in rows:
        await _index(group_id, int(row["id"]), row["title"], row["body"], audience)


async def unindex_pages(group_id: int) -> None:
    for row in await Page.select(Page.id).where(Page.workgroup == group_id).run():
        await remove_document(kind=KIND_PAGE, ref_id=int(row["id"]))


async def pages_of(group_id: int) -> list[dict[str, Any]]:
    """The group's pages in their order (titles only)."""
    return await Page.select(Page.id, Page.title, Page.updated_at).where(Page.workgroup == group_id).order_by(
        Page.position
    ).order_by(Page.id).run()


async def get_page(group_id: int, page_id: int) -> dict[str, Any] | None:
    if not 0 < page_id <= MAX_ID:
        return None
    return await Page.select(
        Page.id, Page.workgroup, Page.title, Page.body, Page.body_html, Page.revision, Page.position,
        Page.updated_at, Page.updated_by.name, Page.created_at,
    ).where((Page.id == page_id) & (Page.workgroup == group_id)).first().run()


async def create_page(intranet: Any, group_id: int, *, author_id: int, title: str, body: str) -> int:
    from intranet_workgroups.search import audience_for_content

    if problems := check(title, body):
        raise PageError(problems[0])
    title = title.strip()
    async with intranet.db.transaction(write=True):
        last = await Page.select(Page.position).where(Page.workgroup == group_id).order_by(
            Page.position, ascending=False
        ).first().run()
        position = (int(last["position"]) + 1) if last else 1
        rows = await Page.insert(Page(
            workgroup=group_id, title=title, body=body, body_html=str(render(body)), position=position,
            revision=1, created_by=author_id, created_at=now(), updated_by=author_id, updated_at=now(),
        )).returning(Page.id).run()
        page_id = int(rows[0]["id"])
        await PageRevision.insert(PageRevision(
            page=page_id, number=1, title=title, body=body, author=author_id, created_at=now(),
        )).run()
        await _index(group_id, page_id, title, body, await audience_for_content(group_id))
    return page_id


async def _save(intranet: Any, group_id: int, page_id: int, *, author_id: int, title: str, body: str,
                base_revision: int | None, restored_from: int | None) -> int:
    from intranet_workgroups.search import audience_for_content

    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Page.select(Page.revision, Page.title, Page.body).where(
                (Page.id == page_id) & (Page.workgroup == group_id)
            )
        ).first().run()
        if current is None:
            raise PageError("gone")
        if base_revision is not None and current["revision"] != base_revision:
            # Someone saved in between: never overwrite their words unseen.
            raise PageError("conflict")
        if restored_from is None and current["title"] == title and current["body"] == body:
            return int(current["revision"])
        number = int(current["revision"]) + 1
        await PageRevision.insert(PageRevision(
            page=page_id, number=number, title=title, body=body, author=author_id, created_at=now(),
            restored_from=restored_from,
        )).run()
        await Page.update({
            Page.title: title, Page.body: body, Page.body_html: str(render(body)), Page.revision: number,
            Page.updated_by: author_id, Page.updated_at: now(),
        }).where(Page.id == page_id).run()
        await _index(group_id, page_id, title, body, await audience_for_content(group_id))
    return number


async def edit_page(intranet: Any, group_id: int, page_id: int, *, author_id: int, title: str, body: str,
                    base_revision: int | None) -> int:
    """Save a new version; raises ``PageError("conflict")`` when the page changed since ``base_revision``."""
    if problems := check(title, body):
        raise PageError(problems[0])
    return await _save(intranet, group_id, page_id, author_id=author_id, title=title.strip(), body=body,
                       base_revision=base_revision, restored_from=None)


async def restore(intranet: Any, group_id: int, page_id: int, number: int, *, actor_id: int, ip: str = "") -> int:
    """Make an earlier version the current one again, as a new version (history is never rewritten)."""
    old = await revision(group_id, page_id, number)
    if old is None:
        raise PageError("gone")
    new_number = await _save(intranet, group_id, page_id, author_id=actor_id, title=old["title"], body=old["body"],
                             base_revision=None, restored_from=number)
    await record("workgroups.page_restore", actor_id=actor_id, target_type="workgroup_page", target_id=page_id,
                 details={"group": group_id, "revision": number}, ip=ip)
    return new_number


async def history(group_id: int, page_id: int, *, before: int | None = None,
                  limit: int = HISTORY_PAGE) -> list[dict[str, Any]]:
    """Versions newest first, a keyset page of numbers below ``before``."""
    condition = (PageRevision.page == page_id) & (PageRevision.page.workgroup == group_id)
    if before is not None:
        condition = condition & (PageRevision.number < before)
    return await PageRevision.select(
        PageRevision.number, PageRevision.title, PageRevision.author, PageRevision.author.name,
        PageRevision.created_at, PageRevision.restored_from,
    ).where(condition).order_by(PageRevision.number, ascending=False).limit(limit).run()


async def revision(group_id: int, page_id: int, number: int) -> dict[str, Any] | None:
    if not 0 < number <= MAX_ID:
        return None
    return await PageRevision.select(
        PageRevision.number, PageRevision.title, PageRevision.body, PageRevision.author.name,
        PageRevision.created_at, PageRevision.restored_from,
    ).where(
        (PageRevision.page == page_id) & (PageRevision.page.workgroup == group_id) & (PageRevision.number == number)
    ).first().run()


async def previous_revision(group_id: int, page_id: int, number: int) -> dict[str, Any] | None:
    return await PageRevision.select(PageRevision.number, PageRevision.title, PageRevision.body).where(
        (PageRevision.page == page_id) & (PageRevision.page.workgroup == group_id) & (PageRevision.number < number)
    ).order_by(PageRevision.number, ascending=False).first().run()


def diff(old_title: str, old_body: str, new_title: str, new_body: str) -> list[tuple[str, str]]:
    """Line differences as (kind, text): ``"+"`` added, ``"-"`` removed, ``" "`` context, ``"@"`` a new hunk.

    Plain text; the template escapes every line.
    """
    old = [f"# {old_title}", "", *old_body.splitlines()]
    new = [f"# {new_title}", "", *new_body.splitlines()]
    lines: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old, new, lineterm="", n=2):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(("@", line))
        else:
            lines.append((line[:1] or " ", line[1:]))
    return lines


async def delete_page(intranet: Any, group_id: int, page_id: int, *, actor_id: int, ip: str = "") -> None:
    async with intranet.db.transaction(write=True):
        rows = await Page.delete().where((Page.id == page_id) & (Page.workgroup == group_id)).returning(
            Page.title
        ).run()
        if not rows:
            raise PageError("gone")
        await remove_document(kind=KIND_PAGE, ref_id=page_id)
        await record("workgroups.page_delete", actor_id=actor_id, target_type="workgroup_page", target_id=page_id,
                     details={"group": group_id, "title": rows[0]["title"]}, ip=ip)


async def move(intranet: Any, group_id: int, page_id: int, *, up: bool) -> None:
    """Swap a page with the one before (``up``) or after it."""
    async with intranet.db.transaction(write=True):
        pages = await intranet.db.for_update(
            Page.select(Page.id, Page.position).where(Page.workgroup == group_id)
        ).order_by(Page.position).order_by(Page.id).run()
        ids = [int(p["id"]) for p in pages]
        if page_id not in ids:
            raise PageError("gone")
        index = ids.index(page_id)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(ids):
            return
        ids[index], ids[other] = ids[other], ids[index]
        positions = {int(p["id"]): p["position"] for p in pages}
        # Positions renumbered 1..n: gaps and ties from older data disappear.
        for position, pid in enumerate(ids, start=1):
            if positions[pid] != position:
                await Page.update({Page.position: position}).where(Page.id == pid).run()
