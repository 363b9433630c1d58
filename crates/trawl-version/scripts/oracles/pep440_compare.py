#!/usr/bin/env python3
"""Differential-test oracle: reads "A<TAB>B" lines from the file named by argv[1] and prints "<", "=", ">" per
line as packaging.version.Version orders A and B, or "!" when either is not a valid PEP 440 version."""
import sys

from packaging.version import InvalidVersion, Version

out = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        a, b = line.rstrip("\n").split("\t", 1)
        try:
            va, vb = Version(a), Version(b)
        except InvalidVersion:
            out.append("!")
            continue
        out.append("<" if va < vb else ">" if va > vb else "=")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
