"""`/admin/innstillinger`: the kommune's name, categories, routine, channel and logo, per kommune, audited;
a bad logo or a person without the role changes nothing."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.services import kommune_settings
from models.tables import AuditEntry, KommuneSettings, Organisation
from models.tables.varsling import VarslingRutine
from tests.web.conftest import sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def _as(web, key: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    c = TestClient(web.app)  # type: ignore[arg-type]
    return c, sign_in(c, web, key)


def _form(csrf: str, **over: str) -> dict[str, str]:
    return {"csrf": csrf, "name": "Testkommune", "alternative_channel": "Kontrollutvalet, ku@test.no",
            "rutine": "Varslingsrutine for Testkommune", "cat_hms": "1", "cat_vold": "1", **over}


def test_admin_changes_settings_and_logo(web):  # type: ignore[no-untyped-def]
    admin, csrf = _as(web, "admin")
    page = admin.get("/admin/innstillinger")
    assert page.status_code == 200 and "Varslingsrutine" in page.text
    r = admin.post("/admin/innstillinger", data=_form(csrf, name="Nye Testkommune"), follow_redirects=False)
    assert r.status_code == 303, r.text
    with Session(web.engine()) as s:
        oid = web.org.org_id
        assert s.get(Organisation, oid).name == "Nye Testkommune"  # type: ignore[union-attr]
        assert list(kommune_settings.offered_categories(s, org_id=oid)) == ["hms", "vold"]
        assert kommune_settings.alternative_channel(s, org_id=oid, default="x") == "Kontrollutvalet, ku@test.no"
        rutine = s.exec(select(VarslingRutine).where(VarslingRutine.org_id == oid)
                        .order_by(VarslingRutine.version.desc())).first()  # type: ignore[attr-defined]
        assert rutine.text.startswith("Varslingsrutine for Testkommune")
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "kommune.settings_changed")).one()
        assert entry.detail["before"]["name"] == "Testkommune" and entry.detail["after"]["name"] == "Nye Testkommune"
    form = admin.get("/avvik/ny").text
    assert 'value="vold"' in form and 'value="pasient"' not in form  # reporters are offered the kommune's list
    r = admin.post("/admin/innstillinger/logo", data={"csrf": csrf}, files={"logo": ("logo.svg", SVG, "image/svg+xml")},
                   follow_redirects=False)
    assert r.status_code == 303, r.text
    home = admin.get("/").text
    assert 'class="kommune-logo" src="/kommune/logo?v=' in home
    img = admin.get("/kommune/logo")
    assert img.headers["content-type"] == "image/svg+xml" and "sandbox" in img.headers["content-security-policy"]
    r = admin.post("/admin/innstillinger/logo", data={"csrf": csrf}, files={"logo": ("l.png", PNG, "image/png")},
                   follow_redirects=False)
    assert r.status_code == 303 and admin.get("/kommune/logo").content == PNG
    assert TestClient(web.app).get("/kommune/logo", follow_redirects=False).status_code == 303  # signed out


def test_bad_input_and_refusals_change_nothing(web):  # type: ignore[no-untyped-def]
    def state():  # type: ignore[no-untyped-def]
        with Session(web.engine()) as s:
            row = s.get(KommuneSettings, web.org.org_id)
            return (s.get(Organisation, web.org.org_id).name, row and row.logo,  # type: ignore[union-attr]
                    len(s.exec(select(AuditEntry)).all()))

    before = state()
    admin, csrf = _as(web, "admin")
    bad = admin.post("/admin/innstillinger", data={"csrf": csrf, "name": "", "alternative_channel": "", "rutine": ""})
    assert bad.status_code == 422
    for name in ("name-error", "categories-error", "alternative_channel-error", "rutine-error"):
        assert f'id="{name}"' in bad.text
    for blob in (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                 b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>',
                 b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', b"GIF89a....", PNG + b"\x00" * 200_000):
        r = admin.post("/admin/innstillinger/logo", data={"csrf": csrf}, files={"logo": ("x.svg", blob, "image/svg+xml")})
        assert r.status_code == 422 and 'id="logo-error"' in r.text
    leder, lcsrf = _as(web, "leder")
    assert leder.get("/admin/innstillinger").status_code == 403
    assert leder.post("/admin/innstillinger", data=_form(lcsrf, name="Kuppet")).status_code == 403
    assert leder.post("/admin/innstillinger/logo", data={"csrf": lcsrf},
                      files={"logo": ("l.png", PNG, "image/png")}).status_code == 403
    assert admin.post("/admin/innstillinger", data=_form("feil", name="Kuppet")).status_code == 403
    assert state()[:2] == before[:2]
