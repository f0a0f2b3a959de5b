"""The unit tree, for the units page and for every unit picker."""

from __future__ import annotations

from dataclasses import dataclass, field

from intranet_core.i18n import gettext as _
from intranet_core.people.tables import Unit


@dataclass
class UnitNode:
    id: int
    name: str
    kind: str
    parent_id: int | None
    path: str
    sort_order: int = 0
    depth: int = 0
    children: list[UnitNode] = field(default_factory=list)

    @property
    def indented_name(self) -> str:
        """The name behind one dash per level: readable in a ``<select>`` on a phone."""
        return "\u2013 " * self.depth + self.name  # en dashes


def kind_labels() -> dict[str, str]:
    """The usual kinds of unit, in the reader's language; others are shown as stored."""
    return {
        "organisation": _("Organisation"),
        "district": _("District"),
        "department": _("Department"),
        "office": _("Office"),
        "team": _("Team"),
    }


def kind_label(kind: str) -> str:
    return kind_labels().get(kind, kind)


class UnitTree:
    """Every unit, as a tree (``roots``) and in reading order (``flat``)."""

    def __init__(self, rows: list[dict[str, object]]) -> None:
        nodes = {
            int(str(r["id"])): UnitNode(
                id=int(str(r["id"])), name=str(r["name"]), kind=str(r["kind"]),
                parent_id=None if r["parent"] is None else int(str(r["parent"])), path=str(r["path"]),
                sort_order=int(str(r.get("sort_order") or 0)),
            )
            for r in rows
        }
        self.by_id = nodes
        self.roots: list[UnitNode] = []
        for node in nodes.values():
            parent = nodes.get(node.parent_id) if node.parent_id is not None else None
            (parent.children if parent is not None else self.roots).append(node)
        self.flat: list[UnitNode] = []
        self._walk(self.roots, 0)

    def _walk(self, nodes: list[UnitNode], depth: int) -> None:
        nodes.sort(key=lambda n: (n.sort_order, n.name.casefold(), n.id))
        for node in nodes:
            node.depth = depth
            self.flat.append(node)
            self._walk(node.children, depth + 1)

    def name_of(self, unit_id: int | None) -> str:
        node = self.by_id.get(unit_id) if unit_id is not None else None
        return node.name if node is not None else ""

    def trail(self, unit_id: int) -> str:
        """The unit's ancestors and itself: "Head office > IT" (with a single guillemet)."""
        node = self.by_id.get(unit_id)
        if node is None:
            return ""
        names = []
        for part in node.path.strip("/").split("/"):
            if part.isdigit() and int(part) in self.by_id:
                names.append(self.by_id[int(part)].name)
        return " \u203a ".join(names) or node.name


async def unit_tree() -> UnitTree:
    rows = await Unit.select(Unit.id, Unit.name, Unit.kind, Unit.parent, Unit.path, Unit.sort_order).run()
    return UnitTree(rows)
