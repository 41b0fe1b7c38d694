"""More ways to say the simple commands: English, and the closed-avvik listing in all three languages.

Kept apart from `intents.PHRASES` so the phrase lists per language stay easy to read and extend;
`intents` merges them in. These are what people type, not what Tråd says, so they are not translated.
"""

from __future__ import annotations

EXTRA_PHRASES: dict[str, list[str]] = {
    "help": ["help me", "what can you do", "menu", "commands", "hi", "hello", "good morning", "hey"],
    "report_avvik": ["report deviation", "report a deviation", "new deviation", "register deviation",
                     "report incident", "report an incident", "new incident", "i want to report a deviation",
                     "i want to report an incident", "deviation", "incident", "report a nonconformity"],
    "my_avvik": ["my deviations", "my incidents", "show my deviations", "my open deviations", "my cases",
                 "my reports", "show deviations"],
    "my_closed_avvik": ["mine lukkede avvik", "lukkede avvik", "mine lukka avvik", "lukka avvik",
                        "vis lukkede avvik", "vis mine lukkede avvik", "mine avslutta avvik", "mine avsluttede avvik",
                        "avvik som er lukket", "my closed deviations", "closed deviations", "my closed incidents",
                        "show my closed deviations"],
    "unit_avvik": ["unit deviations", "deviations in my unit", "open deviations", "all deviations",
                   "deviations to handle"],
    "my_oppdrag": ["my assignments", "assignments", "show assignments", "show my assignments", "my tasks", "tasks"],
    "checklist": ["checklist", "checklists", "my checklist", "show checklist", "internal control", "checkpoints"],
    "varsle": ["whistleblow", "whistleblowing", "blow the whistle", "i want to blow the whistle", "report wrongdoing"],
    "register_indicators": ["register indicators", "indicators", "my indicators", "report indicators",
                            "enter indicators"],
    "styringskort": ["scorecard", "show scorecard", "my scorecard", "show the scorecard", "traffic lights"],
    "new_risk": ["new risk", "add risk", "register risk", "report risk", "new risk assessment"],
    "cancel": ["never mind", "quit", "abort", "stop it"],
    "back": ["go back", "previous"],
    "thanks": ["thanks", "thank you", "thx", "ok thanks", "great"],
}
