"""SKM questionnaires (PermenPANRB 14/2017) as reports read them: each service's totals in
one SQL aggregate (sums and answer counts of U1..U9, never the rows), and the rows alone
for what needs them (the respondent grid, the profile, the suggestions)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from central import models
from central.store.base import StoreBase
from posko.survey_report import Totals


@dataclass(frozen=True)
class SkmSelection:
    """Which questionnaires: ``date_from`` inclusive, ``date_to`` exclusive (UTC moments),
    a service code and a post code (empty: all)."""

    date_from: datetime | None = None
    date_to: datetime | None = None
    service_code: str = ""
    post_code: str = ""


@dataclass(frozen=True)
class SkmRow:
    """One questionnaire as ``posko.survey_report.ResponseRow`` reads it."""

    answers: Mapping[str, int]
    sex: str
    age_band: str
    education: str
    occupation: str
    suggestion: str
    self_filled: bool


class SkmReports(StoreBase):
    """The figures of the SKM questionnaires the desks sent."""

    def skm_totals(self, selection: SkmSelection) -> dict[str, Totals]:
        """Per service code: respondents, each element's sum and number of answers."""
        found = self._skm_aggregate(selection, (models.SkmResponse.service_code,))
        return {keys[0]: totals for keys, totals in found.items()}

    def skm_totals_by_post(self, selection: SkmSelection) -> dict[tuple[str, str], Totals]:
        """The same, per (post code, service code)."""
        table = models.SkmResponse
        found = self._skm_aggregate(selection, (table.post_code, table.service_code))
        return {(keys[0], keys[1]): totals for keys, totals in found.items()}

    def skm_rows(self, selection: SkmSelection) -> Iterator[SkmRow]:
        """The selected questionnaires, oldest first, streamed (a thousand rows at a time
        from the database: a season's 200,000 are never all in memory)."""
        table = models.SkmResponse
        columns = [table.sex, table.age_band, table.education, table.occupation]
        query = select(
            *models.SKM_COLUMNS.values(), *columns, table.suggestion, table.self_filled
        ).order_by(table.created_at, table.id)
        codes = list(models.SKM_COLUMNS)
        with self.session() as session:
            result = session.execute(
                _selected(query, selection), execution_options={"yield_per": 1000}
            )
            for row in result:
                yield SkmRow(
                    answers={
                        c: int(v) for c, v in zip(codes, row[:9], strict=True) if v is not None
                    },
                    sex=row[9],
                    age_band=row[10],
                    education=row[11],
                    occupation=row[12],
                    suggestion=row[13],
                    self_filled=bool(row[14]),
                )

    def _skm_aggregate(
        self, selection: SkmSelection, keys: Sequence[Any]
    ) -> dict[tuple[str, ...], Totals]:
        sums: list[Any] = []
        for column in models.SKM_COLUMNS.values():
            sums += [func.coalesce(func.sum(column), 0), func.count(column)]
        query = select(*keys, func.count(), *sums).group_by(*keys)
        with self.session() as session:
            rows = session.execute(_selected(query, selection)).all()
        codes = list(models.SKM_COLUMNS)
        n = len(keys)
        return {
            tuple(row[:n]): (
                int(row[n]),
                {code: int(row[n + 1 + 2 * i]) for i, code in enumerate(codes)},
                {code: int(row[n + 2 + 2 * i]) for i, code in enumerate(codes)},
            )
            for row in rows
        }


def _selected(query: Any, selection: SkmSelection) -> Any:
    table = models.SkmResponse
    if selection.date_from is not None:
        query = query.where(table.created_at >= selection.date_from)
    if selection.date_to is not None:
        query = query.where(table.created_at < selection.date_to)
    if selection.service_code:
        query = query.where(table.service_code == selection.service_code)
    if selection.post_code:
        query = query.where(table.post_code == selection.post_code)
    return query
