"""Checks every web form shares: where a POST comes from, and where a redirect may go.

Why one module: the staff pages and the recipients' pages must refuse cross-site posts and
open redirects the same way; two copies of these rules would drift apart.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from fastapi import Request

from forms.deps import settings_of

# Control characters and whitespace: browsers strip tabs and newlines from URLs, so "/\t/evil" becomes "//evil".
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
MAX_NEXT = 300


def same_origin(request: Request) -> bool:
    """Refuse POSTs whose Origin names another site (defence in depth; the form's token is the real check).

    A missing or opaque ("null") Origin is let through to the token check: privacy settings and
    some browsers send those for honest same-site posts.
    """
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    allowed = {_origin(settings_of(request).public_base_url), _origin(str(request.base_url))}
    return _origin(origin) in allowed


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}".lower()


def _visible(text: str) -> bool:
    """No control, format or separator characters anywhere (Unicode categories C* and Z*)."""
    return not any(unicodedata.category(ch)[0] in "CZ" for ch in text)


def safe_next(path: str | None, default: str = "/") -> str:
    """`path` if it is a path on this site however a browser reads it, else `default`: no open redirects.

    Refused: absolute and scheme-relative URLs, backslashes, control characters and whitespace
    and Unicode separators (raw or percent-encoded, decoded repeatedly), and anything that decodes to "//" at the start.
    """
    p = path or ""
    if not p or len(p) > MAX_NEXT:
        return default
    seen = p
    for _ in range(3):  # "%252F" decodes to "%2F" decodes to "/"
        if _UNSAFE.search(seen) or not seen.startswith("/") or seen.startswith("//") or not _visible(seen):
            return default
        decoded = unquote(seen)
        if decoded == seen:
            break
        seen = decoded
    else:
        return default
    parts = urlsplit(p)
    if parts.scheme or parts.netloc:
        return default
    return p
