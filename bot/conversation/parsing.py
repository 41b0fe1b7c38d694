"""Reading what people type: Norwegian dates and times, numbers, choices with typos."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

SKIP_WORDS = {"-", "hopp over", "hopp", "ingen", "nei takk", "ingenting", "skip", "tomt", "–", "none", "nothing",
              "no thanks", "ikkje noko", "inkje"}


def normalise(text: str) -> str:
    """Lower case, no punctuation except % and digits, single spaces; keeps æøå."""
    t = unicodedata.normalize("NFC", text or "").lower().strip()
    t = re.sub(r"[^\w%æøåéü\s.:/-]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def parse_int(text: str, lo: int, hi: int) -> int | None:
    m = re.search(r"-?\d+", text or "")
    if not m:
        return None
    v = int(m.group(0))
    return v if lo <= v <= hi else None


def match_choice(text: str, options: list[tuple[str, str]]) -> str | None:
    """A choice by number (1-based), by value, or by a fuzzy match on its label."""
    t = normalise(text)
    if not t:
        return None
    if t.isdecimal():
        i = int(t)
        return options[i - 1][0] if 1 <= i <= len(options) else None
    for value, label in options:
        if t == value.lower() or t == normalise(label):
            return value
    labels = [normalise(label) for _, label in options]
    best = process.extractOne(t, labels, scorer=fuzz.WRatio, score_cutoff=80)
    if best is None:
        return None
    return options[best[2]][0]


_TIME = re.compile(r"(?:(?:kl\.?|at)\s*)?(\d{1,2})(?:[:.](\d{2}))?$")


def _parse_time(text: str) -> time | None:
    m = _TIME.search(text.strip())
    if not m:
        return None
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    if 0 <= h <= 23 and 0 <= mi <= 59:
        return time(h, mi)
    return None


def parse_local_datetime(text: str, *, now: datetime | None = None, tz: str = "Europe/Oslo") -> datetime | None:
    """'nå', 'i dag 14:30', 'i går kl 9', '22.11 13:00', '22.11.2026', ISO, or a Unix time; returns UTC."""
    zone = ZoneInfo(tz)
    now = (now or datetime.now(UTC)).astimezone(zone)
    raw = (text or "").strip()
    t = normalise(raw)
    if not t:
        return None
    if t.isdecimal() and 9 <= len(t) <= 11:  # Slack's datetimepicker sends a Unix time
        return datetime.fromtimestamp(int(t), UTC)
    if t in {"nå", "na", "no", "akkurat nå", "nettopp", "now"}:
        return now.astimezone(UTC)
    try:
        iso = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return (iso if iso.tzinfo else iso.replace(tzinfo=zone)).astimezone(UTC)
    except ValueError:
        pass
    day: date | None = None
    rest = t
    for words, delta in ((("i dag", "idag", "i dag,", "today"), 0),
                         (("i går", "igår", "i gar", "i gaar", "i går,", "yesterday"), 1),
                         (("i forgårs", "i forgars", "i førgårs"), 2)):
        for w in words:
            if t.startswith(w):
                day = now.date() - timedelta(days=delta)
                rest = t[len(w):].strip()
                break
        if day:
            break
    if day is None:
        m = re.match(r"(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?\s*(.*)$", t)
        if m:
            d, mo = int(m.group(1)), int(m.group(2))
            y = int(m.group(3)) if m.group(3) else now.year
            if y < 100:
                y += 2000
            try:
                day = date(y, mo, d)
            except ValueError:
                return None
            if not m.group(3) and day > now.date():
                day = date(y - 1, mo, d)
            rest = m.group(4)
    if day is None:
        tm = _parse_time(t)
        if tm is None:
            return None
        day, rest = now.date(), t
    tm = _parse_time(rest) if rest else time(12, 0) if day != now.date() else now.time().replace(second=0, microsecond=0)
    if tm is None:
        return None
    return datetime.combine(day, tm, tzinfo=zone).astimezone(UTC)


def parse_date(text: str, *, now: datetime | None = None, tz: str = "Europe/Oslo") -> date | None:
    t = normalise(text)
    zone = ZoneInfo(tz)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    if m := re.match(r"^(?:om|in) (\d{1,3}) (dager|dagar|dag|uker|veker|uke|veke|days|day|weeks|week)$", t):
        n = int(m.group(1))
        return today + timedelta(days=n * (7 if m.group(2).startswith(("u", "v", "w")) else 1))
    if t in {"i dag", "idag", "today"}:
        return today
    if t in {"i morgen", "imorgen", "i morgon", "imorgon", "tomorrow"}:
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(t)
    except ValueError:
        pass
    m = re.match(r"^(\d{1,2})[./](\d{1,2})(?:[./](\d{2,4}))?$", t)
    if not m:
        return None
    y = int(m.group(3)) if m.group(3) else today.year
    if y < 100:
        y += 2000
    try:
        d = date(y, int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    if not m.group(3) and d < today:
        d = date(y + 1, d.month, d.day)
    return d
