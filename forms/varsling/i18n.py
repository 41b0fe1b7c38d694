"""Texts of the anonymous pages in bokmål (default), nynorsk and English, chosen with ?lang= (no cookie)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

LANGS = ("nb", "nn", "en")
LANG_NAMES = {"nb": "Bokmål", "nn": "Nynorsk", "en": "English"}

# The texts themselves are data: texts.json beside this module, {key: {lang: text}}.
_T: dict[str, dict[str, str]] = json.loads((Path(__file__).resolve().parent / "texts.json").read_text(encoding="utf-8"))


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else "nb"


class Translate(Protocol):
    def __call__(self, key: str, **kw: object) -> str: ...


def translator(lang: str) -> Translate:
    """The page's `t(key, **values)`: the text in `lang`, else bokmål, else the key itself."""

    def t(key: str, **kw: object) -> str:
        entry = _T.get(key)
        if entry is None:
            return key
        text = entry.get(lang) or entry["nb"]
        return text.format(**kw) if kw else text

    return t


def error_text(lang: str, code: str) -> str:
    """Translate a domain error code from `varsling_cases.validate_fields`."""
    t = translator(lang)
    kind, _, rest = code.partition(":")
    if kind == "too_long":
        limit, _, length = rest.partition(":")
        return t("err_too_long", limit=limit, length=length)
    return t(f"err_{kind}") if f"err_{kind}" in _T else code
