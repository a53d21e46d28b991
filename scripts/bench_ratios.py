"""Prints the core bench's RSA-2048 sign and verify for each backend next to
`openssl speed` from the same run, as ratios (`make bench`).

Usage: bench_ratios.py CRITERION_BENCHER_OUTPUT OPENSSL_SPEED_OUTPUT
"""

import re
import sys


def bencher(path):
    """`test NAME ... bench: N ns/iter` lines → {NAME: microseconds}."""
    times = {}
    for line in open(path, encoding="utf-8"):
        match = re.match(r"test (\S+) \.\.\. bench:\s+([\d,]+) ns/iter", line)
        if match:
            times[match.group(1)] = int(match.group(2).replace(",", "")) / 1000
    return times


def openssl(path):
    """`rsa 2048 bits S V ...` → (sign µs, verify µs)."""
    for line in open(path, encoding="utf-8"):
        match = re.match(r"rsa 2048 bits\s+([\d.]+)s\s+([\d.]+)s", line)
        if match:
            return float(match.group(1)) * 1e6, float(match.group(2)) * 1e6
    raise SystemExit("no rsa 2048 line in the openssl speed output")


def main():
    times = bencher(sys.argv[1])
    sign, verify = openssl(sys.argv[2])
    backends = sorted({name.split("/", 1)[1] for name in times if name.startswith("rsa_sign/")})
    print(f"RSA-2048, this run: openssl speed sign {sign:,.1f} µs, verify {verify:,.1f} µs")
    print(f"{'backend':<12}{'sign µs':>10}{'× openssl':>11}{'verify µs':>11}{'× openssl':>11}"
          f"{'verify_jwt µs':>15}{'overhead µs':>13}{'% of jwt':>10}{'key parse µs':>14}")
    for backend in backends:
        s, v = times[f"rsa_sign/{backend}"], times[f"rsa_verify/{backend}"]
        jwt, parse = times.get(f"verify_jwt/{backend}", 0), times.get(f"key_parse/{backend}", 0)
        # What verification adds to RSA (base64, JSON, key choice, claims), timed in turn with it.
        extra = times.get(f"verify_overhead/{backend}", 0)
        share = 100 * extra / jwt if jwt else 0
        print(f"{backend:<12}{s:>10,.1f}{s / sign:>11.2f}{v:>11,.1f}{v / verify:>11.2f}{jwt:>15,.1f}"
              f"{extra:>13,.2f}{share:>9.1f}%{parse:>14,.1f}")


if __name__ == "__main__":
    main()
