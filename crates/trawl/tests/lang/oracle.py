#!/usr/bin/env python3
"""Independent findings oracle for the language-package image test (crates/trawl/tests/lang).

It shares no code with trawl: it reads the installed packages of the fixture trees itself (dist-info METADATA with
the email parser, node_modules package.json files, jars with zipfile, Cargo.lock with tomllib, Go binaries with the Go
toolchain's `go version -m`), reads the advisories itself (PyPA YAML, GHSA / go-vulndb / RustSec OSV JSON), and
evaluates OSV ranges with its own orderings (PEP 440 via `packaging`, SemVer 2.0 precedence for npm / Go / crates.io,
a simple Maven order). Withdrawn records are skipped, GIT ranges ignored.

usage: oracle.py FIXTURES ADVISORIES  ->  lines "ecosystem name version ID alias,alias,..."
"""
import email.parser
import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile

import yaml
from packaging.version import InvalidVersion, Version


def pep503(n):
    return re.sub(r"[-_.]+", "-", n).lower()


# ------------------------------------------------------------------ packages
def python_pkgs(root):
    out = []
    for d in os.listdir(root):
        if d.endswith(".dist-info"):
            with open(os.path.join(root, d, "METADATA"), encoding="utf-8") as f:
                msg = email.parser.Parser().parse(f, headersonly=True)
            out.append(("PyPI", msg["Name"], msg["Version"]))
    return out


def npm_pkgs(root):
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        if "package.json" not in filenames:
            continue
        parent = os.path.dirname(dirpath)
        scoped = os.path.basename(parent).startswith("@")
        holder = os.path.dirname(parent) if scoped else parent
        if os.path.basename(holder) != "node_modules" or os.path.basename(dirpath).startswith("."):
            continue
        with open(os.path.join(dirpath, "package.json"), encoding="utf-8") as f:
            m = json.load(f)
        if m.get("name") and m.get("version"):
            out.append(("npm", m["name"], m["version"]))
    return out


def go_pkgs(binary):
    text = subprocess.run(["go", "version", "-m", binary], check=True, capture_output=True, text=True).stdout
    out = []
    lines = text.splitlines()
    out.append(("Go", "stdlib", lines[0].rsplit(" ", 1)[1].removeprefix("go")))
    settings = {}
    main = None
    for line in lines[1:]:
        f = line.strip().split("\t")
        if f[0] == "mod":
            main = (f[1], f[2])
        elif f[0] == "dep":
            out.append(("Go", f[1], f[2].removeprefix("v")))
        elif f[0] == "build" and "=" in f[1]:
            k, v = f[1].split("=", 1)
            settings[k] = v
    if main:
        version = main[1]
        if version == "(devel)" and "vcs.revision" in settings and "vcs.time" in settings:
            # Go pseudo-version: v0.0.0-yyyymmddhhmmss-abcdefabcdef
            stamp = re.sub(r"\D", "", settings["vcs.time"])[:14]
            version = "0.0.0-%s-%s" % (stamp, settings["vcs.revision"][:12])
        out.append(("Go", main[0], version.removeprefix("v")))
    return out


def jar_pkgs(path_or_file, out):
    with zipfile.ZipFile(path_or_file) as z:
        for name in z.namelist():
            if name.startswith("META-INF/maven/") and name.endswith("/pom.properties"):
                props = {}
                for line in z.read(name).decode("utf-8", "replace").splitlines():
                    if "=" in line and not line.startswith("#"):
                        k, v = line.split("=", 1)
                        props[k.strip()] = v.strip()
                out.append(("Maven", "%s:%s" % (props["groupId"], props["artifactId"]), props["version"]))
            elif name.endswith(".jar"):
                import io

                jar_pkgs(io.BytesIO(z.read(name)), out)


def cargo_pkgs(lock):
    with open(lock, "rb") as f:
        d = tomllib.load(f)
    return [("crates.io", p["name"], p["version"]) for p in d.get("package", []) if "source" in p]


# ------------------------------------------------------------------ orderings
SEMVER = re.compile(r"^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$")


def semver_key(v):
    m = SEMVER.match(v)
    if not m:
        return None
    core = tuple(int(x or 0) for x in m.group(1, 2, 3))
    pre = m.group(4)
    if pre is None:
        return (core, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (core, 0, ids)


def maven_key(v):
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"[.-]", v))


def cmp(eco, a, b):
    if eco == "PyPI":
        try:
            x, y = Version(a), Version(b)
        except InvalidVersion:
            return None
    elif eco == "Maven":
        x, y = maven_key(a), maven_key(b)
    else:
        x, y = semver_key(a), semver_key(b)
        if x is None or y is None:
            return None
    return (x > y) - (x < y)


def affected(eco, version, ranges, versions):
    if version in versions:
        return True
    for r in ranges:
        if r.get("type") not in ("SEMVER", "ECOSYSTEM"):
            continue
        events = r.get("events", [])

        def key(e):
            v = next(iter(e.values()))
            return (0,) if v == "0" else (1,)

        # sort by version; "0" first
        evs = sorted(events, key=lambda e: (0, 0) if next(iter(e.values())) == "0" else (1, _Sort(eco, next(iter(e.values())))))
        state = False
        for e in evs:
            (kind, v), = e.items()
            if kind == "introduced":
                if v == "0" or (cmp(eco, version, v) or 0) >= 0 and cmp(eco, version, v) is not None:
                    state = True
            elif kind == "fixed":
                c = cmp(eco, version, v)
                if c is not None and c >= 0:
                    state = False
            elif kind == "last_affected":
                c = cmp(eco, version, v)
                if c is not None and c > 0:
                    state = False
        if state:
            return True
    return False


class _Sort:
    def __init__(self, eco, v):
        self.eco, self.v = eco, v

    def __lt__(self, other):
        c = cmp(self.eco, self.v, other.v)
        return c is not None and c < 0

    def __eq__(self, other):
        return cmp(self.eco, self.v, other.v) == 0


# ------------------------------------------------------------------ advisories
def records(adv):
    for sub in ("ghsa/advisories", "go-vulndb", "rustsec/osv", "pypa-advisory-db/vulns"):
        base = os.path.join(adv, sub)
        for dirpath, _, files in os.walk(base):
            for f in files:
                p = os.path.join(dirpath, f)
                if f.endswith(".json"):
                    with open(p, encoding="utf-8") as fh:
                        try:
                            d = json.load(fh)
                        except json.JSONDecodeError:
                            continue
                elif f.endswith(".yaml"):
                    with open(p, encoding="utf-8") as fh:
                        d = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                else:
                    continue
                if isinstance(d, dict) and "id" in d and "affected" in d:
                    yield d


def main():
    fx, adv = sys.argv[1], sys.argv[2]
    pkgs = python_pkgs(os.path.join(fx, "pip-target"))
    pkgs += npm_pkgs(os.path.join(fx, "npm-v3/node_modules"))
    pkgs += go_pkgs(os.path.join(fx, "esbuild/node_modules/@esbuild/linux-x64/bin/esbuild"))
    jars = []
    for j in ("commons-io-2.11.0.jar", "guava.jar", "app.war"):
        jar_pkgs(os.path.join(fx, "java", j), jars)
    pkgs += jars
    pkgs += cargo_pkgs(os.path.join(fx, "cargo/Cargo.lock"))
    index = {}
    for eco, name, version in set(pkgs):
        key = (eco, pep503(name) if eco == "PyPI" else name)
        index.setdefault(key, set()).add(version)
    out = set()
    for d in records(adv):
        if d.get("withdrawn"):
            continue
        aliases = ",".join(sorted(set(d.get("aliases", []) or [])))
        for a in d["affected"]:
            pkg = a.get("package", {})
            eco = pkg.get("ecosystem", "").split(":")[0]
            name = pkg.get("name", "")
            key = (eco, pep503(name) if eco == "PyPI" else name)
            for version in index.get(key, ()):
                if affected(eco, version, a.get("ranges", []), a.get("versions", []) or []):
                    out.add("%s %s %s %s %s" % (eco, key[1], version, d["id"], aliases or "-"))
    for line in sorted(out):
        print(line)


if __name__ == "__main__":
    main()
