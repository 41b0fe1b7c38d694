"""Understanding free text: what does the person want? Bokmål, nynorsk, typos, any case.

Two passes: patterns for sentences with arguments ("oppdrag 12 er ferdig", "sett
vernerunden til 50 %"), then a fuzzy match of the whole message against known
phrasings for the simple commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.conversation.parsing import normalise
from bot.conversation.phrases import EXTRA_PHRASES


@dataclass(frozen=True)
class Intent:
    name: str
    args: dict[str, object] = field(default_factory=dict)

    @property
    def number(self) -> int:
        """The case or oppdrag number the sentence names (the parser only sets it from digits)."""
        return int(str(self.args["number"]))

    def text_arg(self, name: str) -> str | None:
        value = self.args.get(name)
        return None if value is None else str(value)

    def int_arg(self, name: str) -> int | None:
        value = self.args.get(name)
        return None if value is None else int(str(value))


PHRASES: dict[str, list[str]] = {
    "help": ["hjelp", "help", "hjelpe", "hjelp meg", "hva kan du", "kva kan du", "hva kan du gjøre", "meny",
             "kommandoer", "hjelpetekst", "hei", "hallo", "god morgen", "heisann", "hei hei", "start"],
    "report_avvik": ["meld avvik", "melde avvik", "nytt avvik", "ny avviksmelding", "registrer avvik",
                     "registrere avvik", "rapporter avvik", "rapportere avvik", "avviksmelding", "avvik",
                     "jeg vil melde avvik", "eg vil melde avvik", "eg vil melda avvik", "melda avvik", "skriv avvik",
                     "lag avvik", "send avvik", "meld eit avvik", "meld et avvik"],
    "my_avvik": ["mine avvik", "mine avvika", "avvika mine", "avvikene mine", "vis mine avvik", "vis avvik",
                 "mine saker", "mine meldinger", "status på avvik", "status avvik", "mine åpne avvik"],
    "unit_avvik": ["enhetens avvik", "avvik i enheten", "åpne avvik", "avvik i eininga", "eininga sine avvik",
                   "enhet avvik", "avvik på enheten", "alle avvik", "avvik til behandling", "avvik til meg"],
    "my_oppdrag": ["mine oppdrag", "oppdrag", "oppdraga mine", "oppdragene mine", "vis oppdrag", "vis mine oppdrag",
                   "mine oppgåver", "mine oppgaver", "oppgaver", "status oppdrag"],
    "checklist": ["sjekkliste", "sjekklista", "sjekklisten", "internkontroll", "sjekkpunkt", "sjekkpunkter",
                  "vis sjekkliste", "min sjekkliste", "sjekklister", "ik", "internkontrollen"],
    "varsle": ["varsle", "varsling", "varsla", "jeg vil varsle", "eg vil varsle", "eg vil varsla", "si fra",
               "si ifra", "seie frå", "varsle om kritikkverdige forhold", "kritikkverdige forhold", "varslingsrutine"],
    "register_indicators": ["registrer indikatorer", "registrere indikatorer", "registrer indikatorar",
                            "registrera indikatorar", "indikatorer", "indikatorar", "mine indikatorer",
                            "indikatorane mine", "indikatorene mine", "rapporter indikatorer", "rapportere indikatorar",
                            "før inn indikatorer", "registrer verdier", "registrer styringsindikatorer"],
    "styringskort": ["styringskort", "styringskortet", "vis styringskort", "mitt styringskort", "styringskortet mitt",
                     "trafikklys", "vis styringskortet"],
    "new_risk": ["ny risiko", "meld risiko", "legg til risiko", "registrer risiko", "ny ros", "ros-analyse",
                 "ny risikovurdering", "legg inn risiko", "ny risikoanalyse", "registrer ein risiko"],
    "cancel": ["avbryt", "stopp", "cancel", "glem det", "avslutt", "angre", "avbrot"],
    "back": ["tilbake", "back", "forrige", "gå tilbake", "attende"],
    "thanks": ["takk", "tusen takk", "takk skal du ha", "supert", "flott", "ok takk"],
}
for _intent_name, _more in EXTRA_PHRASES.items():
    PHRASES.setdefault(_intent_name, []).extend(_more)

# Words that suggest whistleblowing: we answer with guidance and store nothing.
WHISTLE_WORDS = ("trakasser", "mobb", "korrups", "underslag", "misleghet", "mislighet", "kritikkverdig",
                 "gjengjeld", "seksuell", "bestikk", "utroskap", "svindel", "varsl", "juks med", "trusler fra leder")



def looks_like_varsling(text: str) -> bool:
    """Whistleblowing-looking text is never handed on (and so never stored): guidance only."""
    t = normalise(text)
    return any(w in t for w in WHISTLE_WORDS)


STATUS_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("ferdig", "fullført", "fullfort", "fullfør", "ferdigstilt", "gjennomført", "levert", "utført", "gjort",
      "avslutta", "fullført.", "done", "komplett"), "fullfort"),
    (("forsinket", "forsinka", "forseinka", "forseinket", "utsatt", "etter skjema", "bak skjema", "delayed"), "forsinket"),
    (("avbrutt", "avbrote", "stoppet", "stoppa", "kansellert", "avlyst", "droppet", "lagt bort"), "avbrutt"),
    (("i gang", "igang", "pågår", "pagar", "startet", "starta", "påbegynt", "påbyrja", "begynt", "under arbeid",
      "jobber med", "held på", "holder på"), "pagar"),
    (("ikke startet", "ikkje starta", "ikke begynt", "ikkje byrja"), "ikke_startet"),
]

_OPPDRAG_REF = re.compile(r"\b(?:oppdrag|oppdraget|oppgave|oppgåve|oppg)\s*(?:nr\.?|nummer)?\s*#?\s*(\d{1,6})\b")
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|prosent|pst)")
_SET_TO = re.compile(r"^(?:sett|set|oppdater|endre)\s+(.+?)\s+(?:til|på)\s+(.+)$")
_REASON = re.compile(r"\b(?:fordi|grunnet|pga\.?|på grunn av|sidan|sida|ettersom|kommentar:?)\s+(.+)$")
_AVVIK_REF = re.compile(r"\bav-?\s?(\d{1,7})\b|\bavvik\s*(?:nr\.?|nummer)?\s*#?\s*(\d{1,7})\b")


def _status_in(text: str) -> str | None:
    for words, status in STATUS_WORDS[::-1] if "ikke start" in text or "ikkje start" in text else STATUS_WORDS:
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text) for w in words):
            return status
    return None


def _oppdrag_update(raw: str, t: str) -> Intent | None:
    percent = _PERCENT.search(t)
    reason_m = _REASON.search(t)
    reason = None
    if reason_m:
        # take the reason from the original text so case and punctuation survive
        idx = t.find(reason_m.group(0))
        reason = raw.strip()[idx + len(reason_m.group(0)) - len(reason_m.group(1)):].strip() or reason_m.group(1)
    head = t[: reason_m.start()] if reason_m else t
    status = _status_in(head)
    progress = int(percent.group(1)) if percent else None
    ref = _OPPDRAG_REF.search(t)
    if ref and (status or progress is not None or reason):
        return Intent("update_oppdrag", {"number": int(ref.group(1)), "status": status, "progress": progress,
                                         "comment": reason})
    m = _SET_TO.match(head)
    if m and (status or progress is not None):
        target = m.group(1).strip()
        ref2 = _OPPDRAG_REF.search(target)
        args: dict[str, object] = {"status": status, "progress": progress, "comment": reason}
        if ref2:
            args["number"] = int(ref2.group(1))
        else:
            args["title"] = re.sub(r"^(oppdraget|oppdrag)\s+", "", target)
        return Intent("update_oppdrag", args)
    return None


_CARD_WORDS = ("styringskort", "styringskortet", "scorecard")


def _card(t: str) -> Intent | None:
    """«styringskort», «vis styringskortet for Aurvoll skole», «styringskort oppvekst oktober» (typos allowed)."""
    words = t.split()
    if words and words[0] in ("vis", "sjå", "se", "mitt", "opne", "åpne", "show", "my", "open"):
        words = words[1:]
    if not words or max(fuzz.ratio(words[0], w) for w in _CARD_WORDS) < 85:
        return None
    rest = words[1:]
    if rest and rest[0] in ("for", "til", "i", "på", "over", "frå", "fra"):
        rest = rest[1:]
    return Intent("styringskort", {"scope": " ".join(rest)} if rest else {})


_RISK_REVIEW = re.compile(r"(?:gjennomg[åa]|gjennomgang(?: av)?|g[åa] gjennom|vurder)\s+"
                          r"(?:(?:risiko(?:en)?|ros)\s*(?:nr\.?|nummer)?\s*)?(?:ro-?\s?)?(\d{1,6})")


def parse(text: str) -> Intent:
    raw = (text or "")[:4000]
    t = normalise(raw)
    if not t:
        return Intent("empty")
    if m := _RISK_REVIEW.fullmatch(t):  # «gjennomgå risiko 3», «gå gjennom RO-3»
        return Intent("review_risk", {"number": int(m.group(1))})
    if upd := _oppdrag_update(raw, t):
        return upd
    if ref := _OPPDRAG_REF.fullmatch(t) or re.fullmatch(r"(?:vis\s+)?oppdrag\s*(\d{1,6})", t):
        return Intent("show_oppdrag", {"number": int(ref.group(1))})
    if card := _card(t):
        return card
    if m := _AVVIK_REF.search(t):
        if len(t.split()) <= 4:
            return Intent("show_avvik", {"number": int(m.group(1) or m.group(2))})
    candidates = [(p, name) for name, phrases in PHRASES.items() for p in phrases]
    best = process.extractOne(t, [p for p, _ in candidates], scorer=fuzz.ratio, score_cutoff=80)
    if best is not None:
        return Intent(candidates[best[2]][1])
    if len(t.split()) <= 6:
        best = process.extractOne(t, [p for p, _ in candidates], scorer=fuzz.token_set_ratio, score_cutoff=90)
        if best is not None and len(best[0].split()) >= 2:
            return Intent(candidates[best[2]][1])
    if any(w in t for w in WHISTLE_WORDS):
        return Intent("varsle", {"detected": True})
    return Intent("unknown")
