"""`trad teams package` writes an uploadable Teams app package."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib

from click.testing import CliRunner

from tests.teams.fakes import APP_ID


def _png_info(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    idat = data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8]
    return w, h, zlib.decompress(idat)


def test_package_has_manifest_and_icons(teams_env, tmp_path, monkeypatch):
    from bot.cli import main

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.oyer.kommune.no")
    out = tmp_path / "pakke.zip"
    result = CliRunner().invoke(main, ["teams", "package", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        assert sorted(z.namelist()) == ["color.png", "en.json", "manifest.json", "nn.json", "outline.png"]
        manifest = json.loads(z.read("manifest.json"))
        color = _png_info(z.read("color.png"))
        outline = _png_info(z.read("outline.png"))
    assert manifest["manifestVersion"] == "1.17" and manifest["id"] == APP_ID
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and {"personal", "team"} <= set(bot["scopes"])
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "meld avvik" in titles and len(titles) <= 10 and all(len(t) <= 32 for t in titles)
    assert manifest["validDomains"] == ["trad.oyer.kommune.no"]
    ext = manifest["composeExtensions"][0]
    assert ext["botId"] == APP_ID
    (cmd,) = ext["commands"]
    assert cmd["type"] == "action" and cmd["context"] == ["message"] and cmd["fetchTask"] is True
    assert cmd["title"] == "Meld avvik fra denne meldingen" and len(cmd["title"]) <= 32
    (tab,) = manifest["staticTabs"]
    assert tab["name"] == "Mine saker" and tab["scopes"] == ["personal"]
    assert tab["contentUrl"] == "https://trad.oyer.kommune.no/teams/fane"
    # the limits of the v1.17 manifest schema that our values could break
    assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", manifest["id"])
    assert re.fullmatch(r"#[0-9A-F]{6}", manifest["accentColor"])
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert len(cmd["id"]) <= 64 and len(cmd["description"]) <= 128
    assert len(tab["entityId"]) <= 64 and len(tab["name"]) <= 128
    assert all(u.startswith("https://") for u in (tab["contentUrl"], tab["websiteUrl"]))
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://trad.oyer.kommune.no/{APP_ID}"}
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # outline: only white or fully transparent pixels, and some of each
    raw = outline[2]
    px = [raw[1 + y * (1 + 32 * 4) + x * 4: 1 + y * (1 + 32 * 4) + x * 4 + 4] for y in range(32) for x in range(32)]
    assert all(p[3] == 0 or p[:3] == b"\xff\xff\xff" for p in px)
    assert any(p[3] == 255 for p in px) and any(p[3] == 0 for p in px)


def test_package_refuses_without_app_id(tmp_path):
    from bot.cli import main

    result = CliRunner().invoke(main, ["teams", "package", "--out", str(tmp_path / "x.zip")])
    assert result.exit_code == 2 and "TEAMS_APP_ID" in result.output
    assert not (tmp_path / "x.zip").exists()
