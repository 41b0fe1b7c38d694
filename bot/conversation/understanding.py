"""Noticing an incident in free text, so the person is offered an avvik instead of «I did not understand».

Why rules and not a model: the reason for every offer must be explainable («you wrote "falt"»),
the rules must behave the same in bokmål, nynorsk and English, and a wrong guess only costs an
offer the person can ignore. The detector is deliberately conservative: greetings, questions
and commands are never incidents, and a message needs a few words besides the incident word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.conversation.parsing import normalise
from models.i18n import N_, _
from models.messages import Action, Reply

MIN_WORDS = 3
MAX_PREFILL = 1900  # a Slack button value holds at most 2000 characters

# The kind shown to the person, and the words (regex alternatives) that give it away. Word starts and ends
# only, so «falt» does not hit «innfalt». Bokmål, nynorsk and English side by side.
INCIDENT_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (N_("fall"), ("falt", "falle[tnr]?", "fall", "datt", "detta", "skled", "sklei", r"skli[dt]?", r"snubl\w*",
                  "fell", "fallen", "slipped", "tripped")),
    (N_("skade"), (r"skade\w*", r"skadd\w*", "brukke[tn]", r"brekk\w*", r"blø(?:r|dde|dd|de|dning\w*)",
                   r"kutt\w*", r"injur\w*", "hurt", r"bleed\w*", "broken?", "bruised?")),
    (N_("lekkasje"), ("lekk", "lekker", r"lekka\w*", "lekke[rt]?", r"vannskade\w*", r"vasskade\w*",
                      r"oversvøm\w*", r"leak\w*", r"flood\w*")),
    (N_("brann"), (r"brann\w*", "brent", r"brenn\w*", r"røyk\w*", "smoke", r"burn\w*", "(?:a|the|on) fire",
                   "fire (?:in|at|alarm|broke)")),
    (N_("feil medisin"), (r"feil (?:medisin|legemiddel|legemidl\w*|dose|dosering|tablett\w*|pille\w*)",
                          "medisinfeil", "legemiddelfeil", r"feilmedisin\w*",
                          r"wrong (?:medication|medicine|dose|drug|pill\w*)", "medication error")),
    (N_("vold"), (r"vold\w*", "(?:ble|blei|vart) slått", "slått (?:ned|i hjel|til)",
                  "slo (?:meg|han|ho|henne|ein|en|til|ned)", "sparke[dt]", "sparka", r"angrep\w*", r"angrip\w*",
                  "bitt", "beit", "kloret", "klora", r"violen\w*", r"assault\w*", r"attack\w*",
                  "hit (?:me|him|her|a|an|the)", "kicked", "punched")),
    (N_("trussel"), (r"trussel\w*", r"trusl\w*", "true[tr]", "truga", "trua", r"threat\w*")),
    (N_("ulykke"), (r"ulykke\w*", r"ulukke\w*", r"uhell\w*", r"nestenulykke\w*", r"accident\w*", "near miss",
                    r"innbrudd\w*", r"innbrot\w*", r"tyveri\w*", r"stjål\w*", "(?:was|were|been|got) stolen",
                    "theft", "break in", "knust", r"øydelagd\w*", r"ødelagt\w*", r"strømbrudd\w*",
                    r"straumbrot\w*", "power cut")),
]
INCIDENT_PATTERNS = [(kind, re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")) for kind, words in INCIDENT_WORDS]
# Everyday phrases with an incident word in them that describe no incident.
HARMLESS = re.compile(r"\b(?:i så fall|i alle fall|i fall|uansett fall|in (?:any|that|the) case|in the fall"
                      r"|(?:ble|blei|vart) slått (?:av|på)(?: igjen)?$|fell asleep|falt i søvn|sovna|brannøvelse\w*|fire drill|lekkert|lekre|skadeforebygg\w*)\b")
GREETINGS = frozenset({"hei", "hallo", "heisann", "hi", "hello", "god morgen", "good morning", "takk", "thanks"})
QUESTION_WORDS = frozenset({"hva", "kva", "hvordan", "korleis", "når", "kor", "kvar", "hvor", "hvem", "kven",
                            "hvorfor", "kvifor", "kan", "skal", "må", "bør", "er", "what", "how", "when", "where",
                            "who", "why", "can", "could", "should", "is", "are", "do", "does", "may"})
COMMAND_WORDS = frozenset({"vis", "sjå", "se", "sett", "set", "oppdater", "endre", "show", "list", "open", "åpne",
                           "opne", "slett", "delete", "update", "skriv", "bytt", "speak", "change"})
YES_WORDS = frozenset({"ja", "ja takk", "jepp", "yes", "yes please", "ok", "meld", "meld det", "meld avvik",
                       "report", "report it", "gjer det", "gjør det", "send"})


@dataclass(frozen=True)
class Incident:
    """What was noticed and why: the kind («fall») and the words that gave it away («falt»)."""

    kind: str
    matched: str


def detect_incident(text: str) -> Incident | None:
    """An incident described in `text`, or None. Questions, greetings and commands never are."""
    raw = (text or "").strip()
    t = normalise(raw)
    words = t.split()
    if len(words) < MIN_WORDS or raw.endswith("?") or t in GREETINGS:
        return None
    if words[0] in QUESTION_WORDS or words[0] in COMMAND_WORDS:
        return None
    cleaned = HARMLESS.sub(" ", t)
    for kind, pattern in INCIDENT_PATTERNS:
        if m := pattern.search(cleaned):
            return Incident(kind=kind, matched=m.group(0))
    return None


def offer_reply(text: str, incident: Incident, *, text_channel: bool) -> Reply:
    """Offer to report `text` as an avvik, saying what made us think so; the text is pre-filled."""
    why = _("Det du skrev høres ut som en hendelse ({kind}: «{word}»).").format(
        kind=_(incident.kind), word=incident.matched)
    ask = _("Vil du melde det som avvik? Det du skrev blir fylt inn som beskrivelse.")
    if text_channel:
        ask += " " + _("Svar «ja» for å melde det, eller skriv noe annet.")
    return Reply(text=f"{why} {ask}",
                 actions=[Action(label=_("Meld som avvik"), action_id="avvik.open_form",
                                 value=text.strip()[:MAX_PREFILL], style="primary")])


def is_yes(text: str) -> bool:
    return normalise(text).rstrip(".!") in YES_WORDS
