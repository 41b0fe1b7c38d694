"""Kommuner as tenants (issue 13): create and list them, resolve a slug, and each kommune's settings.

Why one module: every edge (the `trad` commands, the web's `/k/<slug>/`, the scheduler, and later
the Slack installations and Teams tenants) must answer «which kommune is this?» and «what has this
kommune chosen?» the same way. `settings_for(tx, org_id)` is the one place that merges a
kommune's own choices (table `org_settings`) over the environment's defaults.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from models.errors import NotFound, ValidationFailed
from models.i18n import LOCALES, _, normalize
from models.services._tx import writes
from models.settings import Settings, get_settings
from models.sql import col, pk
from models.tables import Organisation
from models.tables._common import utcnow
from models.tables.tenant import OrgSettings

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_SCHEDULE = re.compile(r"first-weekday(?: \d{1,2}:\d{2})?|(?:\S+ ){4}\S+")
# The settings a kommune may set for itself; every one falls back to the environment's value.
# The jobs' times a kommune may choose (notifications/tenant_schedules.py runs each at that time).
SCHEDULE_NAMES = ("nudge_schedule", "summary_schedule", "deadline_reminder_schedule", "governance_reminder_schedule",
                  "indicator_reminder_schedule")
SETTING_NAMES = ("locale", "slack_leadership_channel", "teams_leadership_conversation", *SCHEDULE_NAMES,
                 "varsling_alternative_contact", "varsling_backup_email")


class UnknownOrg(NotFound):
    """A slug that names no kommune (a wrong `--org`, a wrong `/k/<slug>/`)."""


@dataclass(frozen=True)
class Tenant:
    """A kommune as the edges see it: id for the queries, slug for addresses, its own default language."""

    id: int
    slug: str
    name: str
    locale: str
    default: bool = False  # served at the plain addresses (TRAD_ORG, else the first kommune)


@dataclass(frozen=True)
class TenantSettings:
    """A kommune's effective settings: its own choice where it made one, else the environment's."""

    org_id: int
    locale: str
    slack_leadership_channel: str | None
    teams_leadership_conversation: str | None
    nudge_schedule: str
    summary_schedule: str
    deadline_reminder_schedule: str
    governance_reminder_schedule: str
    indicator_reminder_schedule: str
    varsling_alternative_contact: str
    varsling_backup_email: str | None

    def leadership_targets(self) -> list[tuple[str, str]]:
        """(platform, target) for each leadership channel this kommune has; empty when none."""
        out = []
        if self.slack_leadership_channel:
            out.append(("slack", self.slack_leadership_channel))
        if self.teams_leadership_conversation:
            out.append(("teams", self.teams_leadership_conversation))
        return out


def _env_locale(env: Settings) -> str:
    return normalize(env.default_locale) or "nb"


def settings_for(tx: Session, org_id: int, env: Settings | None = None) -> TenantSettings:
    """What kommune `org_id` has chosen, over the environment's defaults (`env`, else the process settings)."""
    env = env or get_settings()
    row = _own_row(tx, org_id)

    def pick(name: str, default: str | None) -> str | None:
        own = getattr(row, name, None) if row is not None else None
        return own if own else default

    return TenantSettings(
        org_id=org_id,
        locale=pick("locale", None) or _env_locale(env),
        slack_leadership_channel=pick("slack_leadership_channel", env.slack_leadership_channel),
        teams_leadership_conversation=pick("teams_leadership_conversation", env.teams_leadership_conversation),
        nudge_schedule=pick("nudge_schedule", None) or env.nudge_schedule,
        summary_schedule=pick("summary_schedule", None) or env.summary_schedule,
        deadline_reminder_schedule=pick("deadline_reminder_schedule", None) or env.deadline_reminder_schedule,
        governance_reminder_schedule=pick("governance_reminder_schedule", None) or env.governance_reminder_schedule,
        indicator_reminder_schedule=pick("indicator_reminder_schedule", None) or env.indicator_reminder_schedule,
        varsling_alternative_contact=pick("varsling_alternative_contact", None) or env.varsling_alternative_contact,
        varsling_backup_email=pick("varsling_backup_email", env.varsling_backup_email),
    )


_ROWS = "trad.org_settings"


def _own_row(tx: Session, org_id: int) -> OrgSettings | None:
    """The kommune's row, read once per transaction: one report asks for it per notice it words
    (a missing row is not in the identity map, so `tx.get` would ask the database every time)."""
    rows: dict[int, OrgSettings | None] = tx.info.setdefault(_ROWS, {})
    if org_id not in rows:
        rows[org_id] = tx.get(OrgSettings, org_id)
    return rows[org_id]


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_rows(session: OrmSession, _transaction: object) -> None:
    session.info.pop(_ROWS, None)


def locale_or_default(own: str | None, env: Settings | None = None) -> str:
    """A kommune's default language from its own choice (`org_settings.locale`), else the environment's."""
    return own or _env_locale(env or get_settings())


def org_locale(tx: Session, org_id: int, env: Settings | None = None) -> str:
    """The kommune's default language: the third candidate of `use_locale(person, platform, org_locale(...))`."""
    return settings_for(tx, org_id, env).locale


def own_settings(tx: Session, org_id: int) -> dict[str, str]:
    """Only what the kommune set itself (for `trad org show`): the rest comes from the environment."""
    row = tx.get(OrgSettings, org_id)
    return {n: v for n in SETTING_NAMES if row is not None and (v := getattr(row, n))}


def own_schedules(tx: Session) -> dict[int, dict[str, str]]:
    """org id → {schedule setting (SCHEDULE_NAMES): text} for the kommuner with times of their own."""
    out: dict[int, dict[str, str]] = {}
    for row in tx.exec(select(OrgSettings)).all():
        own = {n: v for n in SCHEDULE_NAMES if (v := getattr(row, n))}
        if own:
            out[row.org_id] = own
    return out


def _default_id(tx: Session, env: Settings) -> int | None:
    org = tx.exec(select(Organisation).where(Organisation.slug == env.org_slug)).first() \
        or tx.exec(select(Organisation).order_by(col(Organisation.id))).first()
    return org.id if org is not None else None


def _tenant(tx: Session, org: Organisation, env: Settings | None) -> Tenant:
    env = env or get_settings()
    return Tenant(id=pk(org), slug=org.slug, name=org.name, locale=org_locale(tx, pk(org), env),
                  default=org.id == _default_id(tx, env))


def tenant_by_slug(tx: Session, slug: str, env: Settings | None = None) -> Tenant:
    """The kommune with this slug; UnknownOrg (naming the kommuner there are) otherwise."""
    org = tx.exec(select(Organisation).where(Organisation.slug == (slug or "").strip().lower())).first()
    if org is None:
        known = ", ".join(o.slug for o in tx.exec(select(Organisation).order_by(col(Organisation.slug))).all())
        raise UnknownOrg(_("Fant ingen kommune med kortnavnet «{slug}». Kommuner her: {known}.").format(
            slug=slug, known=known or _("ingen ennå")))
    return _tenant(tx, org, env)


def tenant_by_id(tx: Session, org_id: int, env: Settings | None = None) -> Tenant:
    org = tx.get(Organisation, org_id)
    if org is None:
        raise UnknownOrg(_("Fant ingen kommune med id {id}.").format(id=org_id))
    return _tenant(tx, org, env)


def resolve(tx: Session, slug: str | None, env: Settings | None = None) -> Tenant:
    """`slug` when given (strictly: a wrong one is an error), else the default kommune (TRAD_ORG, else the first)."""
    env = env or get_settings()
    if slug:
        return tenant_by_slug(tx, slug, env)
    org = tx.exec(select(Organisation).where(Organisation.slug == env.org_slug)).first() \
        or tx.exec(select(Organisation).order_by(col(Organisation.id))).first()
    if org is None:
        raise UnknownOrg(_("Databasen har ingen kommune ennå. Kjør «trad org create» eller «trad demo»."))
    return _tenant(tx, org, env)


def list_tenants(tx: Session, env: Settings | None = None) -> list[Tenant]:
    return [_tenant(tx, o, env) for o in tx.exec(select(Organisation).order_by(col(Organisation.slug))).all()]


def _check(values: dict[str, str | None]) -> dict[str, str | None]:
    errors: dict[str, str] = {}
    out: dict[str, str | None] = {}
    for name, raw in values.items():
        if name not in SETTING_NAMES:
            errors[name] = _("Ukjent innstilling «{name}».").format(name=name)
            continue
        value = (raw or "").strip() or None
        if name == "locale" and value is not None and normalize(value) not in LOCALES:
            errors[name] = _("Språket må være nb, nn eller en.")
        elif name.endswith("_schedule") and value is not None and not _SCHEDULE.fullmatch(value):
            errors[name] = _("Tidsplanen må være «first-weekday TT:MM» eller en crontab med fem felt.")
        elif name == "varsling_backup_email" and value is not None and "@" not in value:
            errors[name] = _("Skriv en e-postadresse.")
        out[name] = normalize(value) if name == "locale" and value else value
    if errors:
        raise ValidationFailed(errors)
    return out


@writes
def set_settings(*, session: Session, org_id: int, values: dict[str, str | None]) -> TenantSettings:
    """Store the kommune's own choices (an empty value goes back to the environment's default)."""
    checked = _check(values)
    row = session.get(OrgSettings, org_id) or OrgSettings(org_id=org_id)
    session.info.pop(_ROWS, None)
    for name, value in checked.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return settings_for(session, org_id)


@writes
def create_org(*, session: Session, slug: str, name: str, locale: str | None = None) -> Tenant:
    """A new, empty kommune; people and units come with `trad org import --org SLUG`."""
    slug = (slug or "").strip().lower()
    errors: dict[str, str] = {}
    if not SLUG.fullmatch(slug):
        errors["slug"] = _("Kortnavnet kan bare ha små bokstaver a–z, sifre og bindestrek (f.eks. «alver»).")
    elif session.exec(select(Organisation).where(Organisation.slug == slug)).first() is not None:
        errors["slug"] = _("Det finnes alt en kommune med kortnavnet «{slug}».").format(slug=slug)
    if not (name or "").strip() or len(name) > 200:
        errors["name"] = _("Skriv navnet på kommunen (høyst 200 tegn).")
    if errors:
        raise ValidationFailed(errors)
    org = Organisation(slug=slug, name=name.strip())
    session.add(org)
    session.flush()
    if locale:
        set_settings.__wrapped__(session=session, org_id=pk(org), values={"locale": locale})
    return _tenant(session, org, None)


def setting_fields() -> tuple[str, ...]:
    """The fields of TenantSettings (for the docs and `trad org show`)."""
    return tuple(f.name for f in fields(TenantSettings) if f.name != "org_id")


def base_url_for(slug: str, env: Settings | None = None, *, default: bool = False) -> str:
    """Where kommune `slug`'s pages live, for links we send: its own host (TENANT_HOSTS), else the
    plain address for the default kommune (TRAD_ORG), else `/k/<slug>` under PUBLIC_BASE_URL."""
    env = env or get_settings()
    base = env.public_base_url.rstrip("/")
    hosts = {s: h for h, s in env.tenant_host_map.items()}
    if slug in hosts:
        scheme = base.split("://", 1)[0] if "://" in base else "https"
        return f"{scheme}://{hosts[slug]}"
    if default or slug == env.org_slug:
        return base
    return f"{base}/k/{slug}"


def org_base_url(tx: Session, org_id: int, env: Settings | None = None) -> str:
    """`base_url_for` by the kommune's id (for use cases that build links for one kommune)."""
    tenant = tenant_by_id(tx, org_id, env)
    return base_url_for(tenant.slug, env, default=tenant.default)
