#!/usr/bin/env python3
"""trawl server benchmark (issue 19); see run.sh. Needs docker-registry, redis-server, PostgreSQL
(.ci/setup.d/50-registry.sh, 70-server.sh) and a built trawl (release preferred)."""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "registry"))
from batch import push_family  # noqa: E402
from run import DATA, ROOT, free_port, start_registry  # noqa: E402

TOKEN = "bench-token"


def pg_bin():
    versions = sorted(int(v) for v in os.listdir("/usr/lib/postgresql") if v.isdigit())
    return f"/usr/lib/postgresql/{versions[-1]}/bin"


def as_pg(args, **kw):
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--"] + args
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd="/", **kw)


def start_postgres(tmp):
    d = os.path.join(tmp, "pg")
    os.makedirs(os.path.join(d, "data"))
    os.chmod(tmp, 0o755)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", d], check=True)
    port = free_port()
    b = pg_bin()
    as_pg([f"{b}/initdb", "-D", f"{d}/data", "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"])
    as_pg([f"{b}/pg_ctl", "-D", f"{d}/data", "-l", f"{d}/pg.log", "-w", "-o",
           f"-h 127.0.0.1 -p {port} -k {d} -c fsync=off -c synchronous_commit=off", "start"])
    return d, port


def psql(port, db, sql):
    out = as_pg([f"{pg_bin()}/psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", db, "-At", "-c", sql])
    return out.stdout.decode().strip()


def start_redis(tmp):
    port = free_port()
    d = os.path.join(tmp, f"redis-{port}")
    os.makedirs(d)
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", d], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            import socket
            s = socket.create_connection(("127.0.0.1", port), timeout=1)
            s.sendall(b"PING\r\n")
            if s.recv(7) == b"+PONG\r\n":
                return proc, port
        except OSError:
            time.sleep(0.05)
    sys.exit("redis-server did not start")


def push_images(host, count, repos=20):
    """`count` images in `repos` repositories on two shared bases (alpine 3.20 minirootfs, alpine 3.10), each
    with one small layer of its own. Returns [(repository, tag, manifest digest)]."""
    return [(repo, tag, digest) for repo, tag, digest, _ in push_family(host, "bench", count, repos)]

def build_db(trawl, out, osv=None):
    cmd = [trawl, "db", "build", "-q", "-o", out,
           "--source", f"alpine-secdb={DATA}/advisories/alpine/alpine-secdb",
           "--source", f"debian-tracker={DATA}/advisories/debian/cve-list-excerpt"]
    if osv:
        cmd += ["--source", f"osv={osv}"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = out.get(k, 0.0) + float(v)
    return out


def wait_ready(port, proc, log):
    for _ in range(1200):
        if proc.poll() is not None:
            sys.exit(f"replica died:\n{open(log).read()}")
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2).status == 200:
                return
        except Exception:
            pass
        time.sleep(0.1)
    sys.exit(f"replica not ready:\n{open(log).read()}")


def post_scan(port, registry_port, repo, digest):
    body = json.dumps({"registry": {"url": f"http://127.0.0.1:{registry_port}"},
                       "artifact": {"repository": repo, "digest": digest,
                                    "mime_type": "application/vnd.oci.image.manifest.v1+json"}}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/scan", method="POST", data=body,
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))["id"]


def main():
    ap = argparse.ArgumentParser()
    default = os.path.join(ROOT, "target", "release", "trawl")
    if not os.path.exists(default):
        default = os.path.join(ROOT, "target", "debug", "trawl")
    ap.add_argument("--trawl", default=default)
    ap.add_argument("--images", type=int, default=500)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="trawl-server-bench-")
    procs = []
    try:
        reg, host = start_registry(tmp)
        procs.append(reg)
        registry_port = int(host.rsplit(":", 1)[1])
        pg_dir, pg_port = start_postgres(tmp)
        t0 = time.monotonic()
        images = push_images(host, args.images)
        print(f"trawl: {args.trawl}")
        print(f"{len(images)} images pushed in {time.monotonic() - t0:.1f} s "
              f"(20 repositories, 2 shared bases, one own layer each)")
        db = os.path.join(tmp, "trawl.db")
        build_db(args.trawl, db)
        results = []
        for replicas in (1, 2):
            redis, redis_port = start_redis(tmp)
            procs.append(redis)
            dbname = f"bench{replicas}"
            as_pg([f"{pg_bin()}/createdb", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", dbname])
            running = []
            for n in range(replicas):
                port = free_port()
                log = os.path.join(tmp, f"r{replicas}-{n}.log")
                p = subprocess.Popen(
                    [args.trawl, "server", "--listen", f"127.0.0.1:{port}", "--redis", f"redis://127.0.0.1:{redis_port}",
                     "--postgres", f"postgres://postgres@127.0.0.1:{pg_port}/{dbname}", "--db", db,
                     "--replica", f"r{n}", "--workers", str(args.workers), "--db-poll", "1s",
                     "--scanners", "vuln", "--no-cache"],
                    env={**os.environ, "TRAWL_SERVER_TOKEN": TOKEN, "TRAWL_LOG": "warn,trawl_server=info"},
                    stdout=open(log, "w"), stderr=subprocess.STDOUT)
                procs.append(p)
                running.append((p, port, log))
            for p, port, log in running:
                wait_ready(port, p, log)
            t0 = time.monotonic()
            for i, (repo, _, digest) in enumerate(images):
                post_scan(running[i % replicas][1], registry_port, repo, digest)
            submitted = time.monotonic() - t0
            while True:
                done = int(psql(pg_port, dbname, "SELECT count(*) FROM jobs WHERE status IN ('done', 'failed')"))
                if done == len(images):
                    break
                time.sleep(0.2)
            wall = time.monotonic() - t0
            failed = int(psql(pg_port, dbname, "SELECT count(*) FROM jobs WHERE status = 'failed'"))
            m = [metrics(port) for _, port, _ in running]
            seen = sum(x.get("trawl_layers_seen_total", 0) for x in m)
            analysed = sum(x.get("trawl_layers_analysed_total", 0) for x in m)
            hits = sum(x.get('trawl_layer_cache_requests_total{result="hit"}', 0) for x in m)
            misses = sum(x.get('trawl_layer_cache_requests_total{result="miss"}', 0) for x in m)
            per = [int(x.get('trawl_scans_total{status="ok"}', 0)) for x in m]
            row = {"replicas": replicas, "wall": wall, "submit": submitted, "failed": failed, "seen": int(seen),
                   "analysed": int(analysed), "hits": int(hits), "misses": int(misses), "per_replica": per}
            results.append(row)
            print(f"{replicas} replica(s) x {args.workers} workers: {len(images)} Harbor scans in {wall:.1f} s "
                  f"({len(images) / wall * 60:.0f} images/min; submitting took {submitted:.1f} s), {failed} failed; "
                  f"layers seen {int(seen)}, analysed {int(analysed)} "
                  f"(layer cache {int(hits)} hits / {int(misses)} misses); scans per replica {per}")
            if replicas == 2:
                # The DB update: one more advisory; every stored inventory is matched again, no image pulled.
                osv = os.path.join(tmp, "osv")
                os.makedirs(osv, exist_ok=True)
                with open(os.path.join(osv, "TRAWL-BENCH-0001.json"), "w") as f:
                    json.dump({"schema_version": "1.6.0", "id": "TRAWL-BENCH-0001", "modified": "2026-12-01T00:00:00Z",
                               "affected": [{"package": {"ecosystem": "Alpine:v3.10", "name": "musl"},
                                             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}]}, f)
                nxt = os.path.join(tmp, "next.db")
                build_db(args.trawl, nxt, osv)
                def rematched():
                    return sum(metrics(port).get("trawl_rematched_inventories_total", 0) for _, port, _ in running)
                before = rematched()
                t0 = time.monotonic()
                os.replace(nxt, db)
                while rematched() < before + len(images):
                    time.sleep(0.1)
                observed = time.monotonic() - t0
                stored = int(psql(pg_port, dbname, "SELECT count(DISTINCT digest) FROM finding_history "
                                                   "WHERE finding LIKE 'TRAWL-BENCH-0001 %'"))
                line = ""
                for _, _, log in running:
                    for l in open(log):
                        if "re-match:" in l and "inventories matched" in l:
                            line = l.strip()
                mt = re.search(r"(\d+) inventories matched in ([\d.]+) s, stored in ([\d.]+) s", line)
                print(f"DB update: {mt.group(1) if mt else '?'} stored inventories re-matched in "
                      f"{mt.group(2) if mt else '?'} s (matching), {mt.group(3) if mt else '?'} s with the reports "
                      f"and history stored; {observed:.1f} s from the DB swap to the last stored report "
                      f"(includes the --db-poll 1s wait); {stored} images got the new advisory")
            for p, _, _ in running:
                p.terminate()
                p.wait()
            redis.terminate()
            redis.wait()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        try:
            as_pg([f"{pg_bin()}/pg_ctl", "-D", f"{tmp}/pg/data", "-m", "immediate", "stop"])
        except Exception:
            pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
