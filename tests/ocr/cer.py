#!/usr/bin/env python3
"""Character error rate of an OCR output against a reference.

usage: cer.py REFERENCE HYPOTHESIS      prints the CER (6 decimals)

Both texts are read as UTF-8, normalised to NFC and their whitespace folded
(every run of whitespace, form feeds included, becomes one space; ends
trimmed). CER = Levenshtein distance / length of the reference."""
import sys
import unicodedata


def norm(s):
    return " ".join(unicodedata.normalize("NFC", s).split())


def lev(a, b):
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(ref, hyp):
    ref, hyp = norm(ref), norm(hyp)
    if not ref:
        return 0.0 if not hyp else 1.0
    return lev(ref, hyp) / len(ref)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: cer.py REFERENCE HYPOTHESIS\n")
        return 64
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        ref = f.read()
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        hyp = f.read()
    print("%.6f" % cer(ref, hyp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
