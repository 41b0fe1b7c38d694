"""Form tokens and the failure limiter, without a server."""

from __future__ import annotations

import pytest

from forms.varsling.security import BadToken, FailureLimiter, check_token, make_token


def test_token_roundtrip_expiry_and_foreign_key():
    tok = make_token(b"k1", "p")
    nonce, _ = check_token(b"k1", tok, "p")
    assert nonce
    with pytest.raises(BadToken) as e:
        check_token(b"k2", tok, "p")
    assert e.value.reason == "invalid"
    with pytest.raises(BadToken):
        check_token(b"k1", tok, "other-purpose")
    with pytest.raises(BadToken) as e:
        check_token(b"k1", make_token(b"k1", "p", ttl=-1), "p")
    assert e.value.reason == "expired"
    for junk in ("", "a.b", "a.b.c.d", None):
        with pytest.raises(BadToken):
            check_token(b"k1", junk, "p")


def test_limiter_slows_then_blocks_per_key_and_rotates_secret():
    lim = FailureLimiter(per_key=3, global_limit=5)
    a, b = lim.key("10.0.0.1"), lim.key("10.0.0.2")
    assert a != b and "10.0.0.1" not in a
    delays = [lim.delay(lim.fail(a)) for _ in range(3)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert lim.blocked(a) and not lim.blocked(b)
    lim.fail(b), lim.fail(b)
    assert lim.blocked(b)  # global limit reached
    lim.reset()
    assert lim.key("10.0.0.1") != a and not lim.blocked(lim.key("10.0.0.1"))
