"""argon2id hash and verify time with Threadr's parameters, against a same-run sha256 reference.

Run: .venv/bin/python bench/bench_password.py [--rounds N]
Prints numbers only. The ratio says how much harder each guess is than a plain sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.accounts import PasswordHasher  # noqa: E402

PASSWORD = "correct horse battery staple"


def timed_ms(fn, rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    hasher = PasswordHasher()
    encoded = hasher.hash(PASSWORD)
    params = encoded.split("$")[3]
    hash_ms = timed_ms(lambda: hasher.hash(PASSWORD), args.rounds)
    verify_ms = timed_ms(lambda: hasher.verify(encoded, PASSWORD), args.rounds)
    dummy_ms = timed_ms(lambda: hasher.dummy_verify(PASSWORD), args.rounds)
    data = PASSWORD.encode()
    sha_ms = timed_ms(lambda: hashlib.sha256(data).hexdigest(), args.rounds * 1000)
    sha = statistics.median(sha_ms)
    print(f"argon2id parameters: {params} (OWASP minimum m=19456,t=2,p=1)")
    for name, values in (("hash", hash_ms), ("verify", verify_ms), ("dummy verify", dummy_ms)):
        med = statistics.median(values)
        print(f"argon2id {name:<12} median {med:8.2f} ms  p95 {sorted(values)[int(0.95 * len(values)) - 1]:8.2f} ms"
              f"  = {med / sha:,.0f}x sha256")
    print(f"sha256 reference      median {sha * 1000:8.3f} us  (same run, {len(sha_ms)} rounds)")


if __name__ == "__main__":
    main()
