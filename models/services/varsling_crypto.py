"""The cryptography of anonymous varsling, in one small module so it can be reviewed alone.

Design (why a copy of the database plus the server's configuration reveals nothing):
- each varsel gets a random 32-byte key K; content and messages are SecretBox(K) ciphertext;
  the reporter's name/contact gets its own key K_id, so opening it is a separate, audited act;
- K (and K_id) are sealed (libsodium SealedBox) to each recipient's X25519 public key;
- a recipient's private key is stored only inside SecretBox(Argon2id(passphrase)) and
  SecretBox(BLAKE2b(recovery key)); the server never stores the passphrase or recovery key;
- the 16-digit receipt code is stretched with Argon2id (argon2-cffi) under a per-organisation
  salt; a keyed BLAKE2b of that output is the lookup hash, another gives the reporter key K_r,
  and K is stored under K_r, so the receipt holder (and only they) can read replies.
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

import nacl.encoding
import nacl.pwhash
import nacl.utils
from argon2.low_level import Type, hash_secret_raw
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

# Argon2id cost for the receipt code (one derivation per follow-up request). 10^16 codes at
# this cost make brute force from a stolen database impractical.
RECEIPT_TIME_COST = 2
RECEIPT_MEMORY_KIB = 64 * 1024
# Argon2id cost for recipients' passphrases (libsodium "interactive": 64 MiB).
PASSPHRASE_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE
PASSPHRASE_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE
RECEIPT_DIGITS = 16


class DecryptionFailed(Exception):
    """Wrong key, wrong passphrase or tampered ciphertext."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def new_key() -> bytes:
    return nacl.utils.random(SecretBox.KEY_SIZE)


def new_salt(size: int = 16) -> str:
    return b64e(nacl.utils.random(size))


def encrypt(key: bytes, plaintext: bytes) -> str:
    return b64e(bytes(SecretBox(key).encrypt(plaintext)))


def decrypt(key: bytes, ciphertext: str) -> bytes:
    try:
        return SecretBox(key).decrypt(b64d(ciphertext))
    except CryptoError as exc:
        raise DecryptionFailed("could not decrypt") from exc


def encrypt_json(key: bytes, data: Any) -> str:
    return encrypt(key, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def decrypt_json(key: bytes, ciphertext: str) -> Any:
    return json.loads(decrypt(key, ciphertext).decode("utf-8"))


def seal(data: bytes, public_key_b64: str) -> str:
    return b64e(SealedBox(PublicKey(b64d(public_key_b64))).encrypt(data))


def unseal(sealed_b64: str, private_key: PrivateKey) -> bytes:
    try:
        return SealedBox(private_key).decrypt(b64d(sealed_b64))
    except CryptoError as exc:
        raise DecryptionFailed("could not unseal") from exc


# ---------------------------------------------------------------- receipt codes

def new_receipt_code() -> str:
    """16 random decimal digits (about 53 bits), from the OS CSPRNG."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def format_receipt(code: str) -> str:
    """"1234567890123456" -> "1234 5678 9012 3456", like a phone number, easy to copy by hand."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalise_receipt(text: str) -> str | None:
    """Digits only, ignoring spaces and dashes; None unless exactly 16 digits remain."""
    digits = "".join(ch for ch in (text or "") if not ch.isspace() and ch not in "-.")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def receipt_secrets(code: str, salt_b64: str) -> tuple[str, bytes]:
    """(lookup hash hex, reporter key K_r) from one Argon2id stretch of the receipt code."""
    raw = hash_secret_raw(code.encode("ascii"), b64d(salt_b64), time_cost=RECEIPT_TIME_COST,
                          memory_cost=RECEIPT_MEMORY_KIB, parallelism=1, hash_len=32, type=Type.ID)
    lookup = blake2b(raw, digest_size=32, person=b"trad-rcpt-lookup", encoder=nacl.encoding.HexEncoder)
    reporter_key = blake2b(raw, digest_size=32, person=b"trad-rcpt-repkey", encoder=nacl.encoding.RawEncoder)
    return lookup.decode("ascii"), reporter_key


# ---------------------------------------------------------------- recipient keys

def passphrase_key(passphrase: str, salt_b64: str) -> bytes:
    return nacl.pwhash.argon2id.kdf(SecretBox.KEY_SIZE, passphrase.encode("utf-8"), b64d(salt_b64),
                                    opslimit=PASSPHRASE_OPSLIMIT, memlimit=PASSPHRASE_MEMLIMIT)


def recovery_key_bytes(recovery: str, salt_b64: str) -> bytes:
    """The recovery key has 160 random bits, so a fast keyed hash is enough to derive from it."""
    cleaned = "".join(recovery.split()).replace("-", "").upper().encode("ascii", "ignore")
    return blake2b(cleaned, digest_size=32, salt=b64d(salt_b64)[:16], person=b"trad-recovery-k",
                   encoder=nacl.encoding.RawEncoder)


def new_recovery_key() -> str:
    """20 random bytes as base32 in groups of four: "ABCD-EFGH-…" (shown once)."""
    text = base64.b32encode(nacl.utils.random(20)).decode("ascii")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def new_keypair() -> PrivateKey:
    return PrivateKey.generate()


def public_b64(sk: PrivateKey) -> str:
    return b64e(bytes(sk.public_key))


def private_from_bytes(data: bytes) -> PrivateKey:
    return PrivateKey(data)


def token_hash(token: str) -> str:
    """Hash of a high-entropy bearer token (login link, session cookie): fast is fine here."""
    return blake2b(token.encode("utf-8"), digest_size=32, person=b"trad-token-hash",
                   encoder=nacl.encoding.HexEncoder).decode("ascii")


def token_wrap_key(token: str) -> bytes:
    """A key derived from a session cookie, so the unlocked private key in the DB is useless without it."""
    return blake2b(token.encode("utf-8"), digest_size=32, person=b"trad-token-wrap",
                   encoder=nacl.encoding.RawEncoder)
