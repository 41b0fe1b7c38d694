"""Shared pieces for tests that run a real server or a real browser.

A clean database for a module-scoped server, uvicorn in a thread on 127.0.0.1, and the
axe-core accessibility check used on every page a person would see.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on a closed network.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


class LoopbackHTTPS:
    """An HTTPS server on 127.0.0.1 in a thread, with a throwaway CA (trustme) for clients to trust.

    The fakes of Microsoft's services run on it, because msal and the Bot Framework
    connector accept only https: tests point REQUESTS_CA_BUNDLE / SSL_CERT_FILE at `ca_file`.
    """

    def __init__(self, handler: type, tmp_dir: str, name: str = "ca") -> None:
        import ssl
        from http.server import ThreadingHTTPServer

        import trustme

        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = f"{tmp_dir}/{name}.pem"
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.base = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def module_database(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    name: str) -> tuple[str, Path | None]:
    """A clean, migrated database for a module-scoped server: (url, SQLite file or None)."""
    from models.db import reset_engines
    from tests.conftest import _truncate_pg

    if backend == "sqlite":
        db_path = tmp_path_factory.mktemp(name) / "trad.db"
        shutil.copy(request.getfixturevalue("_sqlite_template"), db_path)
        url, path = f"sqlite:///{db_path}", db_path
    else:
        url, path = request.getfixturevalue("_pg_schema_url"), None
        _truncate_pg(url)
    reset_engines()
    return url, path


@contextmanager
def serve_in_thread(app: Any, port: int, *, log_level: str = "warning") -> Iterator[None]:
    """uvicorn serving `app` on 127.0.0.1:port in a daemon thread, as `trad serve` runs it (no access log)."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_config=None,
                            proxy_headers=False, server_header=False, log_level=log_level, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.025)
    assert server.started, "uvicorn did not start"
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class NorwegianBrowser:
    """The browser as a kommune's staff have it: pages and contexts speak nb-NO (Accept-Language) unless told.

    Why: the web follows Accept-Language when nothing else says (forms/locale.py), and headless
    Chromium would otherwise ask for en-US.
    """

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_context(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", "nb-NO")
        return self._browser.new_context(**kwargs)

    def new_page(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", "nb-NO")
        return self._browser.new_page(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through playwright (which never downloads a browser here)."""
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make browser`")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield NorwegianBrowser(browser)
        finally:
            browser.close()


def axe_violations(page: Any) -> list[dict]:
    """Run axe-core on the page (the test context must bypass the page's CSP to inject it)."""
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]} for v in result["violations"]]


def assert_accessible(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{where}: " + json.dumps(violations, ensure_ascii=False, indent=1)


def posted_form(handler: Any) -> tuple[str, dict[str, str]]:
    """The path and the url-encoded form of a POST to a fake service (the token endpoints)."""
    from urllib.parse import parse_qs, urlsplit

    n = int(handler.headers.get("Content-Length") or 0)
    return urlsplit(handler.path).path, {k: v[0] for k, v in parse_qs(handler.rfile.read(n).decode()).items()}
