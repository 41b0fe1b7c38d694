"""Codes stored in the database and the bokmål labels users see.

Codes are ASCII so SQL, URLs and button values stay simple; labels are the words of
the municipality (see the glossary).
"""

from __future__ import annotations

ROLES = ("ansatt", "leder", "kommunalsjef", "kommunedirektør", "varslingsmottaker", "admin")
ROLE_LABELS = {
    "ansatt": "Ansatt",
    "leder": "Leder",
    "kommunalsjef": "Kommunalsjef",
    "kommunedirektør": "Kommunedirektør",
    "varslingsmottaker": "Varslingsmottaker",
    "admin": "Administrator",
}

AVVIK_CATEGORIES: dict[str, str] = {
    "hms": "HMS (helse, miljø og sikkerhet)",
    "pasient": "Pasient- og brukersikkerhet",
    "infosikkerhet": "Informasjonssikkerhet og personvern",
    "rutinebrudd": "Brudd på rutine eller prosedyre",
    "lovbrudd": "Brudd på lov eller forskrift",
    "vold": "Vold og trusler",
    "materiell": "Materielle skader",
    "annet": "Annet",
}

AVVIK_STATUSES: dict[str, str] = {
    "meldt": "Meldt",
    "under_behandling": "Under behandling",
    "tiltak_iverksatt": "Tiltak iverksatt",
    "lukket": "Lukket",
}
OPEN_AVVIK_STATUSES = ("meldt", "under_behandling", "tiltak_iverksatt")

SEVERITY_LABELS = ("Lav", "Middels", "Høy", "Kritisk")

PROBABILITY_LABELS = {1: "Svært lite sannsynlig", 2: "Lite sannsynlig", 3: "Sannsynlig", 4: "Meget sannsynlig", 5: "Svært sannsynlig"}
CONSEQUENCE_LABELS = {1: "Ubetydelig", 2: "Mindre alvorlig", 3: "Alvorlig", 4: "Meget alvorlig", 5: "Katastrofalt"}

CHECK_ANSWERS: dict[str, str] = {"ja": "Ja", "nei": "Nei", "ikke_relevant": "Ikke relevant"}

OPPDRAG_CATEGORIES: tuple[str, ...] = (
    "Vedtatt verbalpunkt frå økonomiplan",
    "Løpande politiske vedtak gjennom året",
    "Politiske tilleggsbestillingar",
    "Tiltak frå vedtatte planar",
    "Administrative punkt frå kommunedirektøren",
)
OPPDRAG_STATUSES: dict[str, str] = {
    "ikke_startet": "Ikke startet",
    "pagar": "Pågår",
    "forsinket": "Forsinket",
    "fullfort": "Fullført",
    "avbrutt": "Avbrutt",
}
CLOSED_OPPDRAG_STATUSES = ("fullfort", "avbrutt")
TRAFFIC_LIGHTS = {"gronn": "Grønn", "gul": "Gul", "rod": "Rød"}
TRAFFIC_EMOJI = {"gronn": "🟢", "gul": "🟡", "rod": "🔴", None: "⚪"}
