"""`.env.example` is what the README's Docker command starts from: it must name every setting."""

from __future__ import annotations

import re
from pathlib import Path

from models.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_names_every_setting_and_nothing_else() -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, flags=re.M))
    settings = {f.alias or name.upper() for name, f in Settings.model_fields.items()}
    assert named == settings
