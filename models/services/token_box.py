"""Chat tokens encrypted at rest: Slack installations' bot tokens never lie in the database in clear.

Why a key derived from SECRET_KEY: like the form-token keys, it is configuration, not data, so a
copy of the database alone reveals no token. The key is BLAKE2b(SECRET_KEY) personalised for this
use; the box is libsodium's SecretBox (XSalsa20-Poly1305), as in `varsling_crypto`.
"""

from __future__ import annotations

import json
from typing import Any

import nacl.encoding
from nacl.hash import blake2b
from nacl.secret import SecretBox

from models.services import varsling_crypto as vc

_PERSON = b"trad-chat-token"


def _box(secret_key: str) -> SecretBox:
    if not secret_key:
        raise ValueError("SECRET_KEY is needed to store chat tokens")
    key = blake2b(secret_key.encode("utf-8"), digest_size=SecretBox.KEY_SIZE, person=_PERSON[:16],
                  encoder=nacl.encoding.RawEncoder)
    return SecretBox(key)


def seal_json(secret_key: str, data: dict[str, Any]) -> str:
    return vc.b64e(bytes(_box(secret_key).encrypt(json.dumps(data).encode("utf-8"))))


def open_json(secret_key: str, sealed: str) -> dict[str, Any]:
    """The stored dict; raises `varsling_crypto.DecryptionFailed` when SECRET_KEY changed or the text was altered."""
    from nacl.exceptions import CryptoError

    try:
        return dict(json.loads(_box(secret_key).decrypt(vc.b64d(sealed)).decode("utf-8")))
    except CryptoError as exc:
        raise vc.DecryptionFailed("could not open a stored chat token") from exc
