"""Reporting periods — month, tertial, year — in the municipality's time zone.

Times are stored in UTC; a period is a half-open UTC interval computed from local
midnight in Europe/Oslo, so an avvik at 00:30 on 1 November local time (23:30 UTC on
31 October) belongs to November, across DST changes too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from models.errors import ValidationFailed
from models.i18n import N_, _

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_TERTIAL = re.compile(r"^(\d{4})-T([123])$", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})$")

#: Month labels as shown (bokmål msgids); MONTH_NAMES below is what the check-in parser recognises.
MONTH_LABELS = [N_("januar"), N_("februar"), N_("mars"), N_("april"), N_("mai"), N_("juni"), N_("juli"),
                N_("august"), N_("september"), N_("oktober"), N_("november"), N_("desember")]
MONTH_NAMES = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
               "september", "oktober", "november", "desember"]


@dataclass(frozen=True)
class Period:
    kind: str  # month | tertial | year
    year: int
    index: int  # month 1-12, tertial 1-3, year 1

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        if self.kind == "tertial":
            return f"{self.year}-T{self.index}"
        return f"{self.year}"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("{month} {year}").format(month=_(MONTH_LABELS[self.index - 1]), year=self.year)
        if self.kind == "tertial":
            return _("{n}. tertial {year}").format(n=self.index, year=self.year)
        return _("året {year}").format(year=self.year)

    def first_month(self) -> int:
        return {"month": self.index, "tertial": (self.index - 1) * 4 + 1, "year": 1}[self.kind]

    def month_count(self) -> int:
        return {"month": 1, "tertial": 4, "year": 12}[self.kind]

    def start_date(self) -> date:
        return date(self.year, self.first_month(), 1)

    def end_date(self) -> date:
        """First day after the period."""
        m = self.first_month() + self.month_count()
        return date(self.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)

    def bounds_utc(self, tz_name: str = "Europe/Oslo") -> tuple[datetime, datetime]:
        tz = ZoneInfo(tz_name)
        s, e = self.start_date(), self.end_date()
        return (
            datetime(s.year, s.month, s.day, tzinfo=tz).astimezone(UTC),
            datetime(e.year, e.month, e.day, tzinfo=tz).astimezone(UTC),
        )

    def previous(self) -> Period:
        if self.index > 1:
            return Period(self.kind, self.year, self.index - 1)
        last = {"month": 12, "tertial": 3, "year": 1}[self.kind]
        return Period(self.kind, self.year - 1, last)

    def months(self) -> list[Period]:
        return [Period("month", self.year, self.first_month() + i) for i in range(self.month_count())]


def parse_period(text: str) -> Period:
    t = (text or "").strip()
    if m := _MONTH.match(t):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return Period("month", y, mo)
    if m := _TERTIAL.match(t):
        return Period("tertial", int(m.group(1)), int(m.group(2)))
    if m := _YEAR.match(t):
        return Period("year", int(m.group(1)), 1)
    raise ValidationFailed(
        {"period": _("Ukjent periode «{value}». Bruk f.eks. 2026-11 (måned), 2026-T3 (tertial) eller 2026 (år).").format(value=t[:40])}
    )


def local_date(moment: datetime, tz_name: str = "Europe/Oslo") -> date:
    return moment.astimezone(ZoneInfo(tz_name)).date()


def period_of(moment: datetime, kind: str, tz_name: str = "Europe/Oslo") -> Period:
    d = local_date(moment, tz_name)
    if kind == "month":
        return Period("month", d.year, d.month)
    if kind == "tertial":
        return Period("tertial", d.year, (d.month - 1) // 4 + 1)
    return Period("year", d.year, 1)
