"""One settings class for the whole of Tråd, read from the environment and `.env`.

Why one class: deployments set environment variables by these exact names, and a
single place that refuses placeholders keeps a half-configured server from starting
and then failing on the first real message.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "changethis", "secret", "xxx", "todo", "placeholder", "your-secret"}
DEFAULT_SQLITE_URL = "sqlite:///./var/trad.db"


class SettingsError(ValueError):
    """Raised with one line naming the setting that stops the server from starting."""


def _is_placeholder(value: str | None) -> bool:
    if value is None:
        return False
    v = value.strip().lower()
    return v in PLACEHOLDERS or v.startswith("xoxb-your") or v.startswith("<") or "changeme" in v


MIN_SECRET_CHARS = 32
MIN_SECRET_BITS = 90
SLACK_SIGNING_SECRET_FORMAT = re.compile(r"[0-9a-f]{32}")


def weak_secret_reason(value: str) -> str | None:
    """Why `value` is not a random secret (None when it looks like one).

    A cheap estimate, not a proof: at least 32 characters, at least 8 different ones, none
    more than a third of the string, no repeated pieces, no steady run (abcd…, 1357…), and at least 90 bits by
    the characters' frequencies. `secrets.token_urlsafe(48)` passes; words, repeats and
    keyboard runs do not.
    """
    if len(value) < MIN_SECRET_CHARS:
        return f"it has {len(value)} characters; at least {MIN_SECRET_CHARS} are needed"
    counts = Counter(value)
    if len(counts) < 8 or max(counts.values()) * 3 > len(value):
        return "it repeats too few characters"
    grams = [value[i:i + 4] for i in range(len(value) - 3)]
    if len(set(grams)) * 4 < len(grams) * 3:
        return "it repeats itself"
    steps = Counter(ord(b) - ord(a) for a, b in zip(value, value[1:], strict=False))
    if steps.most_common(1)[0][1] * 2 > len(value):
        return "it is a run of characters"
    bits = -sum(n * math.log2(n / len(value)) for n in counts.values())
    if bits < MIN_SECRET_BITS:
        return f"it has about {bits:.0f} bits of randomness; at least {MIN_SECRET_BITS} are needed"
    return None


_SERVED_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]{1,255}")


def served_base_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches `trad serve --host HOST --port PORT` at."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard to replace it, not binding to it
        host = "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"


def read_served_url(path: Path) -> str | None:
    """The address a running `trad serve` noted, or None (no server, or a file that is not an address)."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text if _SERVED_URL.fullmatch(text) else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default=DEFAULT_SQLITE_URL, alias="DATABASE_URL")
    public_base_url: str = Field(default="http://127.0.0.1:8000", alias="PUBLIC_BASE_URL")
    tz_name: str = Field(default="Europe/Oslo", alias="TZ_NAME")
    default_locale: str = Field(default="nb", alias="DEFAULT_LOCALE")
    secret_key: str | None = Field(default=None, alias="SECRET_KEY")
    org_slug: str = Field(default="oyer", alias="TRAD_ORG", description="organisation served by default")
    # Kommuner with a host name of their own for the staff pages and varsling (docs/tenants.md):
    # "alver=varsling.alver.no,bjornafjorden=trad.bjornafjorden.kommune.no". `/k/<slug>/` always works.
    tenant_hosts: str = Field(default="", alias="TENANT_HOSTS")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # Where the demo's console delivery keeps messages for `trad chat` (bot/console/delivery.py).
    console_inbox: Path = Field(default=Path("var/console-inbox.jsonl"), alias="TRAD_CONSOLE_INBOX")
    # Where `trad serve` notes the address it serves on, so that without PUBLIC_BASE_URL the links that
    # `trad chat` and `trad web link` print follow the served host and port (make run PORT=8101).
    served_url_file: Path = Field(default=Path("var/served-url"), alias="TRAD_SERVED_URL_FILE")

    # Slack
    slack_bot_token: str | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", alias="SLACK_API_URL")
    slack_leadership_channel: str | None = Field(default=None, alias="SLACK_LEADERSHIP_CHANNEL")
    # Many workspaces (issue 13, docs/slack.md): Slack's OAuth install flow at /slack/install when both are set.
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_scopes: str = Field(
        default="chat:write,commands,im:history,im:write,users:read,users:read.email,files:write",
        alias="SLACK_SCOPES")

    # Microsoft Teams (Bot Framework)
    teams_app_id: str | None = Field(default=None, alias="TEAMS_APP_ID")
    teams_app_password: str | None = Field(default=None, alias="TEAMS_APP_PASSWORD")
    teams_tenant_id: str | None = Field(default=None, alias="TEAMS_TENANT_ID")
    teams_authority: str | None = Field(default=None, alias="TEAMS_AUTHORITY")
    teams_openid_metadata_url: str = Field(
        default="https://login.botframework.com/v1/.well-known/openidconfiguration",
        alias="TEAMS_OPENID_METADATA_URL",
    )
    teams_service_url_hosts: str = Field(
        default="smba.trafficmanager.net,smba.infra.gov.teams.microsoft.us",
        alias="TEAMS_SERVICE_URL_HOSTS",
    )
    teams_leadership_conversation: str | None = Field(default=None, alias="TEAMS_LEADERSHIP_CONVERSATION")

    # Anonymous varsling (forms/varsling). The secret signs form tokens; it never decrypts anything.
    varsling_alternative_contact: str = Field(
        default="Kontrollutvalgets sekretariat (kontrollutvalget@kommune.no)", alias="VARSLING_ALTERNATIVE_CONTACT",
        description="where to varsle when the matter concerns the kommunedirektør or a varslingsmottaker")
    varsling_retention_days: int = Field(default=730, ge=1, alias="VARSLING_RETENTION_DAYS")
    varsling_ack_days: int = Field(default=7, ge=1, alias="VARSLING_ACK_DAYS")
    varsling_feedback_months: int = Field(default=3, ge=1, alias="VARSLING_FEEDBACK_MONTHS")
    varsling_escalate_after_days: int = Field(default=7, ge=0, alias="VARSLING_ESCALATE_AFTER_DAYS")
    varsling_backup_email: str | None = Field(default=None, alias="VARSLING_BACKUP_EMAIL")
    varsling_entra_client_id: str | None = Field(default=None, alias="VARSLING_ENTRA_CLIENT_ID")
    varsling_entra_client_secret: str | None = Field(default=None, alias="VARSLING_ENTRA_CLIENT_SECRET")
    varsling_entra_tenant_id: str | None = Field(default=None, alias="VARSLING_ENTRA_TENANT_ID")
    varsling_entra_authority: str | None = Field(default=None, alias="VARSLING_ENTRA_AUTHORITY")

    # E-mail (notifications/email.py): sign-in links and notices for people without chat.
    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: str | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_from: str | None = Field(default=None, alias="SMTP_FROM")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")

    # Scheduling
    scheduler_enabled: bool = Field(default=True, alias="SCHEDULER_ENABLED")
    outbox_worker_enabled: bool = Field(default=True, alias="OUTBOX_WORKER_ENABLED")
    # Where `trad serve` runs the scheduler, the outbox worker and the report inbox: `inline` (inside
    # the web process, one process: the embedded default) or `child` (a separate process at a lower
    # CPU priority; Slack reports are then kept at the ack and registered there; docs/deploy.md).
    # SERVE_BACKGROUND_NICE is the child's niceness.
    serve_background: Literal["child", "inline"] = Field(default="inline", alias="SERVE_BACKGROUND")
    serve_background_nice: int = Field(default=10, ge=0, le=19, alias="SERVE_BACKGROUND_NICE")
    # glibc malloc arenas of a serving process (bot/gc_policy.py): 2 keeps its resident memory flat;
    # 0 leaves glibc's default (8 per core)
    serve_malloc_arenas: int = Field(default=2, ge=0, le=64, alias="SERVE_MALLOC_ARENAS")
    # Schedules: "first-weekday HH:MM" or a 5-field crontab ("0 8 * * mon"), Europe/Oslo (TZ_NAME).
    nudge_schedule: str = Field(default="first-weekday 09:00", alias="NUDGE_SCHEDULE")
    deadline_reminder_schedule: str = Field(default="0 8 * * mon", alias="DEADLINE_REMINDER_SCHEDULE")
    summary_schedule: str = Field(default="first-weekday 08:00", alias="SUMMARY_SCHEDULE")
    housekeeping_schedule: str = Field(default="30 4 * * *", alias="HOUSEKEEPING_SCHEDULE")
    scheduler_misfire_hours: float = Field(default=6.0, alias="SCHEDULER_MISFIRE_HOURS")
    nudge_roles: str = Field(default="leder,kommunalsjef,kommunedirektør", alias="NUDGE_ROLES")
    nudge_all_clear: bool = Field(default=False, alias="NUDGE_ALL_CLEAR")
    # Delivery pacing shared through the database (table pacing_slot), so several delivering
    # processes together keep the platforms' limits (docs/deploy.md). auto: on with PostgreSQL;
    # off: each process paces alone (one delivering process only).
    shared_pacing: Literal["auto", "on", "off"] = Field(default="auto", alias="SHARED_PACING")
    # Outbox delivery and pacing
    outbox_max_attempts: int = Field(default=5, alias="OUTBOX_MAX_ATTEMPTS")
    outbox_lease_seconds: float = Field(default=20.0, gt=0, alias="OUTBOX_LEASE_SECONDS")  # renewed while held
    outbox_poll_seconds: float = Field(default=1.0, alias="OUTBOX_POLL_SECONDS")
    slack_rate_per_minute: float = Field(default=300.0, alias="SLACK_RATE_PER_MINUTE")
    slack_channel_interval_seconds: float = Field(default=1.0, alias="SLACK_CHANNEL_INTERVAL_SECONDS")
    teams_rate_per_second: float = Field(default=50.0, alias="TEAMS_RATE_PER_SECOND")
    teams_conversation_rate_per_second: float = Field(default=7.0, alias="TEAMS_CONVERSATION_RATE_PER_SECOND")
    # Slack edge tuning (docs/slack.md): threads for database work after the ack (unset: min(4, cores + 1))
    slack_worker_threads: int | None = Field(default=None, ge=1, alias="SLACK_WORKER_THREADS")
    # The GIL switch interval in ms of every serving process (notifications/threads.py): the event loop
    # acks sooner, and a background writer holding SQLite's lock finishes sooner (0 keeps Python's 5 ms)
    gil_switch_ms: float = Field(default=0.5, ge=0, validation_alias=AliasChoices("GIL_SWITCH_MS", "SLACK_GIL_SWITCH_MS"))
    # Load shedding: above this many Slack requests in progress (or when the oldest has waited 1 s, or the
    # process is 0.5 s behind), answer 503 at once rather than let Slack's 3 s timeout pass (issue 15; 0: off)
    slack_max_in_flight: int = Field(default=256, ge=0, alias="SLACK_MAX_IN_FLIGHT")

    # Risk escalation (issue 11): a risk or avvik scoring at least this goes to the sector's kommunalsjef / the top.
    risk_escalate_sector: int = Field(default=15, ge=1, le=25, alias="RISK_ESCALATE_SECTOR")
    risk_escalate_top: int = Field(default=20, ge=1, le=25, alias="RISK_ESCALATE_TOP")
    # Daily: risk reviews due, tilsyn finding deadlines, årshjul activities at their lead time (each sent once).
    governance_reminder_schedule: str = Field(default="15 7 * * *", alias="GOVERNANCE_REMINDER_SCHEDULE")
    # Teams (issue 18): the tab's SSO token (audience = the Application ID URI or the app id; Entra metadata),
    # and installing the app for people with Microsoft Graph (catalog id from the Teams admin center).
    teams_sso_app_id_uri: str | None = Field(default=None, alias="TEAMS_SSO_APP_ID_URI")
    teams_sso_metadata_url: str | None = Field(default=None, alias="TEAMS_SSO_OPENID_METADATA_URL")
    teams_catalog_app_id: str | None = Field(default=None, alias="TEAMS_CATALOG_APP_ID")
    graph_api_url: str = Field(default="https://graph.microsoft.com/v1.0", alias="GRAPH_API_URL")
    teams_default_service_url: str = Field(default="https://smba.trafficmanager.net/teams/",
                                           alias="TEAMS_DEFAULT_SERVICE_URL")
    # Nightly: install Tråd for the leaders / everyone who lacks it (off: only on demand and `trad teams install`).
    teams_auto_install: Literal["off", "leaders", "all"] = Field(default="off", alias="TEAMS_AUTO_INSTALL")
    teams_auto_install_schedule: str = Field(default="45 5 * * *", alias="TEAMS_AUTO_INSTALL_SCHEDULE")
    # Indicator reminder (issue 10): daily job; sends once per leader in the N days before the 10th (the deadline).
    indicator_reminder_schedule: str = Field(default="0 8 * * *", alias="INDICATOR_REMINDER_SCHEDULE")
    indicator_reminder_days_before: int = Field(default=3, ge=1, le=9, alias="INDICATOR_REMINDER_DAYS_BEFORE")

    # Organisation sync with Microsoft Entra ID (issue 17, docs/admin.md): Graph application permission User.Read.All.
    entra_sync_enabled: bool = Field(default=False, alias="ENTRA_SYNC_ENABLED")
    entra_tenant_id: str | None = Field(default=None, alias="ENTRA_TENANT_ID")
    entra_client_id: str | None = Field(default=None, alias="ENTRA_CLIENT_ID")
    entra_client_secret: str | None = Field(default=None, alias="ENTRA_CLIENT_SECRET")
    entra_authority: str | None = Field(default=None, alias="ENTRA_AUTHORITY")
    entra_sync_schedule: str = Field(default="30 5 * * *", alias="ENTRA_SYNC_SCHEDULE")
    entra_sync_map: Path | None = Field(default=None, alias="ENTRA_SYNC_MAP", description="department,unit CSV")

    @model_validator(mode="after")
    def _follow_the_served_address(self) -> Settings:
        """Without PUBLIC_BASE_URL, links point where `trad serve` is listening (not always port 8000)."""
        if "public_base_url" not in self.model_fields_set:
            served = read_served_url(self.served_url_file)
            if served:  # set without marking the field as given, so it still reads as «not set» later
                self.__dict__["public_base_url"] = served
        return self

    @model_validator(mode="after")
    def _entra_sync_complete(self) -> Settings:
        """Half an Entra setup stops start-up, naming what is missing, as the Teams settings do."""
        if _is_placeholder(self.entra_client_secret):
            raise SettingsError("ENTRA_CLIENT_SECRET has a placeholder value; set a real secret or remove it")
        parts = {"ENTRA_TENANT_ID": self.entra_tenant_id, "ENTRA_CLIENT_ID": self.entra_client_id,
                 "ENTRA_CLIENT_SECRET": self.entra_client_secret}
        if (self.entra_sync_enabled or any(parts.values())) and not all(parts.values()):
            missing = next(k for k, v in parts.items() if not v)
            raise SettingsError(f"{missing} is missing: the Entra ID sync needs ENTRA_TENANT_ID, ENTRA_CLIENT_ID "
                                "and ENTRA_CLIENT_SECRET")
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        for name in ("slack_bot_token", "slack_signing_secret", "slack_app_token", "teams_app_password", "secret_key",
                     "varsling_entra_client_secret", "smtp_password", "slack_client_secret"):
            if _is_placeholder(getattr(self, name)):
                alias = type(self).model_fields[name].alias
                raise SettingsError(f"{alias} has a placeholder value; set a real secret or remove it")
        self._refuse_weak_secrets()
        self._check_slack()
        teams_parts = {
            "TEAMS_APP_ID": self.teams_app_id,
            "TEAMS_APP_PASSWORD": self.teams_app_password,
            "TEAMS_TENANT_ID": self.teams_tenant_id,
        }
        if any(teams_parts.values()) and not all(teams_parts.values()):
            missing = next(k for k, v in teams_parts.items() if not v)
            raise SettingsError(f"{missing} is missing: Teams needs TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_TENANT_ID")
        return self

    def _check_slack(self) -> None:
        """One token (SLACK_BOT_TOKEN) or the OAuth install flow (SLACK_CLIENT_ID/SECRET), always with the signing secret."""
        oauth = {"SLACK_CLIENT_ID": self.slack_client_id, "SLACK_CLIENT_SECRET": self.slack_client_secret}
        if any(oauth.values()) and not all(oauth.values()):
            missing = next(k for k, v in oauth.items() if not v)
            raise SettingsError(f"{missing} is missing: Slack's install flow needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET")
        if all(oauth.values()):
            if not self.slack_signing_secret:
                raise SettingsError("SLACK_SIGNING_SECRET is missing: Slack's install flow needs it too")
            if not self.secret_key:
                raise SettingsError("SECRET_KEY is missing: the tokens of Slack installations are stored encrypted "
                                    "with a key derived from it")
            return
        slack_parts = {"SLACK_BOT_TOKEN": self.slack_bot_token, "SLACK_SIGNING_SECRET": self.slack_signing_secret}
        if any(slack_parts.values()) and not all(slack_parts.values()):
            missing = next(k for k, v in slack_parts.items() if not v)
            raise SettingsError(f"{missing} is missing: Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")

    def _refuse_weak_secrets(self) -> None:
        if self.secret_key is not None and (why := weak_secret_reason(self.secret_key)):
            raise SettingsError(f"SECRET_KEY is too weak: {why}. Generate one with "
                                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
        if self.slack_signing_secret is not None and not SLACK_SIGNING_SECRET_FORMAT.fullmatch(self.slack_signing_secret):
            raise SettingsError("SLACK_SIGNING_SECRET is not a Slack signing secret (32 hexadecimal characters, "
                                "from the app's Basic Information page)")

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_oauth_enabled))

    @property
    def slack_oauth_enabled(self) -> bool:
        """Many workspaces: installs through /slack/install, one token per installation (bot/slack/oauth.py)."""
        return bool(self.slack_client_id and self.slack_client_secret and self.slack_signing_secret)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.teams_app_id and self.teams_app_password and self.teams_tenant_id)

    @property
    def teams_authority_url(self) -> str:
        return self.teams_authority or f"https://login.microsoftonline.com/{self.teams_tenant_id}"

    @property
    def teams_allowed_hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.teams_service_url_hosts.split(",") if h.strip()]

    @property
    def varsling_entra_enabled(self) -> bool:
        return bool(self.varsling_entra_client_id and self.varsling_entra_client_secret
                    and (self.varsling_entra_tenant_id or self.varsling_entra_authority))

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @property
    def tenant_host_map(self) -> dict[str, str]:
        """host name (lower case, no port) → kommune slug, from TENANT_HOSTS."""
        out: dict[str, str] = {}
        for part in self.tenant_hosts.split(","):
            slug, sep, host = part.partition("=")
            if sep and slug.strip() and host.strip():
                out[host.strip().lower().split(":")[0]] = slug.strip().lower()
        return out

    @property
    def pacing_is_shared(self) -> bool:
        return self.shared_pacing == "on" or (self.shared_pacing == "auto" and not self.is_sqlite)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split("///", 1)[1])


@lru_cache
def get_settings() -> Settings:
    return Settings()
