"""Slack installations (issue 13): one per workspace or Enterprise Grid org, each mapped to a kommune by an admin.

Why here: the edge (`bot/slack/oauth.py`) implements bolt's InstallationStore over these use cases,
the outbox picks its token here, and `trad slack map/installs` map and list them. An install from a
workspace nobody has mapped is stored «waiting for an admin to map it» (org_id NULL) and serves
nothing: events from it get a polite «not connected yet», and no person, identity or record is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from models.errors import NotFound
from models.i18n import _
from models.services import tenants, token_box
from models.services._tx import writes
from models.tables import Organisation
from models.tables._common import utcnow
from models.tables.chat_install import SlackInstallation, SlackOAuthState

# What we keep of bolt's Installation: the bot's side only (user tokens are not needed, so not stored).
KEPT = ("app_id", "enterprise_id", "enterprise_name", "enterprise_url", "team_id", "team_name", "bot_token",
        "bot_id", "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "user_id",
        "is_enterprise_install", "token_type", "installed_at")


class UnknownWorkspace(NotFound):
    """`trad slack map --team X` for a workspace that never installed Tråd."""


@dataclass(frozen=True)
class InstallInfo:
    """An installation as `trad slack installs` and the install page show it (no token)."""

    workspace_key: str
    team_name: str | None
    enterprise: bool
    org_id: int | None
    org_slug: str | None
    org_name: str | None
    installed_at: datetime


def workspace_key(*, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None) -> str:
    """The row an install lives in: the Grid org for an org-wide install, else the workspace."""
    if (is_enterprise_install or not team_id) and enterprise_id:
        return enterprise_id
    return team_id or ""


def _info(session: Session, row: SlackInstallation) -> InstallInfo:
    org = session.get(Organisation, row.org_id) if row.org_id is not None else None
    return InstallInfo(workspace_key=row.workspace_key, team_name=row.team_name, enterprise=row.is_enterprise_install,
                       org_id=row.org_id, org_slug=org.slug if org else None, org_name=org.name if org else None,
                       installed_at=row.installed_at)


@writes
def save_installation(*, session: Session, data: dict[str, Any], secret_key: str) -> InstallInfo:
    """Store (or renew) a workspace's installation, its tokens encrypted. A renewed install keeps its kommune."""
    kept = {k: data.get(k) for k in KEPT}
    key = workspace_key(enterprise_id=kept["enterprise_id"], team_id=kept["team_id"],
                        is_enterprise_install=kept["is_enterprise_install"])
    if not key:
        raise ValueError("an installation without team or enterprise id")
    row = session.get(SlackInstallation, key) or SlackInstallation(workspace_key=key, secret="")
    row.enterprise_id = kept["enterprise_id"]
    row.team_id = kept["team_id"]
    row.team_name = (kept.get("team_name") or kept.get("enterprise_name") or "")[:200] or None
    row.is_enterprise_install = bool(kept["is_enterprise_install"])
    row.installer_user_id = kept.get("user_id")
    row.secret = token_box.seal_json(secret_key, kept)
    row.installed_at = utcnow()
    session.add(row)
    session.flush()
    return _info(session, row)


def _row_for(session: Session, enterprise_id: str | None, team_id: str | None,
             is_enterprise_install: bool | None) -> SlackInstallation | None:
    key = workspace_key(enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install)
    row = session.get(SlackInstallation, key) if key else None
    if row is None and enterprise_id and key != enterprise_id:  # a workspace of a Grid org installed org-wide
        row = session.get(SlackInstallation, enterprise_id)
    return row


def find_installation(*, session: Session, enterprise_id: str | None, team_id: str | None,
                      is_enterprise_install: bool | None, secret_key: str) -> dict[str, Any] | None:
    """The stored installation (tokens decrypted) for bolt's authorize, mapped or not."""
    row = _row_for(session, enterprise_id, team_id, is_enterprise_install)
    return token_box.open_json(secret_key, row.secret) if row is not None else None


def org_of(*, session: Session, enterprise_id: str | None, team_id: str | None,
           is_enterprise_install: bool | None = None) -> tuple[bool, int | None]:
    """(installed?, kommune id or None while unmapped) for an incoming request's workspace."""
    row = _row_for(session, enterprise_id, team_id, is_enterprise_install)
    return (row is not None, row.org_id if row is not None else None)


def token_for(*, session: Session, team_id: str | None, org_id: int | None, secret_key: str) -> str | None:
    """The bot token to deliver with: the recipient's workspace when known, else the kommune's (first) install."""
    row = session.get(SlackInstallation, team_id) if team_id else None
    if row is not None and row.org_id is None:
        return None  # unmapped: nothing goes out through it
    if row is None and team_id:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.team_id == team_id,
                                                           col(SlackInstallation.org_id).is_not(None))).first()
    if row is None and org_id is not None:
        row = session.exec(select(SlackInstallation).where(SlackInstallation.org_id == org_id)
                           .order_by(col(SlackInstallation.installed_at))).first()
    if row is None:
        return None
    return token_box.open_json(secret_key, row.secret).get("bot_token")


@writes
def delete_installation(*, session: Session, enterprise_id: str | None, team_id: str | None,
                        is_enterprise_install: bool | None = None) -> None:
    """Slack told us the app was uninstalled (or bolt asked): forget its tokens."""
    row = _row_for(session, enterprise_id, team_id, is_enterprise_install)
    if row is not None:
        session.delete(row)


@writes
def map_workspace(*, session: Session, key: str, org_slug: str) -> InstallInfo:
    """Admin: serve workspace/Grid org `key` as kommune `org_slug`. Both must exist (clear errors otherwise)."""
    tenant = tenants.tenant_by_slug(session, org_slug)
    key = (key or "").strip().upper()
    row = session.get(SlackInstallation, key)
    if row is None:
        known = ", ".join(r.workspace_key for r in session.exec(select(SlackInstallation)).all())
        raise UnknownWorkspace(_("Ingen Slack-installasjon har arbeidsområdet «{team}». Installert: {known}. "
                                 "Be en administrator i arbeidsområdet installere Tråd via /slack/install først.")
                               .format(team=key, known=known or _("ingen ennå")))
    row.org_id = tenant.id
    row.mapped_at = utcnow()
    session.add(row)
    session.flush()
    return _info(session, row)


def list_installations(*, session: Session) -> list[InstallInfo]:
    rows = session.exec(select(SlackInstallation).order_by(col(SlackInstallation.installed_at))).all()
    return [_info(session, r) for r in rows]


def install_info(*, session: Session, key: str) -> InstallInfo | None:
    row = session.get(SlackInstallation, key)
    return _info(session, row) if row is not None else None


@writes
def issue_state(*, session: Session, state: str, ttl_s: float) -> None:
    session.execute(delete(SlackOAuthState).where(col(SlackOAuthState.expires_at) < utcnow()))
    session.add(SlackOAuthState(state=state, expires_at=utcnow() + timedelta(seconds=ttl_s)))


@writes
def consume_state(*, session: Session, state: str) -> bool:
    """True once for a state we issued that has not expired; it can never be used again."""
    row = session.get(SlackOAuthState, state[:100]) if state else None
    if row is None:
        return False
    session.delete(row)
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=utcnow().tzinfo)
    return expires >= utcnow()
