"""A serving process caps glibc's malloc arenas (issue 15 pt 6: no growth after warm-up).

Why a test: the cap only works if `trad serve` sets it before the app starts its threads, and only
where the setting says so; the memory itself is measured by bench/memory.py, not here."""

from __future__ import annotations

import platform

import pytest

from bot import gc_policy


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_cap_takes_effect_on_glibc_and_zero_leaves_the_default() -> None:
    assert gc_policy.limit_malloc_arenas(2) is True
    assert gc_policy.limit_malloc_arenas(0) is False


def test_trad_serve_sets_the_configured_cap_before_the_app_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot import main

    asked: list[int] = []
    monkeypatch.setattr(gc_policy, "limit_malloc_arenas", lambda n: asked.append(n) or True)
    monkeypatch.setenv("SERVE_MALLOC_ARENAS", "3")
    main.get_settings.cache_clear()
    main.serve_app()
    assert asked == [3]
