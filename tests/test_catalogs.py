"""Every marked string has a nynorsk and an English translation, and the catalogs load."""

from __future__ import annotations

import pytest

from models import i18n
from models.i18n_check import missing


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_no_message_is_missing_from_a_catalog(locale: str) -> None:
    gaps = missing(locale)
    listed = "\n".join(f"{msgid!r} ({where[0]})" for msgid, where in sorted(gaps.items())[:40])
    assert not gaps, f"{len(gaps)} strings lack a {locale} translation (python -m models.i18n_check --locale {locale}):\n{listed}"


def test_the_language_follows_the_person_and_falls_back_to_bokmal() -> None:
    with i18n.use_locale(None, "xx", "nn-NO"):
        assert i18n.current_locale() == "nn"
    with i18n.use_locale("en_US"):
        assert i18n.current_locale() == "en"
    assert i18n.current_locale() == "nb"


def test_dates_and_numbers_follow_the_language() -> None:
    from datetime import date

    with i18n.use_locale("nb"):
        assert i18n.fmt_date(date(2026, 12, 18)) == "18.12.2026"
        assert i18n.fmt_number(1234.5) == "1\u00a0234,5"
    with i18n.use_locale("en"):
        assert i18n.fmt_date(date(2026, 12, 18)) == "18/12/2026"
        assert i18n.fmt_number(1234.5) == "1,234.5"


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_a_message_reads_the_same_in_every_catalog_of_a_language(locale: str) -> None:
    """Each area keeps its own .po file; a string two areas share must not read two ways."""
    from babel.messages.pofile import read_po

    seen: dict[str, tuple[str, object]] = {}
    clashes = []
    for path in i18n.catalog_files(locale):
        with path.open("rb") as fh:
            for m in read_po(fh, locale=locale):
                if not m.id or not m.string:
                    continue
                key = m.id if isinstance(m.id, str) else m.id[0]
                if key in seen and seen[key][1] != m.string:
                    clashes.append((key, seen[key][0], path.name))
                seen.setdefault(key, (path.name, m.string))
    assert not clashes, f"translated differently in two files (choose one wording): {clashes[:10]}"
