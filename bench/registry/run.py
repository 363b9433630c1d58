#!/usr/bin/env python3
"""Registry benchmark for trawl (issue #6).

1. A full `trawl image REF` scan from a local registry against `skopeo copy` of the same image to a local
   directory (the pull alone; target: trawl <= 1.2x skopeo).
2. A batch of 5 images sharing a base layer: one `trawl registry scan` (shared layer cache, --parallel) against
   5 separate `trawl image` runs (cold cache each, and one cache shared between the runs).

Everything runs against Debian's docker-registry on 127.0.0.1 (started here, stopped at the end); images come
from ../shared/data. Usage: bench/registry/run.py [--trawl target/release/trawl] [--runs 5] [--baseline OTHER]

--baseline OTHER also times the `vuln` scans with another trawl binary (e.g. a build of the previous commit),
interleaved with the rest, for a before/after comparison under the same load.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.environ.get("TRAWL_SHARED_DATA", os.path.join(ROOT, "..", "shared", "data"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_registry(tmp):
    port = free_port()
    cfg = os.path.join(tmp, "config.yml")
    with open(cfg, "w") as f:
        f.write(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
            f"storage:\n  filesystem:\n    rootdirectory: {tmp}/registry\n"
            f"http:\n  addr: 127.0.0.1:{port}\n"
        )
    proc = subprocess.Popen(["/usr/bin/docker-registry", "serve", cfg], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
            return proc, f"127.0.0.1:{port}"
        except Exception:
            time.sleep(0.05)
    proc.kill()
    sys.exit("docker-registry did not start")


def skopeo(*args):
    subprocess.run(["skopeo", *args], check=True, stdout=subprocess.DEVNULL)


def push_archive(host, archive, repo, tmp):
    plain = os.path.join(tmp, os.path.basename(archive) + ".tar")
    with gzip.open(archive) as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    skopeo("copy", "--quiet", "--dest-tls-verify=false", f"docker-archive:{plain}", f"docker://{host}/{repo}")


def blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(layout, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def layout_with(layout, layers):
    """An OCI layout (tag `latest`) of an amd64 image made of gzip'd tar `layers`."""
    os.makedirs(layout, exist_ok=True)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    descs, diff_ids = [], []
    for gz in layers:
        diff_ids.append("sha256:" + hashlib.sha256(gzip.decompress(gz)).hexdigest())
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **blob(layout, gz)})
    config = {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": diff_ids},
              "config": {}}
    cfg = blob(layout, json.dumps(config).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **cfg}, "layers": descs}
    m = blob(layout, json.dumps(manifest).encode())
    index = {"schemaVersion": 2, "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", **m,
         "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)


def small_layer(i):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        content = f"app {i}\n".encode()
        info = tarfile.TarInfo(f"srv/app{i}/VERSION")
        info.size = len(content)
        info.mtime = 1_700_000_000
        t.addfile(info, io.BytesIO(content))
    return gzip.compress(buf.getvalue(), mtime=0)


def timed(cmd, env=None):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t


def median_of(runs, fn):
    times = [fn(i) for i in range(runs)]
    return statistics.median(times), min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trawl", default=os.path.join(ROOT, "target", "release", "trawl"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--baseline", help="another trawl binary to compare (vuln scans, interleaved)")
    args = ap.parse_args()
    trawl = args.trawl
    tmp = tempfile.mkdtemp(prefix="trawl-bench-registry-")
    env = dict(os.environ, TRAWL_LOG="error", DOCKER_CONFIG=os.path.join(tmp, "no-docker-config"))
    proc, host = start_registry(tmp)
    try:
        images = os.path.join(DATA, "images")
        push_archive(host, os.path.join(images, "debian-bookworm-slim.tar.gz"), "debian:bookworm-slim", tmp)
        push_archive(host, os.path.join(images, "alpine-310.tar.gz"), "alpine:3.10", tmp)
        base = open(os.path.join(images, "alpine-minirootfs", "alpine-minirootfs-3.20.3-x86_64.tar.gz"), "rb").read()
        for i in range(5):
            lay = os.path.join(tmp, f"layout{i}")
            layout_with(lay, [base, small_layer(i)])
            skopeo("copy", "--quiet", "--dest-tls-verify=false", f"oci:{lay}:latest",
                   f"docker://{host}/fam/app{i}:latest")
        db = os.path.join(tmp, "bench.db")
        subprocess.run([trawl, "db", "build", "-o", db,
                        "--source", f"alpine-secdb={DATA}/advisories/alpine/alpine-secdb",
                        "--source", f"debian-tracker={DATA}/advisories/debian/cve-list-excerpt"],
                       check=True, stdout=subprocess.DEVNULL, env=env)

        rows = []
        mins = []
        compared = []
        for repo in ["debian:bookworm-slim", "alpine:3.10"]:
            ref = f"{host}/{repo}"

            def pull(i):
                out = os.path.join(tmp, f"pull-{repo.replace(':', '_')}-{i}")
                t = timed(["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{ref}", f"dir:{out}"])
                shutil.rmtree(out)
                return t

            def scan(scanners, exe=trawl):
                return lambda i: timed([exe, "image", ref, "--image-src", "remote", "--no-cache", "--db", db,
                                        "--scanners", scanners, "-f", "json", "-o", os.devnull], env)

            # The same image pulled first to a local OCI layout, then scanned (what trawl image REF replaces).
            local = os.path.join(tmp, "local-" + repo.replace(":", "_"))
            skopeo("copy", "--quiet", "--src-tls-verify=false", f"docker://{ref}", f"oci:{local}:x")

            def local_scan(i):
                return timed([trawl, "image", f"oci:{local}:x", "--no-cache", "--db", db, "--scanners", "vuln",
                              "-f", "json", "-o", os.devnull], env)

            # Interleaved, so that load from other processes hits every variant alike.
            samples = {"pull": [], "vuln": [], "full": [], "local": [], "base": []}
            for i in range(args.runs):
                samples["pull"].append(pull(i))
                if args.baseline:
                    samples["base"].append(scan("vuln", args.baseline)(i))
                samples["vuln"].append(scan("vuln")(i))
                samples["full"].append(scan("vuln,secret")(i))
                samples["local"].append(local_scan(i))
            p, v, f, lv = (statistics.median(samples[k]) for k in ("pull", "vuln", "full", "local"))
            pm, vm, fm, lm = (min(samples[k]) for k in ("pull", "vuln", "full", "local"))
            mins.append((repo, pm, vm, fm, lm))
            rows.append((repo, p, v, f, lv))
            if args.baseline:
                compared.append((repo, p, statistics.median(samples["base"]), v, min(samples["base"]), vm))

        def separate_cold(i):
            t = 0.0
            for k in range(5):
                cache = os.path.join(tmp, f"cold-{i}-{k}")
                t += timed([trawl, "image", f"{host}/fam/app{k}:latest", "--image-src", "remote", "--db", db,
                            "--cache-dir", cache, "-f", "json", "-o", os.devnull], env)
            return t

        def separate_shared(i):
            cache = os.path.join(tmp, f"shared-{i}")
            return sum(timed([trawl, "image", f"{host}/fam/app{k}:latest", "--image-src", "remote", "--db", db,
                              "--cache-dir", cache, "-f", "json", "-o", os.devnull], env) for k in range(5))

        def batch(i):
            return timed([trawl, "registry", "scan", f"{host}/fam", "--db", db, "--parallel", "5",
                          "--cache-dir", os.path.join(tmp, f"batch-{i}"), "-f", "json", "-o", os.devnull], env)

        def batch_list(i):
            refs = [f"{host}/fam/app{k}:latest" for k in range(5)]
            return timed([trawl, "image", *refs, "--image-src", "remote", "--db", db, "--parallel", "5",
                          "--cache-dir", os.path.join(tmp, f"batchlist-{i}"), "-f", "json", "-o", os.devnull], env)

        sc, _ = median_of(args.runs, separate_cold)
        ss, _ = median_of(args.runs, separate_shared)
        b, _ = median_of(args.runs, batch)
        bl, _ = median_of(args.runs, batch_list)

        print(f"## trawl registry benchmark ({args.runs} runs, median wall time; {os.cpu_count()} CPUs)\n")
        print("| image | skopeo copy to dir (pull only) | trawl image REF, vuln | ratio | trawl image REF, vuln+secret"
              " | ratio | trawl on a local OCI copy, vuln | skopeo pull + local scan |")
        print("|---|---|---|---|---|---|---|---|")
        for repo, p, v, f, lv in rows:
            print(f"| {repo} | {p:.3f} s | {v:.3f} s | {v / p:.2f}x | {f:.3f} s | {f / p:.2f}x | {lv:.3f} s"
                  f" | {p + lv:.3f} s |")
        print()
        print("Best run of each (least disturbed by other load):\n")
        print("| image | skopeo pull | trawl image REF, vuln | ratio | vuln+secret | ratio | local OCI scan |")
        print("|---|---|---|---|---|---|---|")
        for repo, p, v, f, lv in mins:
            print(f"| {repo} | {p:.3f} s | {v:.3f} s | {v / p:.2f}x | {f:.3f} s | {f / p:.2f}x | {lv:.3f} s |")
        print()
        if compared:
            print(f"Baseline `{args.baseline}` against `{trawl}` (vuln scans, interleaved; median, best):\n")
            print("| image | skopeo pull | baseline | ratio | this build | ratio | baseline best | this build best |")
            print("|---|---|---|---|---|---|---|---|")
            for repo, p, b, v, bm, vm in compared:
                print(f"| {repo} | {p:.3f} s | {b:.3f} s | {b / p:.2f}x | {v:.3f} s | {v / p:.2f}x | {bm:.3f} s"
                      f" | {vm:.3f} s |")
            print()
        print("| 5 images sharing alpine 3.20 base (vuln+secret) | wall time |")
        print("|---|---|")
        print(f"| 5 separate `trawl image` runs, cold cache each | {sc:.3f} s |")
        print(f"| 5 separate `trawl image` runs, one shared cache | {ss:.3f} s |")
        print(f"| one `trawl registry scan --parallel 5` (fresh cache) | {b:.3f} s ({sc / b:.2f}x faster than cold) |")
        print(f"| one `trawl image A B C D E --parallel 5` (fresh cache) | {bl:.3f} s |")
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
