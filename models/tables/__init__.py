"""All SQLModel tables. Importing this package registers every table on SQLModel.metadata."""

from models.tables.arshjul import ArshjulActivity, CalendarFeedToken
from models.tables.audit import AuditEntry
from models.tables.avvik import Avvik, AvvikEvent, Tiltak
from models.tables.chat_install import PacingSlot, SlackInstallation, SlackOAuthState, TeamsTenant
from models.tables.entra import EntraLink, EntraSyncState
from models.tables.internkontroll import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistRun,
    ChecklistTemplate,
    ChecklistTemplateUnit,
)
from models.tables.kommune import KommuneSettings
from models.tables.messaging import ChatIdentity, DialogState, InboundEvent, OutboxMessage, ReportInbox
from models.tables.oppdrag import Oppdrag, OppdragUnit, OppdragUpdate
from models.tables.oppdragsbrev import Oppdragsbrev
from models.tables.org import Counter, Organisation, Person, PersonRole, Unit
from models.tables.plan import (
    Goal,
    Indicator,
    IndicatorTarget,
    IndicatorUnit,
    IndicatorValue,
    IndicatorValueRevision,
    Perspective,
    PlanVersion,
)
from models.tables.risk import Risk, RiskAvvikLink, RiskEscalation, RiskTiltak
from models.tables.runtime import RuntimeLease
from models.tables.summary_counts import AvvikMonth, AvvikMonthStatus, AvvikOpen, ChecklistRunTally
from models.tables.tilsyn import Tilsyn, TilsynFinding

__all__ = [
    "AuditEntry", "Avvik", "AvvikEvent", "AvvikMonth", "AvvikMonthStatus", "AvvikOpen", "ChecklistRunTally", "ChatIdentity", "ChecklistAnswer", "ChecklistItem", "ChecklistRun",
    "ChecklistTemplate", "ChecklistTemplateUnit", "Counter", "KommuneSettings", "DialogState", "InboundEvent", "Oppdrag", "OppdragUnit", "OppdragUpdate",
    "Oppdragsbrev", "PlanVersion",
    "Organisation", "OutboxMessage", "ReportInbox", "Person", "PersonRole", "Tiltak", "Unit",
    "ArshjulActivity", "CalendarFeedToken", "Risk", "RiskAvvikLink", "RiskEscalation", "RiskTiltak", "Tilsyn",
    "TilsynFinding",
    "EntraLink", "EntraSyncState",
    "Goal", "Indicator", "IndicatorTarget", "IndicatorUnit", "IndicatorValue", "IndicatorValueRevision", "Perspective",
    "RuntimeLease",
    "PacingSlot",
    "SlackInstallation",
    "SlackOAuthState",
    "TeamsTenant",
]
