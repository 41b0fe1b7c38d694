"""Codes stored in the database and the labels users see (bokmål here, translated when read).

Codes are ASCII so SQL, URLs and button values stay simple; labels are the words of
the municipality (see the glossary).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from models.i18n import N_, _

K = TypeVar("K")


class Labels(Mapping[K, str]):
    """Code → label, read in the current person's language (the stored bokmål text is the msgid).

    A mapping, not a dict of translated strings, because the language is known only when a
    label is shown; `X[code]`, `X.get(code, code)` and `X.items()` translate on every read.
    """

    def __init__(self, raw: dict[K, str]) -> None:
        self.raw = raw

    def __getitem__(self, key: K) -> str:
        return _(self.raw[key])

    def __iter__(self) -> Iterator[K]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


ROLES = ("ansatt", "leder", "kommunalsjef", "kommunedirektør", "varslingsmottaker", "admin")
ROLE_LABELS = Labels({
    "ansatt": N_("Ansatt"),
    "leder": N_("Leder"),
    "kommunalsjef": N_("Kommunalsjef"),
    "kommunedirektør": N_("Kommunedirektør"),
    "varslingsmottaker": N_("Varslingsmottaker"),
    "admin": N_("Administrator"),
})

AVVIK_CATEGORIES: Labels[str] = Labels({
    "hms": N_("HMS (helse, miljø og sikkerhet)"),
    "pasient": N_("Pasient- og brukersikkerhet"),
    "infosikkerhet": N_("Informasjonssikkerhet og personvern"),
    "rutinebrudd": N_("Brudd på rutine eller prosedyre"),
    "lovbrudd": N_("Brudd på lov eller forskrift"),
    "vold": N_("Vold og trusler"),
    "materiell": N_("Materielle skader"),
    "annet": N_("Annet"),
})

AVVIK_STATUSES: Labels[str] = Labels({
    "meldt": N_("Meldt"),
    "under_behandling": N_("Under behandling"),
    "tiltak_iverksatt": N_("Tiltak iverksatt"),
    "lukket": N_("Lukket"),
})
OPEN_AVVIK_STATUSES = ("meldt", "under_behandling", "tiltak_iverksatt")

#: The risk bands; stored as keys (charts, counts), shown through `models.risk.severity_label`.
SEVERITY_LABELS = (N_("Lav"), N_("Middels"), N_("Høy"), N_("Kritisk"))

PROBABILITY_LABELS: Labels[int] = Labels({1: N_("Svært lite sannsynlig"), 2: N_("Lite sannsynlig"), 3: N_("Sannsynlig"), 4: N_("Meget sannsynlig"), 5: N_("Svært sannsynlig")})
CONSEQUENCE_LABELS: Labels[int] = Labels({1: N_("Ubetydelig"), 2: N_("Mindre alvorlig"), 3: N_("Alvorlig"), 4: N_("Meget alvorlig"), 5: N_("Katastrofalt")})

CHECK_ANSWERS: Labels[str] = Labels({"ja": N_("Ja"), "nei": N_("Nei"), "ikke_relevant": N_("Ikke relevant")})

OPPDRAG_CATEGORIES: tuple[str, ...] = (
    "Vedtatt verbalpunkt frå økonomiplan",
    "Løpande politiske vedtak gjennom året",
    "Politiske tilleggsbestillingar",
    "Tiltak frå vedtatte planar",
    "Administrative punkt frå kommunedirektøren",
)
OPPDRAG_STATUSES: Labels[str] = Labels({
    "ikke_startet": N_("Ikke startet"),
    "pagar": N_("Pågår"),
    "forsinket": N_("Forsinket"),
    "fullfort": N_("Fullført"),
    "avbrutt": N_("Avbrutt"),
})
CLOSED_OPPDRAG_STATUSES = ("fullfort", "avbrutt")
TRAFFIC_LIGHTS: Labels[str] = Labels({"gronn": N_("Grønn"), "gul": N_("Gul"), "rod": N_("Rød")})
TRAFFIC_EMOJI = {"gronn": "🟢", "gul": "🟡", "rod": "🔴", None: "⚪"}
