#!/usr/bin/env python3
"""What a cold zero-config scan of an Alpine + npm image downloads (issue #13: < 5 MB).

A local HTTP server serves the publishers' URL layouts from the real records of ../shared/data (Alpine secdb
release JSON, the real CISA KEV catalog at its real size, GitHub advisories as the OSV bucket and API serve
them, cvelistV5 records, FIRST's EPSS API answers), with ETag/304. The image is the committed Alpine 3.7.3
minirootfs plus a layer with real npm packages' package.json (lodash 4.17.11, minimist 1.2.5, express 4.17.1,
jsonwebtoken 8.5.1, axios 0.21.1, body-parser 1.19.0). trawl runs with a fresh HOME and only TRAWL_FEED_*
variables, twice (cold, then warm), and the bytes served per feed are printed.

Usage: bench/zero-config/run.py [path/to/trawl]   (default target/release/trawl)
"""

import gzip
import hashlib
import http.server
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.parse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("TRAWL_SHARED_DATA", ROOT.parent / "shared" / "data"))
ADV = DATA / "advisories"
NPM = {
    "lodash": "4.17.11",
    "minimist": "1.2.5",
    "express": "4.17.1",
    "jsonwebtoken": "8.5.1",
    "axios": "0.21.1",
    "body-parser": "1.19.0",
}
# The full EPSS file a scan no longer downloads, for comparison: ~350,000 rows, measured gzip'd in bench/.
FULL_EPSS_GZ_ESTIMATE = 2_960_524


def ghsa_records():
    """(ecosystem, name) -> [(id, modified, path)] over the shared GitHub advisories."""
    index = {}
    for p in (ADV / "ghsa").rglob("GHSA-*.json"):
        try:
            rec = json.loads(p.read_text())
        except ValueError:
            continue
        for a in rec.get("affected", []):
            pkg = a.get("package", {})
            key = (pkg.get("ecosystem"), pkg.get("name"))
            index.setdefault(key, []).append((rec["id"], rec.get("modified", ""), p))
    return index


def layout(root: Path):
    secdb = ADV / "alpine" / "alpine-secdb"
    for rel in sorted(secdb.iterdir()):
        if rel.is_dir():
            for repo in ("main", "community"):
                y = rel / f"{repo}.yaml"
                if y.is_file():
                    out = root / "alpine" / rel.name / f"{repo}.json"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(json.dumps(yaml.safe_load(y.read_text())))
    kev = root / "kev" / "known_exploited_vulnerabilities.json"
    kev.parent.mkdir(parents=True)
    kev.write_bytes((ADV / "kev" / "known_exploited_vulnerabilities.json").read_bytes())
    for p in (ADV / "cve" / "cvelistV5").rglob("CVE-*.json"):
        rel = p.relative_to(ADV / "cve" / "cvelistV5")
        out = root / "cve5" / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(p.read_bytes())
    fixture = ROOT / "crates/trawl/tests/data/cve5/CVE-2019-14697.json"
    out = root / "cve5/cves/2019/14xxx/CVE-2019-14697.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(fixture.read_bytes())


def image(path: Path):
    """The committed Alpine 3.7.3 docker-archive plus one layer of npm package.json files."""
    src = tarfile.open(ROOT / "tests/data/images/alpine-3.7.3.tar.gz")
    members = {m.name: src.extractfile(m).read() for m in src.getmembers() if m.isfile()}
    manifest = json.loads(members["manifest.json"])
    config = json.loads(members[manifest[0]["Config"]])
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as t:
        for name, version in NPM.items():
            body = json.dumps({"name": name, "version": version, "license": "MIT"}).encode()
            info = tarfile.TarInfo(f"app/node_modules/{name}/package.json")
            info.size = len(body)
            t.addfile(info, io.BytesIO(body))
    layer = layer.getvalue()
    diff = "sha256:" + hashlib.sha256(layer).hexdigest()
    config["rootfs"]["diff_ids"].append(diff)
    config.setdefault("history", []).append({"created_by": "COPY app /app"})
    cfg = json.dumps(config).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    layer_name = diff.split(":")[1] + "/layer.tar"
    manifest[0]["Config"] = cfg_name
    manifest[0]["Layers"].append(layer_name)
    manifest[0]["RepoTags"] = ["bench/alpine-npm:1"]
    old_config = json.loads(members["manifest.json"])[0]["Config"]
    kept = [(n, d) for n, d in members.items() if n not in ("manifest.json", old_config)]
    with tarfile.open(path, "w") as out:
        for name, data in kept + [
            (cfg_name, cfg),
            (layer_name, layer),
            ("manifest.json", json.dumps(manifest).encode()),
        ]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


class Handler(http.server.BaseHTTPRequestHandler):
    root: Path = Path()
    ghsa: dict = {}
    served: list = []

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.served.append((self.path.split("?")[0], status, len(body)))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/epss-api":
            asked = urllib.parse.parse_qs(url.query).get("cve", [""])[0].split(",")
            data = [{"cve": c, "epss": "0.00100", "percentile": "0.40000", "date": "2026-12-05"} for c in asked]
            return self.send(200, json.dumps({"status": "OK", "data": data}).encode())
        if url.path.startswith("/osv/npm/") and url.path.endswith(".json"):
            rec_id = url.path.rsplit("/", 1)[1][:-5]
            for recs in self.ghsa.values():
                for (i, _, p) in recs:
                    if i == rec_id:
                        return self.file(p)
            return self.send(404)
        p = self.root / url.path.lstrip("/")
        if ".." in url.path or not p.is_file():
            return self.send(404)
        return self.file(p)

    def file(self, p: Path):
        body = p.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            return self.send(304, b"", [("ETag", etag)])
        return self.send(200, body, [("ETag", etag), ("Last-Modified", "Thu, 05 Dec 2026 10:00:00 GMT")])

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        results = []
        for q in body.get("queries", []):
            key = (q["package"]["ecosystem"], q["package"]["name"])
            results.append({"vulns": [{"id": i, "modified": m} for (i, m, _) in self.ghsa.get(key, [])]})
        self.send(200, json.dumps({"results": results}).encode())


def main():
    trawl = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "target/release/trawl").resolve()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "upstream"
        layout(root)
        img = tmp / "alpine-npm.tar"
        image(img)
        Handler.root = root
        Handler.ghsa = ghsa_records()
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        home = tmp / "home"
        home.mkdir()
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "TRAWL_FORMAT": "json",
            "TRAWL_FEED_DB": "127.0.0.1:9/trawl/trawl-db",
            "TRAWL_FEED_ALPINE_SECDB": f"{base}/alpine",
            "TRAWL_FEED_CVE5": f"{base}/cve5",
            "TRAWL_FEED_KEV": f"{base}/kev/known_exploited_vulnerabilities.json",
            "TRAWL_FEED_EPSS": f"{base}/epss/epss_scores-current.csv.gz",
            "TRAWL_FEED_EPSS_API": f"{base}/epss-api",
            "TRAWL_FEED_OSV": f"{base}/osv",
            "TRAWL_FEED_OSV_API": f"{base}/osv-api",
        }
        for run in ("cold", "warm (within --db-max-age)", "re-checked (--db-max-age 0)"):
            Handler.served = []
            e = dict(env)
            if run.startswith("re-checked"):
                e["TRAWL_DB_MAX_AGE"] = "0"
            out = subprocess.run([str(trawl), "image", "--input", str(img)], env=e, capture_output=True)
            if out.returncode != 0:
                sys.exit(f"trawl failed: {out.stderr.decode()}")
            report = json.loads(out.stdout)
            vulns = [v for r in report.get("results", []) for v in r.get("vulnerabilities") or []]
            by_feed = {}
            for (path, status, n) in Handler.served:
                feed = path.strip("/").split("/")[0]
                b = by_feed.setdefault(feed, [0, 0])
                b[0] += 1
                b[1] += n
            total = sum(n for (_, _, n) in Handler.served)
            print(f"## {run}: {total:,} payload bytes in {len(Handler.served)} requests, {len(vulns)} findings")
            for feed, (reqs, n) in sorted(by_feed.items()):
                print(f"  {feed:<10} {reqs:>4} requests {n:>10,} bytes")
        print(f"(a scan that downloaded the whole EPSS file would add ~{FULL_EPSS_GZ_ESTIMATE:,} bytes)")
        server.shutdown()


if __name__ == "__main__":
    main()
