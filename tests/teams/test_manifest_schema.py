"""The app package `trad teams package` writes is valid against Microsoft's own Teams manifest JSON schema
of its `manifestVersion` (npm @microsoft/app-manifest, installed by `make browser`), checked offline."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.live import REPO

SCHEMAS = REPO / "var" / "node" / "node_modules" / "@microsoft" / "app-manifest" / "build" / "json-schemas" / "teams"


def _schema(version: str, name: str) -> dict:
    path = SCHEMAS / f"v{version}" / name
    if not path.exists():
        pytest.fail(f"the Teams manifest schema is missing at {path}: run `make browser`")
    return json.loads(path.read_text(encoding="utf-8-sig"))


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def _validate(doc: dict, schema: dict) -> list[str]:
    """Draft-04 validation with every reference resolved inside the schema itself: no network."""
    assert all(ref.startswith("#") for ref in _refs(schema)), "the schema refers outside itself"
    Draft4Validator.check_schema(schema)
    registry: Registry = Registry().with_resource(str(doc.get("$schema") or "urn:manifest"),
                                                  Resource.from_contents(schema, default_specification=DRAFT4))
    validator = Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def _png(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, colour type, RGBA pixels) of one of our PNGs (8-bit, one IDAT, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:data.index(b"IEND") - 8])
    stride = 1 + w * 4
    return w, h, colour, [raw[1 + y * stride + x * 4:1 + y * stride + x * 4 + 4] for y in range(h) for x in range(w)]


@pytest.fixture
def package(teams_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    from bot.cli import main

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.oyer.kommune.no")
    out = tmp_path / "trad-teams.zip"
    result = CliRunner().invoke(main, ["teams", "package", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_manifest_is_valid_against_the_teams_schema_of_its_version(package):
    manifest = json.loads(package["manifest.json"])
    version = manifest["manifestVersion"]
    assert manifest["$schema"].endswith(f"/v{version}/MicrosoftTeams.schema.json")
    assert _validate(manifest, _schema(version, "MicrosoftTeams.schema.json")) == []


def test_a_broken_manifest_fails_the_schema(package):
    """The check has teeth: what Teams would refuse, the schema refuses too."""
    manifest = json.loads(package["manifest.json"])
    schema = _schema(manifest["manifestVersion"], "MicrosoftTeams.schema.json")
    broken = {**manifest, "accentColor": "blue", "name": {"short": "T" * 31}}
    broken["composeExtensions"] = [{**manifest["composeExtensions"][0], "commands": [
        {**manifest["composeExtensions"][0]["commands"][0], "context": ["everywhere"]}]}]
    errors = "\n".join(_validate(broken, schema))
    assert "accentColor" in errors and "name" in errors and "context" in errors


def test_language_files_are_valid_and_speak_nynorsk_and_english(package):
    manifest = json.loads(package["manifest.json"])
    version = manifest["manifestVersion"]
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"] == "nb-NO"
    files = {lang["languageTag"]: lang["file"] for lang in info["additionalLanguages"]}
    assert files == {"nn-NO": "nn.json", "en": "en.json"}
    schema = _schema(version, "MicrosoftTeams.Localization.schema.json")
    nn, en = (json.loads(package[files[tag]]) for tag in ("nn-NO", "en"))
    for doc in (nn, en):
        assert _validate(doc, schema) == []
        assert doc["name.short"] == "Tråd"
        # every command in the manifest has its description in the language file
        commands = manifest["bots"][0]["commandLists"][0]["commands"]
        assert all(f"bots[0].commandLists[0].commands[{i}].description" in doc for i in range(len(commands)))
    assert nn["composeExtensions[0].commands[0].title"] == "Meld avvik frå denne meldinga"
    assert "leiarar" in nn["description.full"] and nn["bots[0].commandLists[0].commands[6].description"] == (
        "Kva Tråd kan hjelpe med")
    assert en["composeExtensions[0].commands[0].title"] == "Report deviation from message"
    assert en["staticTabs[0].name"] == "My cases" and "deviations" in en["description.short"]
    assert manifest["composeExtensions"][0]["commands"][0]["title"] == "Meld avvik fra denne meldingen"


def test_icons_have_the_sizes_teams_requires(package):
    w, h, colour, pixels = _png(package["color.png"])
    assert (w, h, colour) == (192, 192, 6) and all(p[3] == 255 for p in pixels)  # full colour, opaque
    w, h, colour, pixels = _png(package["outline.png"])
    assert (w, h, colour) == (32, 32, 6)
    # outline: white on transparent, nothing in between
    assert all(p[3] == 0 or (p[3] == 255 and p[:3] == b"\xff\xff\xff") for p in pixels)
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)
