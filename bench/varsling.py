"""Cost of the varsling crypto with the real parameters, as ratios against a baseline in the same run.

Baseline: one SHA-256 of a 16-digit code repeated 1,000 times (a cheap hash an attacker would love).
Run: .venv/bin/python bench/varsling.py
"""

from __future__ import annotations

import hashlib
import statistics
import time

from models.services import varsling_crypto as vc


def timed(fn, n: int) -> float:  # type: ignore[no-untyped-def]
    runs = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main() -> None:
    code, salt = vc.new_receipt_code(), vc.new_salt()
    base = timed(lambda: [hashlib.sha256(code.encode()).digest() for _ in range(1000)], 20) / 1000
    receipt = timed(lambda: vc.receipt_secrets(code, salt), 10)
    passphrase = timed(lambda: vc.passphrase_key("korrekt hest batteri stift", salt), 10)
    key = vc.new_key()
    sk = vc.new_keypair()
    pk = vc.public_b64(sk)
    text = ("x" * 10_000).encode()
    seal = timed(lambda: vc.unseal(vc.seal(key, pk), sk), 200)
    box = timed(lambda: vc.decrypt(key, vc.encrypt(key, text)), 200)
    print(f"baseline sha256(code): {base * 1e6:.2f} µs")
    print(f"receipt Argon2id (t={vc.RECEIPT_TIME_COST}, m={vc.RECEIPT_MEMORY_KIB // 1024} MiB): "
          f"{receipt * 1e3:.1f} ms = {receipt / base:,.0f}x baseline")
    print(f"passphrase Argon2id (libsodium interactive): {passphrase * 1e3:.1f} ms = {passphrase / base:,.0f}x baseline")
    print(f"seal+unseal a varsel key: {seal * 1e6:.0f} µs = {seal / base:,.0f}x baseline")
    print(f"encrypt+decrypt 10,000 characters: {box * 1e6:.0f} µs = {box / base:,.0f}x baseline")
    years = (10**16 / 2) * receipt / (3600 * 24 * 365)
    print(f"brute-forcing a stolen receipt hash on one core: ~{years:,.0f} years (half of 10^16 codes)")


if __name__ == "__main__":
    main()
