#!/usr/bin/python3
"""Differential-test oracle: reads "A<TAB>B" lines from the file named by argv[1] and prints "<", "=" or ">" per
line, as rpm's labelCompare orders the EVRs A and B ("!" when rpm rejects one). Run with Debian's python3-rpm (/usr/bin/python3).

EVR split (same as trawl): epoch = text before the first ':' ("0" if none), release = text after the last '-'
of the rest (None if none; rpm ranks a missing release below any release)."""
import sys

import rpm


def evr(s):
    epoch, sep, rest = s.partition(":")
    if not sep:
        epoch, rest = "0", s
    elif epoch == "":
        epoch = "0"
    version, sep, release = rest.rpartition("-")
    if not sep:
        return (epoch, rest, None)
    return (epoch, version, release)


out = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        a, b = line.rstrip("\n").split("\t", 1)
        try:
            c = rpm.labelCompare(evr(a), evr(b))
        except ValueError:  # rpm >= 4.18 rejects e.g. non-numeric epochs and empty parts
            out.append("!")
            continue
        out.append("<" if c < 0 else ">" if c > 0 else "=")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
