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
    lim = FailureLimiter(per_key=3, global_limit=5, global_delay=1.5)
    a, b = lim.key("10.0.0.1"), lim.key("10.0.0.2")
    assert a != b and "10.0.0.1" not in a
    waits = [lim.begin(a) for _ in range(3)]
    assert waits == [0.0, 0.0, 0.0]
    delays = [lim.delay(n) for n in range(1, 4)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert lim.begin(a) is None and lim.begin(b) == 0.0  # this address is spent, the other is not
    lim.begin(b), lim.begin(b)
    # over the global figure: attempts are slowed down, never refused, for an address with attempts left
    assert lim.begin(lim.key("10.0.0.3")) == 1.5
    lim.reset()
    assert lim.key("10.0.0.1") != a and lim.begin(lim.key("10.0.0.1")) == 0.0


def test_limiter_gives_a_right_code_its_attempt_back():
    lim = FailureLimiter(per_key=2)
    k = lim.key("10.0.0.9")
    for _ in range(10):
        assert lim.begin(k) == 0.0
        lim.succeeded(k)
    assert lim.failures(k) == 0
