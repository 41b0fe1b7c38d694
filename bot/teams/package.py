"""The Teams app package: manifest.json (schema 1.17) and the two icons, zipped for upload.

The icons are drawn pixel by pixel and written with a tiny PNG encoder, so the
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
from models.settings import Settings

MANIFEST_VERSION = "1.17"
ACCENT = (0x1F, 0x6F, 0x8B)

COMMANDS = [
    ("meld avvik", "Registrer et avvik (skjema)"),
    ("mine avvik", "Avvik du har meldt eller har ansvar for"),
    ("enhetens avvik", "Åpne avvik i enhetene du leder"),
    ("mine oppdrag", "Oppdragene dine med trafikklys"),
    ("sjekkliste", "Internkontroll-punktene som venter"),
    ("varsle", "Si fra om kritikkverdige forhold, anonymt"),
    ("hjelp", "Hva Tråd kan hjelpe med"),
]


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


def manifest(settings: Settings, *, version: str = "1.0.0") -> dict:
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
        "name": {"short": "Tråd", "full": "Tråd – avvik, internkontroll og oppdrag"},
        "description": {
            "short": "Meld avvik, svar på internkontroll og oppdater oppdrag.",
            "full": ("Tråd hjelper ansatte og ledere i kommunen: meld avvik, følg opp tiltak, svar på "
                     "sjekklister for internkontroll, oppdater oppdrag og finn veien til anonym varsling."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [{
            "botId": settings.teams_app_id,
            "scopes": ["personal", "team", "groupChat"],
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": ["personal", "team", "groupChat"],
                              "commands": [{"title": t, "description": d} for t, d in COMMANDS]}],
        }],
        "composeExtensions": [{
            "botId": settings.teams_app_id,
            "commands": [{"id": COMMAND_ID, "type": "action", "title": "Meld avvik fra denne meldingen",
                          "description": "Registrer et avvik med teksten i meldingen", "context": ["message"],
                          "fetchTask": True}],
        }],
        "staticTabs": [{"entityId": "mine-saker", "name": "Mine saker", "contentUrl": f"{base}/teams/fane",
                        "websiteUrl": f"{base}/", "scopes": ["personal"]}],
        "webApplicationInfo": {"id": settings.teams_app_id, "resource": sso_resource(settings)},
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [host],
    }


def build_package(settings: Settings, *, version: str = "1.0.0") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("manifest.json", json.dumps(manifest(settings, version=version), ensure_ascii=False, indent=2).encode()),
                           ("color.png", color_icon()), ("outline.png", outline_icon())):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()
