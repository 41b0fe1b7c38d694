"""The Teams app package: manifest.json (schema 1.17), the two icons and the nn/en language files, zipped.

The manifest's own strings are bokmål; `localizationInfo` points Teams at nynorsk and English
files built from the same gettext catalogs as the rest of Tråd. The command titles stay the
words the bot understands in every language. The icons are drawn pixel by pixel and written with a tiny PNG encoder, so the
package is byte-for-byte reproducible and needs no image library.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from urllib.parse import urlsplit

from bot.teams.extension import COMMAND_ID
from models.i18n import N_, _, use_locale
from models.settings import Settings

MANIFEST_VERSION = "1.17"
ACCENT = (0x1F, 0x6F, 0x8B)

DEFAULT_LANGUAGE = "nb-NO"
LANGUAGES = (("nn-NO", "nn", "nn.json"), ("en", "en", "en.json"))  # Teams language tag, our locale, file
COMMANDS = [  # (what to type, as the bot understands it in every language; what it does)
    ("meld avvik", N_("Registrer et avvik (skjema)")),
    ("mine avvik", N_("Avvik du har meldt eller har ansvar for")),
    ("enhetens avvik", N_("Åpne avvik i enhetene du leder")),
    ("mine oppdrag", N_("Oppdragene dine med trafikklys")),
    ("sjekkliste", N_("Internkontroll-punktene som venter")),
    ("varsle", N_("Si fra om kritikkverdige forhold, anonymt")),
    ("hjelp", N_("Hva Tråd kan hjelpe med")),
]
NAME_FULL = N_("Tråd – avvik, internkontroll og oppdrag")
DESCRIPTION_SHORT = N_("Meld avvik, svar på internkontroll og oppdater oppdrag.")
DESCRIPTION_FULL = N_("Tråd hjelper ansatte og ledere i kommunen: meld avvik, følg opp tiltak, svar på "
                      "sjekklister for internkontroll, oppdater oppdrag og finn veien til anonym varsling.")
EXTENSION_TITLE = N_("Meld avvik fra denne meldingen")
EXTENSION_DESCRIPTION = N_("Registrer et avvik med teksten i meldingen")
TAB_NAME = N_("Mine saker")


def png(width: int, height: int, pixel: object) -> bytes:
    """Encode an RGBA image; `pixel(x, y)` returns (r, g, b, a)."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows.extend(pixel(x, y))  # type: ignore[operator]

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")


def _glyph(x: float, y: float) -> bool:
    """A «T» with a thread running through it, on a unit square."""
    bar = 0.22 <= y <= 0.34 and 0.2 <= x <= 0.8
    stem = 0.44 <= x <= 0.56 and 0.22 <= y <= 0.8
    thread = abs(y - (0.62 + 0.08 * ((x - 0.5) * 4) ** 2 * (1 if x > 0.5 else -1))) < 0.035 and 0.18 <= x <= 0.82
    return bar or stem or thread


def color_icon() -> bytes:
    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        return (255, 255, 255, 255) if _glyph(x / 192, y / 192) else (*ACCENT, 255)

    return png(192, 192, pixel)


def outline_icon() -> bytes:
    """32×32, white on transparent, as Teams requires."""
    def pixel(x: int, y: int) -> tuple[int, int, int, int]:
        return (255, 255, 255, 255) if _glyph((x + 0.5) / 32, (y + 0.5) / 32) else (255, 255, 255, 0)

    return png(32, 32, pixel)


def sso_resource(settings: Settings) -> str:
    """The Application ID URI the tab's SSO token is issued for (Entra: *Expose an API*)."""
    if settings.teams_sso_app_id_uri:
        return settings.teams_sso_app_id_uri
    host = urlsplit(settings.public_base_url).hostname or "localhost"
    return f"api://{host}/{settings.teams_app_id}"


def localization(locale: str) -> dict:
    """One language file (MicrosoftTeams.Localization.schema.json): the manifest's texts in `locale`."""
    with use_locale(locale):
        strings = {"name.short": "Tråd", "name.full": _(NAME_FULL), "description.short": _(DESCRIPTION_SHORT),
                   "description.full": _(DESCRIPTION_FULL), "staticTabs[0].name": _(TAB_NAME),
                   "composeExtensions[0].commands[0].title": _(EXTENSION_TITLE),
                   "composeExtensions[0].commands[0].description": _(EXTENSION_DESCRIPTION)}
        for i, (_title, description) in enumerate(COMMANDS):
            strings[f"bots[0].commandLists[0].commands[{i}].description"] = _(description)
    schema = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
    return {"$schema": schema, **strings}


def manifest(settings: Settings, *, version: str = "1.0.0") -> dict:
    with use_locale("nb"):
        return _manifest(settings, version)


def _manifest(settings: Settings, version: str) -> dict:
    if not settings.teams_app_id:
        raise ValueError("TEAMS_APP_ID is not set: the manifest needs the bot's app id")
    base = settings.public_base_url.rstrip("/")
    host = urlsplit(base).hostname or "localhost"
    return {
        "$schema": f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json",
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": settings.teams_app_id,
        "developer": {"name": "Tråd", "websiteUrl": base, "privacyUrl": f"{base}/personvern",
                      "termsOfUseUrl": f"{base}/vilkar"},
        "name": {"short": "Tråd", "full": _(NAME_FULL)},
        "description": {"short": _(DESCRIPTION_SHORT), "full": _(DESCRIPTION_FULL)},
        "localizationInfo": {"defaultLanguageTag": DEFAULT_LANGUAGE, "additionalLanguages": [
            {"languageTag": tag, "file": file} for tag, _locale, file in LANGUAGES]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": settings.teams_app_id,
            "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"],
                              "commands": [{"title": t, "description": _(d)} for t, d in COMMANDS]}],
        }],
        "composeExtensions": [{
            "botId": settings.teams_app_id,
            "commands": [{"id": COMMAND_ID, "type": "action", "title": _(EXTENSION_TITLE),
                          "description": _(EXTENSION_DESCRIPTION), "context": ["message"],
                          "fetchTask": True}],
        }],
        "staticTabs": [{"entityId": "mine-saker", "name": _(TAB_NAME), "contentUrl": f"{base}/teams/fane",
                        "websiteUrl": f"{base}/", "scopes": ["personal"]}],
        "webApplicationInfo": {"id": settings.teams_app_id, "resource": sso_resource(settings)},
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def build_package(settings: Settings, *, version: str = "1.0.0") -> bytes:
    buf = io.BytesIO()
    def text(doc: dict) -> bytes:
        return json.dumps(doc, ensure_ascii=False, indent=2).encode()

    files = [("manifest.json", text(manifest(settings, version=version))), ("color.png", color_icon()),
             ("outline.png", outline_icon())]
    files += [(file, text(localization(locale))) for _tag, locale, file in LANGUAGES]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()
