"""A kommune's own settings: its name and logo, the avvik categories it offers, the varsling routine and
the alternative channel. Stored per kommune (`kommune_settings`, keyed by org_id); a kommune with no
row, or with a value left empty, gets the environment's default.

Why the logo is checked here and not only at the edge: a logo is shown on every staff page, so a
file that is not a small, plain PNG or SVG (an SVG with a script, an external link or an entity)
is refused before it is stored, whoever sends it.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET  # noqa: S405 - DOCTYPE and ENTITY are refused before parsing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session

from models.errors import PermissionDenied, ValidationFailed
from models.i18n import _
from models.services import audit, org, tenants
from models.services._tx import writes
from models.services.varsling_rutine import current_rutine, set_rutine
from models.sql import table_of
from models.tables import KommuneSettings, Organisation
from models.tables._common import utcnow
from models.vocabulary import AVVIK_CATEGORIES

MAX_LOGO_BYTES = 200_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_REFUSED = re.compile(rb"<!DOCTYPE|<!ENTITY|<script|<foreignObject|javascript:|\son[a-z]+\s*=", re.IGNORECASE)


@dataclass(frozen=True)
class KommuneView:
    name: str
    categories: tuple[str, ...]
    alternative_channel: str
    rutine_text: str
    rutine_version: int
    logo_type: str | None


@dataclass(frozen=True)
class Brand:
    """What every page header shows: the kommune's name, and a version of its logo for the URL (None: no logo)."""

    name: str
    logo_version: str | None


def denied() -> str:
    return _("Bare administratorer kan endre kommunens innstillinger.")


def _row(session: Session, org_id: int) -> KommuneSettings | None:
    return session.get(KommuneSettings, org_id)


def offered_categories(session: Session, *, org_id: int) -> dict[str, str]:
    """The avvik categories reporters are offered, in the kommune's order (all of them by default).

    One column through Core: every `/avvik` form and every registration asks, and most kommuner have no
    settings row, which the ORM's `get` looks for in the database each time."""
    chosen = session.execute(_categories_statement(), {"org_id": org_id}).scalar()
    codes = [c for c in (chosen or []) if c in AVVIK_CATEGORIES]
    return {c: AVVIK_CATEGORIES[c] for c in codes} if codes else dict(AVVIK_CATEGORIES)


@lru_cache(maxsize=1)
def _categories_statement() -> Select[Any]:
    table = table_of(KommuneSettings)
    return core_select(table.c.avvik_categories).where(table.c.org_id == bindparam("org_id"))


def alternative_channel(session: Session, *, org_id: int, default: str) -> str:
    """Where to varsle when the matter concerns the kommunedirektør or a recipient.

    Kept in the kommune's `org_settings` (models/services/tenants.py), the one store of per-kommune
    settings, so the admin page, `trad org set` and the varsling form read the same value.
    """
    return tenants.own_settings(session, org_id).get("varsling_alternative_contact") or default


def brand(session: Session, *, org_id: int) -> Brand:
    organisation = session.get(Organisation, org_id)
    row = _row(session, org_id)
    version = hashlib.sha256(row.logo).hexdigest()[:12] if row and row.logo else None
    return Brand(name=organisation.name if organisation else "", logo_version=version)


def logo(session: Session, *, org_id: int) -> tuple[bytes, str] | None:
    row = _row(session, org_id)
    return (row.logo, row.logo_type or "image/png") if row and row.logo else None


def _admin(session: Session, actor_id: int | None, org_id: int) -> None:
    if actor_id is None:
        return
    actor = org.load_actor(session, person_id=actor_id)
    if actor.org_id != org_id or "admin" not in actor.roles:
        raise PermissionDenied(denied())


def view(session: Session, *, actor_id: int, default_channel: str) -> KommuneView:
    actor = org.load_actor(session, person_id=actor_id)
    _admin(session, actor_id, actor.org_id)
    rutine = current_rutine(session, org_id=actor.org_id)
    row = _row(session, actor.org_id)
    return KommuneView(name=brand(session, org_id=actor.org_id).name,
                       categories=tuple(offered_categories(session, org_id=actor.org_id)),
                       alternative_channel=alternative_channel(session, org_id=actor.org_id, default=default_channel),
                       rutine_text=rutine.text, rutine_version=rutine.version,
                       logo_type=row.logo_type if row and row.logo else None)


def _validate(name: str, categories: list[str], channel: str, rutine: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not name.strip() or len(name) > 200:
        errors["name"] = _("Skriv kommunens navn (høyst 200 tegn).")
    if not categories or any(c not in AVVIK_CATEGORIES for c in categories):
        errors["categories"] = _("Velg minst én avvikskategori fra listen.")
    if not channel.strip() or len(channel) > 500:
        errors["alternative_channel"] = _("Skriv den alternative kanalen (høyst 500 tegn).")
    if not rutine.strip() or len(rutine) > 20_000:
        errors["rutine"] = _("Skriv varslingsrutinen (høyst 20 000 tegn).")
    return errors


def _settings_row(session: Session, org_id: int) -> KommuneSettings:
    return _row(session, org_id) or KommuneSettings(org_id=org_id)


@writes
def update_settings(*, session: Session, actor_id: int | None, org_id: int, name: str, categories: list[str],
                    alternative_channel_text: str, rutine: str, default_channel: str) -> bool:
    """Save what changed; a changed routine is a new version of it. False (and no audit entry) when nothing did."""
    _admin(session, actor_id, org_id)
    errors = _validate(name, categories, alternative_channel_text, rutine)
    if errors:
        raise ValidationFailed(errors)
    organisation = session.get(Organisation, org_id)
    assert organisation is not None
    current = current_rutine(session, org_id=org_id)
    before: dict[str, Any] = {"name": organisation.name, "categories": list(offered_categories(session, org_id=org_id)),
                              "alternative_channel": alternative_channel(session, org_id=org_id, default=default_channel),
                              "rutine_version": current.version}
    after: dict[str, Any] = {"name": " ".join(name.split()), "categories": [c for c in AVVIK_CATEGORIES if c in categories],
             "alternative_channel": alternative_channel_text.strip(), "rutine_version": current.version}
    rutine_changed = rutine.strip() != current.text.strip()
    if after == before and not rutine_changed:
        return False
    if rutine_changed:
        after["rutine_version"] = set_rutine.__wrapped__(session=session, org_id=org_id, text=rutine, actor_id=actor_id)
    organisation.name = after["name"]
    row = _settings_row(session, org_id)
    row.avvik_categories = after["categories"]
    tenants.set_settings.__wrapped__(session=session, org_id=org_id,
                                     values={"varsling_alternative_contact": after["alternative_channel"] or None})
    row.updated_at = utcnow()
    session.add(organisation)
    session.add(row)
    audit.record(session, org_id=org_id, actor_id=actor_id, action="kommune.settings_changed", entity="organisation",
                 entity_id=org_id, detail={"before": before, "after": after})
    return True


def _svg_ok(data: bytes) -> bool:
    if SVG_REFUSED.search(data):
        return False
    try:
        root = ET.fromstring(data)  # noqa: S314 - no DOCTYPE or ENTITY can reach here (refused above)
    except ET.ParseError:
        return False
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        return False
    for el in root.iter():
        for key, value in el.attrib.items():
            if key.endswith("href") and not value.startswith(("#", "data:image/png", "data:image/jpeg")):
                return False
    return True


def check_logo(data: bytes) -> str:
    """The logo's content type, or ValidationFailed: a PNG or SVG of at most 200 kB, nothing active in it."""
    if not data:
        raise ValidationFailed({"logo": _("Velg en fil med logoen.")})
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationFailed({"logo": _("Logoen kan være høyst 200 kB.")})
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if _svg_ok(data):
        return "image/svg+xml"
    raise ValidationFailed({"logo": _("Logoen må være en PNG- eller SVG-fil (uten skript eller lenker).")})


@writes
def set_logo(*, session: Session, actor_id: int | None, org_id: int, data: bytes | None) -> None:
    """Store a new logo (or remove it with data None); the audit log keeps each file's type, size and hash."""
    _admin(session, actor_id, org_id)
    kind = check_logo(data) if data is not None else None
    row = _settings_row(session, org_id)

    def facts(blob: bytes | None, t: str | None) -> dict[str, Any] | None:
        return {"type": t, "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()} if blob else None

    before = facts(row.logo, row.logo_type)
    row.logo, row.logo_type, row.updated_at = data, kind, utcnow()
    session.add(row)
    audit.record(session, org_id=org_id, actor_id=actor_id, action="kommune.logo_changed", entity="organisation",
                 entity_id=org_id, detail={"before": before, "after": facts(data, kind)})
