"""Which source strings lack a translation: the test that keeps the catalogs whole, and a helper for writers.

`python -m models.i18n_check [--locale nn] [--paths bot/conversation ...]` prints a .po stub of every
marked string that the language's catalogs lack, with where it is used, ready to translate and append
to the area's `models/locales/<lang>/LC_MESSAGES/<area>.po`.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from models.i18n import LOCALES, catalog_files

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "forms", "models", "notifications", "reports")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.j2", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}, "**/templates/**.j2": {"extensions": "jinja2.ext.i18n"}}


def source_messages(dirs: Iterable[str] = SOURCE_DIRS) -> dict[str, list[str]]:
    """msgid → where it is used, for every marked string in the source (plural forms: the singular id)."""
    found: dict[str, list[str]] = {}
    for name in dirs:
        base = ROOT / name
        for filename, lineno, message, _comments, _ctx in extract_from_dir(
            str(base), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS
        ):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{name}/{filename}:{lineno}")
    return found


def translated(locale: str) -> set[str]:
    ids: set[str] = set()
    for path in catalog_files(locale):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=locale):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and all(strings):
                    ids.update(str(i) for i in (message.id if isinstance(message.id, tuple) else (message.id,)))
    return ids


def missing(locale: str, dirs: Iterable[str] = SOURCE_DIRS) -> dict[str, list[str]]:
    have = translated(locale)
    return {msgid: where for msgid, where in source_messages(dirs).items() if msgid not in have}


def _po_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--locale", choices=[loc for loc in LOCALES if loc != "nb"], default="nn")
    parser.add_argument("--paths", nargs="*", default=list(SOURCE_DIRS))
    args = parser.parse_args()
    for msgid, where in sorted(missing(args.locale, args.paths).items()):
        print(f"#: {' '.join(where[:3])}\nmsgid {_po_quote(msgid)}\nmsgstr \"\"\n")


if __name__ == "__main__":
    main()
