"""Codes and their bokmål labels for the ROS register, tilsyn and the årshjul (issue 11).

Codes are stored; labels are shown. Kept apart from models/vocabulary.py so this feature
adds files instead of editing shared ones.
"""

from __future__ import annotations

from models.i18n import N_
from models.vocabulary import Labels

TREATMENTS = Labels({"avoid": N_("Unngå"), "reduce": N_("Redusere"), "share": N_("Dele"), "accept": N_("Akseptere")})
RISK_STATUSES = Labels({"aktiv": N_("Aktiv"), "lukket": N_("Lukket")})

TILSYN_AUTHORITIES = Labels({
    "statsforvalteren": N_("Statsforvalteren"), "arbeidstilsynet": N_("Arbeidstilsynet"), "helsetilsynet": N_("Helsetilsynet"),
    "mattilsynet": N_("Mattilsynet"), "datatilsynet": N_("Datatilsynet"), "annet": N_("Annet"),
})
FINDING_KINDS = Labels({"avvik": N_("Avvik"), "merknad": N_("Merknad"), "palegg": N_("Pålegg")})
FINDING_STATUSES = Labels({"apen": N_("Åpen"), "under_arbeid": N_("Under arbeid"), "lukket": N_("Lukket")})
OPEN_FINDING_STATUSES = ("apen", "under_arbeid")

ARSHJUL_KINDS = Labels({
    "tertialrapport": N_("Tertialrapport"), "sjekkliste": N_("Sjekklistefrist"), "ros": N_("ROS-gjennomgang"),
    "budsjett": N_("Budsjett"), "medarbeidersamtale": N_("Medarbeidersamtaler"), "annet": N_("Annet"),
})
#: Roles an årshjul activity can be given to; leder and kommunalsjef can be limited to a part of the unit tree.
ARSHJUL_ROLES = Labels({"leder": N_("Enhetsledere"), "kommunalsjef": N_("Kommunalsjefer"), "kommunedirektør": N_("Kommunedirektøren"),
                 "admin": N_("Tråd-administratorer")})


def risk_ref(number: int) -> str:
    return f"RO-{number}"
