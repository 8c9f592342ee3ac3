"""The coordinator's switches of category groups: which groups a new report may be filed
under. The desks fetch them with their sync (``GET /api/v1/sync/categories``); the rest of
the central system (validation, Open311, the tracking page) takes every category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from central import models
from central.store.base import NotFound, StoreBase


@dataclass(frozen=True)
class GroupState:
    code: str
    names: dict[str, str]
    offered: bool
    by_default: bool
    changed_at: datetime | None  # None: never switched, as the catalog says
    changed_by: str


class Categories(StoreBase):
    """Category groups offered for new reports: the catalog's defaults, as switched."""

    def category_switches(self) -> dict[str, bool]:
        """Every switch a coordinator made, group -> offered (groups the catalog no longer
        knows included; ``Catalog.offered_groups`` ignores those)."""
        with self.session() as session:
            rows = session.execute(
                select(models.CategoryGroupSwitch.group_code, models.CategoryGroupSwitch.offered)
            ).all()
        return {code: bool(offered) for code, offered in rows}

    def offered_groups(self) -> frozenset[str]:
        return self.catalog.offered_groups(self.category_switches())

    def category_groups(self) -> list[GroupState]:
        """Each group of the catalog, in its order, with its state."""
        with self.session() as session:
            rows = {
                row.group_code: row for row in session.scalars(select(models.CategoryGroupSwitch))
            }
        out = []
        for code, names in self.catalog.groups.items():
            row = rows.get(code)
            by_default = code in self.catalog.default_groups
            out.append(
                GroupState(
                    code=code,
                    names=dict(names),
                    offered=row.offered if row is not None else by_default,
                    by_default=by_default,
                    changed_at=row.changed_at if row is not None else None,
                    changed_by=row.changed_by if row is not None else "",
                )
            )
        return out

    def switch_category_group(self, group: str, offered: bool, by: str = "") -> bool:
        """Offer ``group`` for new reports, or stop offering it; True if that changed
        anything. ``NotFound`` for a group the catalog does not know."""
        if group not in self.catalog.groups:
            raise NotFound(group)
        before = group in self.offered_groups()
        values = {"group_code": group, "offered": offered, "changed_at": self.clock(),
                  "changed_by": by[:100]}  # fmt: skip
        statement = self._insert(models.CategoryGroupSwitch).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[models.CategoryGroupSwitch.group_code],
            set_={k: v for k, v in values.items() if k != "group_code"},
        )
        with self.session() as session, session.begin():
            session.execute(statement)
        return before != offered
