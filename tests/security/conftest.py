"""Hypothesis profiles for the fuzz tests: `ci` (small, inside `make test`) and `long` (`make fuzz`)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                     HealthCheck.data_too_large], derandomize=False)
settings.register_profile("ci", max_examples=25, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("long", max_examples=1500, **_COMMON)  # type: ignore[arg-type]
if getattr(settings, "_current_profile", None) in (None, "default"):  # `--hypothesis-profile=long` (make fuzz) wins
    settings.load_profile("ci")
