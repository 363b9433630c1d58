#!/usr/bin/env python3
"""Differential-test oracle for ranges: reads "SPECIFIERS<TAB>VERSION" lines from the file named by argv[1] and
prints "y"/"n" per line as packaging's SpecifierSet.contains(version, prereleases=True) decides, or "!" when
the specifier set or the version is invalid."""
import sys

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

out = []
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        spec, version = line.rstrip("\n").split("\t", 1)
        try:
            s, v = SpecifierSet(spec), Version(version)
        except (InvalidSpecifier, InvalidVersion):
            out.append("!")
            continue
        out.append("y" if s.contains(v, prereleases=True) else "n")
sys.stdout.write("\n".join(out) + ("\n" if out else ""))
