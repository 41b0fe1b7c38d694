"""Reading an indicator check-in typed in plain Norwegian: «nærvær i november 93,4 %».

Pure functions, no database: the sentence is split into a period (month names with typos,
«forrige måned», tertial, year, 2026-11), a number, an optional comment («fordi …») and the
words left over, which the conversation matches against indicator and unit names with
`best_name`. Bokmål and nynorsk spellings are folded together before fuzzy matching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from models.periods import MONTH_NAMES, Period

MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
              "okt": 10, "nov": 11, "des": 12}
ORDINALS = {"første": 1, "fyrste": 1, "1.": 1, "andre": 2, "2.": 2, "tredje": 3, "3.": 3}
# Words around the indicator and unit that carry no meaning for the match.
STOP_WORDS = {"i", "for", "var", "er", "på", "pa", "ble", "blei", "vart", "verdi", "verdien", "lik", "til", "hos",
              "registrer", "registrere", "registrera", "sett", "før", "inn", "legg", "ny", "nytt", "enhet", "eining",
              "enheten", "eininga", "vår", "vårt", "min", "mitt", "oss", "av", "med", "om", "tal", "tall",
              "tallet", "talet", "måned", "månad", "mnd", "måneden", "månaden", "og", "så", "sa", "den", "det", "=",
              ":", "-", "–", "ca", "cirka", "omtrent", "rundt", "totalt", "%", "kr", "prosent", "poeng", "dager",
              "dagar", "stk", "antall"}
# Nynorsk → bokmål (and ASCII spellings) so «sjukefråvær» finds «Sykefravær» and «skule» finds «skole».
_FOLDS = (("sjuk", "syk"), ("skule", "skole"), ("brukar", "bruker"), ("heit", "het"), ("eining", "enhet"),
          ("tenest", "tjenest"), ("låg", "lav"), ("høg", "høy"), ("medarbeidar", "medarbeider"),
          ("æ", "a"), ("ae", "a"), ("ø", "o"), ("oe", "o"), ("å", "a"), ("aa", "a"), ("é", "e"))
_REASON = re.compile(r"\s(?:fordi|grunnet|grunna|pga\.?|på grunn av|kommentar:?|sidan|ettersom)\s+(.+)$",
                     re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"(?<![\w.,])([-+−]?\d{1,3}(?:[ \u00a0]\d{3})+(?:[.,]\d+)?|[-+−]?\d+(?:[.,]\d+)?)"
                     r"(\s*(?:%|prosent|pst\.?|kr\.?|kroner|nok)(?!\w))?", re.IGNORECASE)
_YEAR = r"(?:\s+(\d{4}))?"


@dataclass(frozen=True)
class CheckinText:
    words: list[str]  # folded words left for the indicator (and maybe a unit)
    value: str | None  # the number as typed, e.g. "93,4"
    period: Period | None
    comment: str | None


def fold(text: str) -> str:
    t = (text or "").lower()
    for a, b in _FOLDS:
        t = t.replace(a, b)
    return re.sub(r"\s+", " ", re.sub(r"[^\w%\s-]", " ", t)).strip()


def _month(index: int, year: int | None, today: date) -> Period:
    """A month without a year is the latest one that has begun."""
    if year is None:
        year = today.year if index <= today.month else today.year - 1
    return Period("month", year, index)


def _tertial(index: int, year: int | None, today: date) -> Period:
    if year is None:
        year = today.year if (index - 1) * 4 + 1 <= today.month else today.year - 1
    return Period("tertial", year, index)


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _relative_periods(t: str, today: date) -> tuple[Period | None, str]:
    this_month = Period("month", today.year, today.month)
    rules: list[tuple[str, Period]] = [
        (r"\b(?:forrige|førre|sist[ea]?)\s+(?:måned|månad|mnd|maned|manad)(?:en)?\b", this_month.previous()),
        (r"\b(?:denne|inneverande|inneværende)\s+(?:måneden|månaden|måned|månad)\b", this_month),
        (r"\b(?:forrige|førre|siste)\s+tertial\b", _tertial((today.month - 1) // 4 + 1, today.year, today).previous()),
        (r"\b(?:i\s*fjor|fjoråret|forrige\s+år|førre\s+år)\b", Period("year", today.year - 1, 1)),
    ]
    for pattern, period in rules:
        if m := re.search(pattern, t):
            return period, t[:m.start()] + " " + t[m.end():]
    return None, t


def _explicit_periods(t: str, today: date) -> tuple[Period | None, str]:
    patterns: list[tuple[str, object]] = [
        (r"\b(\d{4})-t([123])\b", lambda m: Period("tertial", int(m[1]), int(m[2]))),
        (r"\b(\d{4})-(\d{1,2})\b", lambda m: Period("month", int(m[1]), int(m[2])) if 1 <= int(m[2]) <= 12 else None),
        (r"(?<![\d,.])(\d{1,2})[./](\d{4})\b",
         lambda m: Period("month", int(m[2]), int(m[1])) if 1 <= int(m[1]) <= 12 else None),
        (r"\bt([123])\b" + _YEAR, lambda m: _tertial(int(m[1]), _int(m[2]), today)),
        (r"(?<![\d,.])([123])\.?\s*tertial" + _YEAR, lambda m: _tertial(int(m[1]), _int(m[2]), today)),
        (r"\b(første|fyrste|andre|tredje)\s+tertial" + _YEAR,
         lambda m: _tertial(ORDINALS[m[1]], _int(m[2]), today)),
        (r"\btertial\s*([123])\b" + _YEAR, lambda m: _tertial(int(m[1]), _int(m[2]), today)),
        (r"\b(?:året|aaret|år)\s+(\d{4})\b", lambda m: Period("year", int(m[1]), 1)),
    ]
    for pattern, build in patterns:
        if (m := re.search(pattern, t)) is not None:
            period = build(m)  # type: ignore[operator]
            if period is not None:
                return period, t[:m.start()] + " " + t[m.end():]
    return None, t


def _month_word(token: str) -> int | None:
    w = token.strip(".,:;")
    if w in MONTH_ABBR:
        return MONTH_ABBR[w]
    if len(w) < 4:
        return None
    best = max(range(12), key=lambda i: fuzz.ratio(w, MONTH_NAMES[i]))
    return best + 1 if fuzz.ratio(w, MONTH_NAMES[best]) >= (85 if len(w) < 6 else 80) else None


def _month_in_tokens(t: str, today: date) -> tuple[Period | None, str]:
    tokens = t.split()
    for i, token in enumerate(tokens):
        index = _month_word(token)
        if index is None:
            continue
        year = None
        if i + 1 < len(tokens) and re.fullmatch(r"\d{4}", tokens[i + 1]):
            year = int(tokens[i + 1])
            del tokens[i + 1]
        del tokens[i]
        return _month(index, year, today), " ".join(tokens)
    return None, t


def _bare_year(t: str) -> tuple[Period | None, str]:
    """«2025» is the year only when another number remains to be the value."""
    years = list(re.finditer(r"(?<![\d,.-])((?:19|20)\d{2})(?![\d,.%])", t))
    if not years:
        return None, t
    m = years[0]
    rest = t[:m.start()] + " " + t[m.end():]
    return (Period("year", int(m[1]), 1), rest) if _NUMBER.search(rest) else (None, t)


def parse_checkin(text: str, *, today: date) -> CheckinText:
    raw = " " + " ".join((text or "")[:500].split()) + " "
    comment = None
    if m := _REASON.search(raw):
        comment, raw = m.group(1).strip() or None, raw[:m.start()]
    t = raw.lower()
    period = None
    for step in (_relative_periods, _explicit_periods, _month_in_tokens):
        period, t = step(t, today)
        if period is not None:
            break
    if period is None:
        period, t = _bare_year(t)
    value = None
    numbers = list(_NUMBER.finditer(t))
    if numbers:
        last = numbers[-1]
        value = last.group(1).replace(" ", "").replace("\u00a0", "")
        t = t[:last.start()] + " " + t[last.end():]
    words = [w for w in fold(t).split() if w]
    return CheckinText(words=words, value=value, period=period, comment=comment)


@dataclass(frozen=True)
class NameMatch:
    index: int  # which of the names
    score: float
    rest: list[str]  # the words outside the matched window


def _variants(name: str) -> list[tuple[str, float]]:
    """The full name, and runs of its words that carry at least half of it; a run scores less the less of
    the name it covers, so «elevar som trivst» finds the whole «Elever som trives», not just «elever som»."""
    words = fold(name).split()
    full = " ".join(words)
    out = [(full, 0.5)]
    for size in range(1, len(words)):
        for start in range(0, len(words) - size + 1):
            part = " ".join(words[start:start + size])
            if len(part) * 2 >= len(full) and len(part) >= 4:
                out.append((part, -20 * (1 - len(part) / len(full))))
    return out


def best_name(words: Sequence[str], names: Sequence[str], *, cutoff: float = 80) -> NameMatch | None:
    """The name that best matches a contiguous run of `words`, with the words outside that run."""
    best: NameMatch | None = None
    for index, name in enumerate(names):
        variants = _variants(name)
        longest = max(len(v.split()) for v, _ in variants)
        for size in range(1, min(len(words), longest + 1) + 1):
            for start in range(0, len(words) - size + 1):
                window = " ".join(words[start:start + size])
                for variant, bonus in variants:
                    score = fuzz.ratio(window, variant)
                    if score < cutoff or (len(variant) <= 4 and score < 100):
                        continue
                    score += bonus - 0.01 * abs(len(variant.split()) - size)
                    if best is None or score > best.score:
                        best = NameMatch(index=index, score=score,
                                         rest=list(words[:start]) + list(words[start + size:]))
    return best


def meaningful(words: Sequence[str]) -> list[str]:
    return [w for w in words if w not in STOP_WORDS and not w.isdigit()]
