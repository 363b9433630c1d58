#!/usr/bin/env python3
"""Full-scale advisory corpus for the DB benchmark (issue #13, point 6). Python stdlib only.

The real public feeds are far larger than ../shared/data. This script takes the real records there as
templates (GHSA, Go vulndb and RustSec OSV for the language ecosystems; Ubuntu and Debian OSV for the
distributions; the Debian tracker JSON fixtures for the tracker) and scales their shapes up: every generated
record is a copy of a real one with a new ID, new package names, versions, ranges and dates, and a real
description taken from another record (with the package name swapped in), so sizes, field mix and text
compress like real data. Deterministic from --seed.

Writes under OUT (default target/db-scale):
  osv/<ECOSYSTEM>/all.zip, osv/<ECOSYSTEM>/modified_id.csv, osv/ecosystems.txt   the corpus (bucket layout)
  osv-changed/...        the same corpus with --changed-percent of the OSV records modified (newer
                         `modified`, changed ranges), modified_id.csv newest first
  osv-delta/<ECOSYSTEM>/<ID>.json   only the changed records (what an incremental refresh fetches)
  debian/tracker.json    a Debian security tracker JSON export with --debian-cves CVEs
  sizes.txt              raw JSON bytes of each part (what the DB size is compared with)

usage: bench/db-scale/generate.py [--out DIR] [--records N] [--debian-cves N] [--seed S]
"""

import argparse
import copy
import csv
import datetime as dt
import glob
import io
import json
import os
import random
import re
import sys
import zipfile

DATA = os.environ.get("TRAWL_SHARED_DATA", os.path.join(os.path.dirname(__file__), "../../../shared/data"))
ADV = os.path.join(DATA, "advisories")

# Share of each OSV ecosystem in the corpus: roughly the OSV bucket's mix (malicious-package reports left
# out): the distributions (Debian, Ubuntu, Alpine, Wolfi) hold about half of the records.
MIX = [
    ("npm", 0.14, "lang"),
    ("PyPI", 0.07, "lang"),
    ("Maven", 0.06, "lang"),
    ("Go", 0.05, "lang"),
    ("Packagist", 0.035, "lang"),
    ("crates.io", 0.02, "lang"),
    ("RubyGems", 0.02, "lang"),
    ("NuGet", 0.015, "lang"),
    ("Hex", 0.003, "lang"),
    ("Pub", 0.002, "lang"),
    ("Debian", 0.22, "distro"),
    ("Ubuntu", 0.22, "distro"),
    ("Alpine", 0.07, "distro"),
    ("Wolfi", 0.03, "distro"),
    ("Chainguard", 0.025, "distro"),
]

DEBIAN_RELEASES = [("10", "buster"), ("11", "bullseye"), ("12", "bookworm"), ("13", "trixie")]
UBUNTU_RELEASES = ["14.04:LTS", "16.04:LTS", "18.04:LTS", "20.04:LTS", "22.04:LTS", "24.04:LTS", "Pro:16.04:LTS", "Pro:18.04:LTS"]
ALPINE_RELEASES = ["v3.16", "v3.17", "v3.18", "v3.19", "v3.20", "v3.21"]
GHSA_CHARS = "23456789cfghjmpqrvwx"


def load_json_records(pattern):
    out = []
    for path in sorted(glob.glob(os.path.join(ADV, pattern), recursive=True)):
        try:
            with open(path, encoding="utf-8") as f:
                rec = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(rec, dict) and isinstance(rec.get("id"), str) and rec.get("affected"):
            out.append(rec)
    return out


def load_templates():
    lang = load_json_records("ghsa/**/*.json") + load_json_records("go-vulndb/osv/*.json") + load_json_records("rustsec/osv/**/*.json")
    distro = load_json_records("ubuntu/**/*.json") + load_json_records("debian/osv.dev-testdata/**/*.json")
    distro = [r for r in distro if r["id"].split("-")[0] in ("UBUNTU", "USN", "DSA", "DLA", "DEBIAN")]
    if not lang or not distro:
        sys.exit(f"no OSV templates found under {ADV} (set TRAWL_SHARED_DATA)")
    texts = []
    for r in lang + distro:
        if r.get("details"):
            texts.append((r.get("summary"), r["details"], names_of(r)))
    tracker = []
    for path in sorted(glob.glob(os.path.join(ADV, "debian/**/*.json"), recursive=True)):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError):
            continue
        if isinstance(doc, dict) and doc and all(isinstance(v, dict) for v in doc.values()):
            for src, cves in doc.items():
                for cve, entry in cves.items():
                    if cve.startswith("CVE-") and isinstance(entry, dict) and isinstance(entry.get("releases"), dict):
                        tracker.append(entry)
    if not tracker:
        sys.exit(f"no Debian tracker JSON found under {ADV}/debian")
    words = sorted({w for r in lang + distro for n in names_of(r) for w in re.split(r"[-_./:@]+", n.lower()) if 2 < len(w) < 12 and w.isalpha()})
    return lang, distro, texts, tracker, words


def names_of(rec):
    return [a["package"]["name"] for a in rec.get("affected", []) if isinstance(a.get("package"), dict) and a["package"].get("name")]


class Gen:
    def __init__(self, seed, templates):
        self.rng = random.Random(seed)
        self.lang, self.distro, self.texts, self.tracker, self.words = templates
        self.names = {}
        self.serial = {}

    # --- names and versions -------------------------------------------------------------------------
    def word(self):
        return self.rng.choice(self.words)

    def package_name(self, eco):
        """A name from a per-ecosystem pool (about one package per four records, as in the real feeds)."""
        pool = self.names.setdefault(eco, [])
        if len(pool) < 64 or self.rng.random() < 0.25:
            r = self.rng
            w1, w2 = self.word(), self.word()
            if eco == "Go":
                name = f"github.com/{w1}{r.randint(1, 999)}/{w2}"
            elif eco == "Maven":
                name = f"org.{w1}:{w2}-{self.word()}"
            elif eco == "Packagist":
                name = f"{w1}/{w2}"
            elif eco == "npm" and r.random() < 0.3:
                name = f"@{w1}/{w2}"
            elif eco in ("PyPI", "crates.io", "RubyGems", "Hex", "Pub"):
                name = f"{w1}_{w2}" if eco in ("Hex", "Pub") else f"{w1}-{w2}"
            elif eco == "NuGet":
                name = f"{w1.capitalize()}.{w2.capitalize()}"
            else:
                name = f"{w1}{r.choice(['', '-', 'lib'])}{w2}" if r.random() < 0.5 else f"lib{w1}{r.randint(0, 9)}"
            pool.append(name)
            return name
        return self.rng.choice(pool)

    def version(self, eco, base=None):
        r = self.rng
        major, minor, patch = base or (r.randint(0, 12), r.randint(0, 30), r.randint(0, 40))
        core = f"{major}.{minor}.{patch}"
        if eco == "Debian":
            return f"{r.choice(['', '', '1:'])}{core}-{r.randint(1, 9)}{r.choice(['', '+deb12u1', '+deb11u2', '.1'])}"
        if eco == "Ubuntu":
            return f"{core}-{r.randint(1, 9)}ubuntu{r.randint(0, 4)}.{r.randint(1, 9)}"
        if eco in ("Alpine", "Wolfi", "Chainguard"):
            return f"{core}-r{r.randint(0, 12)}"
        if eco == "Go":
            return core
        return core

    def ascending(self, eco, n):
        """n versions in ascending order."""
        major, minor, patch = self.rng.randint(0, 8), self.rng.randint(0, 20), 0
        out = []
        for _ in range(n):
            step = self.rng.random()
            if step < 0.6:
                patch += self.rng.randint(1, 3)
            elif step < 0.9:
                minor, patch = minor + 1, 0
            else:
                major, minor, patch = major + 1, 0, 0
            out.append(self.version(eco, (major, minor, patch)))
        return out

    def namespace(self, eco):
        r = self.rng
        if eco == "Debian":
            return f"Debian:{r.choice(DEBIAN_RELEASES)[0]}"
        if eco == "Ubuntu":
            return f"Ubuntu:{r.choice(UBUNTU_RELEASES)}"
        if eco == "Alpine":
            return f"Alpine:{r.choice(ALPINE_RELEASES)}"
        return eco

    # --- IDs and dates --------------------------------------------------------------------------------
    def next_serial(self, key):
        self.serial[key] = self.serial.get(key, 0) + 1
        return self.serial[key]

    def cve(self):
        year = self.rng.randint(2005, 2025)
        return f"CVE-{year}-{self.rng.randint(1000, 59999)}"

    def record_id(self, eco, n):
        r = self.rng
        if eco in ("Debian", "Ubuntu", "Alpine"):
            year = 2005 + n % 21
            return f"{eco.upper()}-CVE-{year}-{100000 + n}"
        if eco in ("Wolfi", "Chainguard"):
            return "CGA-" + "-".join("".join(r.choice(GHSA_CHARS) for _ in range(4)) for _ in range(2)) + f"-{n:05x}"
        if eco == "Go":
            return f"GO-{2020 + n % 6}-{n:06d}"
        if eco == "crates.io" and r.random() < 0.5:
            return f"RUSTSEC-{2016 + n % 10}-{n:06d}"
        if eco == "PyPI" and r.random() < 0.4:
            return f"PYSEC-{2014 + n % 12}-{n:06d}"
        return "GHSA-" + "-".join("".join(r.choice(GHSA_CHARS) for _ in range(4)) for _ in range(2)) + f"-{n:05x}"

    def date(self, lo=2015, hi=2025):
        d = dt.datetime(lo, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=self.rng.randint(0, (hi - lo) * 365 * 86400))
        return d.strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- records ----------------------------------------------------------------------------------------
    def text(self, name):
        summary, details, names = self.rng.choice(self.texts)
        for old in names:
            if len(old) > 3:
                details = details.replace(old, name)
                summary = summary.replace(old, name) if summary else summary
        return summary, details

    def ranges_like(self, tpl_ranges, eco):
        out = []
        for rg in tpl_ranges or []:
            kind = rg.get("type", "ECOSYSTEM")
            if kind == "GIT":
                new = {"type": "GIT", "repo": f"https://github.com/{self.word()}/{self.word()}",
                       "events": [{"introduced": "%040x" % self.rng.getrandbits(160)}, {"fixed": "%040x" % self.rng.getrandbits(160)}]}
                out.append(new)
                continue
            events = rg.get("events", [])
            vs = self.ascending(eco, max(1, len(events)))
            new_events = []
            for ev, v in zip(events, vs):
                k = next(iter(ev), "introduced")
                new_events.append({k: "0" if (k == "introduced" and ev.get(k) == "0") else v})
            if not new_events:
                new_events = [{"introduced": "0"}]
            new = {"type": "SEMVER" if kind == "SEMVER" and eco not in ("Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard") else "ECOSYSTEM", "events": new_events}
            if new["type"] == "SEMVER":
                new["events"] = [e if next(iter(e.values())) == "0" else {k: re.sub(r"-.*", "", v) for k, v in e.items()} for e in new_events]
            for k in rg:
                if k not in ("type", "events", "repo"):
                    new[k] = copy.deepcopy(rg[k])
            out.append(new)
        return out

    def osv_record(self, eco, family, n):
        tpl = copy.deepcopy(self.rng.choice(self.lang if family == "lang" else self.distro))
        rid = self.record_id(eco, n)
        old_id = tpl["id"]
        tpl["id"] = rid
        published = self.date()
        tpl["published"] = published
        tpl["modified"] = max(published, self.date(2020, 2026))
        name = self.package_name(eco)
        summary, details = self.text(name)
        tpl["details"] = details
        if "summary" in tpl or summary:
            tpl["summary"] = summary or f"{name}: security issue"
        cve = self.cve()
        if family == "distro":
            tpl["upstream"] = [cve]
            tpl["aliases"] = []
        else:
            tpl["aliases"] = [cve] if self.rng.random() < 0.8 else []
        affected = []
        for i, a in enumerate(tpl.get("affected", [])[:6]):
            pkg_name = name if i == 0 or self.rng.random() < 0.7 else self.package_name(eco)
            a["package"] = {"ecosystem": self.namespace(eco), "name": pkg_name}
            if family == "lang":
                a["package"]["purl"] = f"pkg:{eco.lower()}/{pkg_name}"
            a["ranges"] = self.ranges_like(a.get("ranges"), eco)
            if "versions" in a:
                a["versions"] = self.ascending(eco, min(len(a["versions"]), 400))
            a.pop("ecosystem_specific", None) if self.rng.random() < 0.3 else None
            affected.append(a)
        tpl["affected"] = affected
        refs = []
        for ref in tpl.get("references", [])[:12]:
            url = str(ref.get("url", "")).replace(old_id, rid)
            url = re.sub(r"CVE-\d{4}-\d+", cve, url)
            refs.append({"type": ref.get("type", "WEB"), "url": url})
        if refs:
            tpl["references"] = refs
        if isinstance(tpl.get("database_specific"), dict) and "url" in tpl["database_specific"]:
            tpl["database_specific"]["url"] = str(tpl["database_specific"]["url"]).replace(old_id, rid)
        return tpl

    def changed(self, rec):
        """The record as an upstream edit leaves it: newer `modified`, a later fixed version, one more range."""
        rec = copy.deepcopy(rec)
        rec["modified"] = "2026-12-01T%02d:%02d:%02dZ" % (self.rng.randint(0, 23), self.rng.randint(0, 59), self.rng.randint(0, 59))
        eco = ECO_OF[rec["id"]]
        for a in rec.get("affected", []):
            for rg in a.get("ranges", []):
                if rg["type"] == "GIT":
                    continue
                for ev in rg["events"]:
                    for k in ("fixed", "last_affected"):
                        if k in ev:
                            ev[k] = self.ascending(eco, 3)[-1] if rg["type"] != "SEMVER" else re.sub(r"-.*", "", self.ascending(eco, 3)[-1])
        if rec.get("affected") and self.rng.random() < 0.5:
            extra = copy.deepcopy(rec["affected"][0])
            extra["package"]["name"] = self.package_name(eco)
            rec["affected"].append(extra)
        return rec

    def tracker_entry(self):
        tpl = copy.deepcopy(self.rng.choice(self.tracker))
        out = {}
        _, details = self.text("pkg")
        out["description"] = details[:600]
        if "scope" in tpl or self.rng.random() < 0.5:
            out["scope"] = self.rng.choice(["local", "remote"])
        if "debianbug" in tpl:
            out["debianbug"] = self.rng.randint(400000, 1100000)
        releases = {}
        open_ = self.rng.random() < 0.3
        fixed = self.version("Debian")
        urgency = self.rng.choice(["not yet assigned", "unimportant", "low", "medium", "high", "low**", "medium**"])
        for _, codename in DEBIAN_RELEASES + [("sid", "sid")]:
            if self.rng.random() < 0.15:
                continue
            current = self.version("Debian")
            rel = {"status": "open" if open_ else "resolved", "repositories": {codename: current}, "urgency": urgency}
            if not open_:
                rel["fixed_version"] = fixed if self.rng.random() < 0.8 else "0"
            elif self.rng.random() < 0.3:
                rel["nodsa"] = "Minor issue"
                rel["nodsa_reason"] = ""
            releases[codename] = rel
        out["releases"] = releases
        return out


ECO_OF = {}


def dumps(rec):
    return json.dumps(rec, indent=2, ensure_ascii=False).encode("utf-8")


def write_bucket(root, records_by_eco, sizes, key):
    os.makedirs(root, exist_ok=True)
    ecos = sorted(records_by_eco)
    for eco in ecos:
        d = os.path.join(root, eco)
        os.makedirs(d, exist_ok=True)
        tmp = os.path.join(d, "all.zip.tmp")
        rows = []
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for rec in records_by_eco[eco]:
                data = dumps(rec)
                sizes[key] = sizes.get(key, 0) + len(data)
                sizes[key + " (compact)"] = sizes.get(key + " (compact)", 0) + len(json.dumps(rec, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
                z.writestr(f"{rec['id']}.json", data)
                rows.append((rec["modified"], rec["id"]))
        os.replace(tmp, os.path.join(d, "all.zip"))
        rows.sort(reverse=True)
        with open(os.path.join(d, "modified_id.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            for m, i in rows:
                w.writerow([m, i])
    with open(os.path.join(root, "ecosystems.txt"), "w") as f:
        f.write("\n".join(ecos) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="target/db-scale")
    ap.add_argument("--records", type=int, default=500_000)
    ap.add_argument("--debian-cves", type=int, default=100_000)
    ap.add_argument("--changed-percent", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args()

    gen = Gen(args.seed, load_templates())
    by_eco = {}
    n = 0
    for eco, share, family in MIX:
        count = round(args.records * share)
        if eco == MIX[-1][0]:
            count = args.records - n
        recs = []
        for _ in range(count):
            n += 1
            rec = gen.osv_record(eco, family, n)
            ECO_OF[rec["id"]] = eco
            recs.append(rec)
        by_eco[eco] = recs
    sizes = {}
    write_bucket(os.path.join(args.out, "osv"), by_eco, sizes, "osv")

    # 1% changed: picked evenly at random over the whole corpus.
    all_ids = [r["id"] for eco in sorted(by_eco) for r in by_eco[eco]]
    k = max(1, round(len(all_ids) * args.changed_percent / 100))
    picked = set(gen.rng.sample(all_ids, k))
    changed_by_eco = {}
    delta = os.path.join(args.out, "osv-delta")
    for eco in sorted(by_eco):
        out = []
        for rec in by_eco[eco]:
            if rec["id"] in picked:
                rec = gen.changed(rec)
                d = os.path.join(delta, eco)
                os.makedirs(d, exist_ok=True)
                data = dumps(rec)
                sizes["osv-delta"] = sizes.get("osv-delta", 0) + len(data)
                with open(os.path.join(d, rec["id"] + ".json"), "wb") as f:
                    f.write(data)
            out.append(rec)
        changed_by_eco[eco] = out
    write_bucket(os.path.join(args.out, "osv-changed"), changed_by_eco, sizes, "osv-changed")

    # Debian tracker JSON: {src: {CVE: entry}}; a few CVEs under more than one source package.
    tracker = {}
    cves = set()
    while len(cves) < args.debian_cves:
        cves.add(f"CVE-{gen.rng.randint(1999, 2025)}-{gen.rng.randint(1000, 99999)}")
    for cve in sorted(cves):
        srcs = {gen.package_name("Debian")}
        if gen.rng.random() < 0.1:
            srcs.add(gen.package_name("Debian"))
        for src in sorted(srcs):
            tracker.setdefault(src, {})[cve] = gen.tracker_entry()
    os.makedirs(os.path.join(args.out, "debian"), exist_ok=True)
    data = json.dumps(tracker, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sizes["debian"] = len(data)
    tmp = os.path.join(args.out, "debian", "tracker.json.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, os.path.join(args.out, "debian", "tracker.json"))

    with open(os.path.join(args.out, "sizes.txt"), "w") as f:
        for key in sorted(sizes):
            f.write(f"{key}\t{sizes[key]}\n")
        f.write(f"osv records\t{args.records}\nosv changed\t{k}\ndebian cves\t{args.debian_cves}\n")
    print(open(os.path.join(args.out, "sizes.txt")).read(), end="")


if __name__ == "__main__":
    main()
