#!/usr/bin/env python3
"""Independent oracle for Alpine findings: its own apk version order (Gentoo-style parse, checked against the
apk-generated version vectors), its own secdb and apk-DB reading. Shares no code with trawl.

Usage:
  alpine_oracle.py check-vectors VECTORS_FILE          -> prints "ok N" or the first failing line
  alpine_oracle.py findings SECDB_DIR RELEASE ROOTFS_OR_TAR...
      prints one "package CVE fixed_version" line per finding, sorted
"""
import gzip
import io
import os
import re
import sys
import tarfile

import yaml

PRE = {"alpha": -4, "beta": -3, "pre": -2, "rc": -1}
POST = {"cvs": 1, "svn": 2, "git": 3, "hg": 4, "p": 5}
# Token kinds, in the order that decides when two versions run out of common structure.
NUM, DOTNUM, LETTER, SUFFIX, SUFFIX_NO, REV, END = range(7)


def tokens(v):
    """Splits an apk version into (kind, raw) tokens: 1.2.3a_rc1-r2 -> 1 .2 .3 a _rc 1 -r2."""
    out = []
    i = 0
    m = re.match(r"\d+", v)
    if not m:
        raise ValueError(f"not an apk version: {v!r}")
    out.append((NUM, m.group()))
    i = m.end()
    prev = NUM
    while i < len(v):
        c = v[i]
        if c == "." and prev in (NUM, DOTNUM):
            m = re.match(r"\d+", v[i + 1 :])
            if not m:
                raise ValueError(f"not an apk version: {v!r}")
            out.append((DOTNUM, m.group()))
            i += 1 + m.end()
            prev = DOTNUM
        elif c.islower() and prev in (NUM, DOTNUM):
            out.append((LETTER, c))
            i += 1
            prev = LETTER
        elif c.isdigit() and prev == LETTER:
            m = re.match(r"\d+", v[i:])
            out.append((NUM, m.group()))
            i += m.end()
            prev = NUM
        elif c == "_":
            m = re.match(r"[a-z]+", v[i + 1 :])
            if not m or (m.group() not in PRE and m.group() not in POST):
                raise ValueError(f"bad suffix in {v!r}")
            out.append((SUFFIX, m.group()))
            i += 1 + m.end()
            m = re.match(r"\d+", v[i:])
            if m:
                out.append((SUFFIX_NO, m.group()))
                i += m.end()
            prev = SUFFIX
        elif c == "~":
            m = re.match(r"[0-9a-f]+", v[i + 1 :])
            if not m:
                raise ValueError(f"bad hash in {v!r}")
            i += 1 + m.end()
        elif v.startswith("-r", i):
            m = re.match(r"\d+", v[i + 2 :])
            if not m or i + 2 + m.end() != len(v):
                raise ValueError(f"bad revision in {v!r}")
            out.append((REV, m.group()))
            i += 2 + m.end()
        else:
            raise ValueError(f"not an apk version: {v!r}")
    out.append((END, ""))
    return out


def cmp(a, b):
    return (a > b) - (a < b)


def value_cmp(kind, x, y):
    if kind == DOTNUM and (x.startswith("0") or y.startswith("0")):
        # A dotted component with a leading zero compares as a decimal fraction.
        return cmp(x.rstrip("0"), y.rstrip("0"))
    if kind == LETTER:
        return cmp(x, y)
    if kind == SUFFIX:
        return cmp(PRE.get(x, 0) or POST[x], PRE.get(y, 0) or POST[y])
    return cmp(int(x), int(y))


def compare(a, b):
    ta, tb = tokens(a), tokens(b)
    i = 0
    while True:
        (ka, xa), (kb, xb) = ta[i], tb[i]
        if ka != kb:
            break
        if ka == END:
            return 0
        c = value_cmp(ka, xa, xb)
        if c:
            return c
        i += 1
    # The shorter version is older, unless what the longer one has next is a pre-release suffix.
    if ka == SUFFIX and x_is_pre(xa):
        return -1
    if kb == SUFFIX and x_is_pre(xb):
        return 1
    return -1 if ka > kb else 1


def x_is_pre(s):
    return s in PRE


def check_vectors(path):
    n = 0
    for lineno, line in enumerate(open(path), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        a, op, b = line.split()
        want = {"<": -1, "=": 0, ">": 1}[op]
        got = compare(a, b)
        if got != want:
            print(f"{path}:{lineno}: {line}: got {got}")
            return 1
        n += 1
    print(f"ok {n}")
    return 0


def installed_from(path):
    """The apk installed DB text of a rootfs dir, a rootfs tarball, or a docker-archive (last layer wins)."""
    if os.path.isdir(path):
        return open(os.path.join(path, "lib/apk/db/installed")).read()
    with tarfile.open(path) as outer:
        names = outer.getnames()
        if "manifest.json" in names:
            import json

            manifest = json.load(outer.extractfile("manifest.json"))
            text = None
            for layer in manifest[0]["Layers"]:
                data = outer.extractfile(layer).read()
                if data[:2] == b"\x1f\x8b":
                    data = gzip.decompress(data)
                with tarfile.open(fileobj=io.BytesIO(data)) as lt:
                    for m in lt.getmembers():
                        if m.name.lstrip("./") == "lib/apk/db/installed":
                            text = lt.extractfile(m).read().decode()
            return text
        for m in outer.getmembers():
            if m.name.lstrip("./") == "lib/apk/db/installed":
                return outer.extractfile(m).read().decode()
    raise SystemExit(f"no apk DB in {path}")


def packages(text):
    pkg = {}
    for line in text.splitlines() + [""]:
        if not line.strip():
            if "P" in pkg:
                yield pkg["P"], pkg["V"], pkg.get("o", pkg["P"])
            pkg = {}
        elif len(line) > 2 and line[1] == ":" and line[0] in "PVo":
            pkg[line[0]] = line[2:]


def findings(secdb_dir, release, sources):
    fixes = {}
    for repo in ("main.yaml", "community.yaml"):
        p = os.path.join(secdb_dir, release, repo)
        if not os.path.exists(p):
            continue
        doc = yaml.safe_load(open(p))
        for entry in doc.get("packages") or []:
            pkg = entry["pkg"]
            for fixed, cves in (pkg.get("secfixes") or {}).items():
                fixed = str(fixed)
                if fixed == "0":
                    continue
                for cve in cves or []:
                    cve = str(cve).split()[0]
                    fixes.setdefault(pkg["name"], []).append((fixed, cve))
    out = set()
    for src in sources:
        for name, version, origin in packages(installed_from(src)):
            best = {}
            for fixed, cve in fixes.get(origin, []):
                try:
                    if compare(version, fixed) < 0:
                        if cve not in best or compare(fixed, best[cve]) < 0:
                            best[cve] = fixed
                except ValueError:
                    continue
            for cve, fixed in best.items():
                out.add((name, cve, fixed))
    for row in sorted(out):
        print(" ".join(row))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "check-vectors":
        sys.exit(check_vectors(sys.argv[2]))
    if sys.argv[1] == "findings":
        sys.exit(findings(sys.argv[2], sys.argv[3], sys.argv[4:]))
    sys.exit(f"unknown command {sys.argv[1]}")
