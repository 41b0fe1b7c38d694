"""Codes and their bokmål labels for the ROS register, tilsyn and the årshjul (issue 11).

Codes are stored; labels are shown. Kept apart from models/vocabulary.py so this feature
adds files instead of editing shared ones.
"""

from __future__ import annotations

TREATMENTS = {"avoid": "Unngå", "reduce": "Redusere", "share": "Dele", "accept": "Akseptere"}
RISK_STATUSES = {"aktiv": "Aktiv", "lukket": "Lukket"}

TILSYN_AUTHORITIES = {
    "statsforvalteren": "Statsforvalteren", "arbeidstilsynet": "Arbeidstilsynet", "helsetilsynet": "Helsetilsynet",
    "mattilsynet": "Mattilsynet", "datatilsynet": "Datatilsynet", "annet": "Annet",
}
FINDING_KINDS = {"avvik": "Avvik", "merknad": "Merknad", "palegg": "Pålegg"}
FINDING_STATUSES = {"apen": "Åpen", "under_arbeid": "Under arbeid", "lukket": "Lukket"}
OPEN_FINDING_STATUSES = ("apen", "under_arbeid")

ARSHJUL_KINDS = {
    "tertialrapport": "Tertialrapport", "sjekkliste": "Sjekklistefrist", "ros": "ROS-gjennomgang",
    "budsjett": "Budsjett", "medarbeidersamtale": "Medarbeidersamtaler", "annet": "Annet",
}
#: Roles an årshjul activity can be given to; leder and kommunalsjef can be limited to a part of the unit tree.
ARSHJUL_ROLES = {"leder": "Enhetsledere", "kommunalsjef": "Kommunalsjefer", "kommunedirektør": "Kommunedirektøren",
                 "admin": "Tråd-administratorer"}


def risk_ref(number: int) -> str:
    return f"RO-{number}"
