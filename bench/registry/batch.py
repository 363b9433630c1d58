#!/usr/bin/env python3
"""A long registry batch (issue #17): 200 images in a local registry, scanned by one `trawl registry scan`.

The images are 20 repositories x 10 tags; even repositories are built on the alpine 3.20 minirootfs, odd ones on
the alpine 3.10 image's layer, and each image adds one small layer of its own (so 2 base blobs are shared by 100
images each). They are pushed straight through the registry API (no skopeo per image).

Measured, each run on a cold trawl cache:
- `trawl registry scan HOST --tags all --parallel 4 --resume STATE` (vuln + secret, a DB from the Alpine secdb):
  wall time, images per minute, the bytes pulled (trawl's own count) against the sum of the image sizes (what
  pulling every image on its own costs);
- the peer: `skopeo copy` of every image into one OCI layout (skopeo reuses blobs already in the layout, so shared
  layers are fetched once): the cost of just pulling the batch.

Usage: bench/registry/batch.py [--trawl target/release/trawl] [--runs 3] [--images 200]
Needs docker-registry and skopeo (.ci/setup.d/50-registry.sh) and python3.
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from run import DATA, ROOT, start_registry  # noqa: E402  (the registry launcher of run.py)


def put_blob(host, repo, data):
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    head = urllib.request.Request(f"http://{host}/v2/{repo}/blobs/{digest}", method="HEAD")
    try:
        urllib.request.urlopen(head)
        return digest
    except urllib.error.HTTPError:
        pass
    start = urllib.request.Request(f"http://{host}/v2/{repo}/blobs/uploads/", method="POST", data=b"")
    location = urllib.request.urlopen(start).headers["Location"]
    if location.startswith("/"):
        location = f"http://{host}{location}"
    sep = "&" if "?" in location else "?"
    put = urllib.request.Request(f"{location}{sep}digest={digest}", method="PUT", data=data,
                                 headers={"Content-Type": "application/octet-stream"})
    urllib.request.urlopen(put)
    return digest


def diff_id(gz):
    return "sha256:" + hashlib.sha256(gzip.decompress(gz)).hexdigest()


def own_layer(r, t):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = f"app {r} version {t}\n".encode()
        info = tarfile.TarInfo(f"srv/app{r}/VERSION")
        info.size = len(data)
        info.mtime = 1_700_000_000
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(buf.getvalue(), mtime=0)


def alpine310_layer():
    with gzip.open(os.path.join(DATA, "images", "alpine-310.tar.gz")) as f:
        outer = tarfile.open(fileobj=io.BytesIO(f.read()))
    manifest = json.load(outer.extractfile("manifest.json"))
    return gzip.compress(outer.extractfile(manifest[0]["Layers"][0]).read(), mtime=0)


def push_family(host, prefix, images, repos=20):
    """`images` images in `repos` repositories `PREFIX/appN` on two shared bases (alpine 3.20 minirootfs, alpine
    3.10), each with one small layer of its own. Returns [(repository, tag, manifest digest, bytes pushed)]."""
    bases = [
        open(os.path.join(DATA, "images", "alpine-minirootfs", "alpine-minirootfs-3.20.3-x86_64.tar.gz"), "rb").read(),
        alpine310_layer(),
    ]
    base_ids = [diff_id(b) for b in bases]
    tags = max(1, images // repos)
    out = []
    for r in range(repos):
        repo = f"{prefix}/app{r}"
        base = bases[r % 2]
        base_digest = put_blob(host, repo, base)
        for t in range(tags):
            own = own_layer(r, t)
            own_digest = put_blob(host, repo, own)
            config = json.dumps({
                "architecture": "amd64", "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [base_ids[r % 2], diff_id(own)]},
                "history": [{"created_by": "ADD base /"}, {"created_by": f"COPY app{r} v{t}"}],
            }).encode()
            config_digest = put_blob(host, repo, config)
            manifest = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                           "size": len(config)},
                "layers": [
                    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": base_digest,
                     "size": len(base)},
                    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": own_digest,
                     "size": len(own)},
                ],
            }).encode()
            req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/v{t}", method="PUT", data=manifest,
                                         headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
            urllib.request.urlopen(req)
            out.append((repo, f"v{t}", "sha256:" + hashlib.sha256(manifest).hexdigest(),
                        len(base) + len(own) + len(config)))
    return out


def push_batch(host, images):
    family = push_family(host, "batch", images)
    return [f"{host}/{repo}:{tag}" for repo, tag, _, _ in family], sum(n for *_, n in family)


def parse_pulled(stderr):
    m = re.search(r"; ([0-9.]+) MiB pulled", stderr)
    return float(m.group(1)) * (1 << 20) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--trawl", default=os.path.join(ROOT, "target", "release", "trawl"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--images", type=int, default=200)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="trawl-batch-")
    proc, host = start_registry(tmp)
    try:
        refs, total = push_batch(host, args.images)
        db = os.path.join(tmp, "alpine.db")
        subprocess.run([args.trawl, "db", "build", "-o", db, "--source",
                        "alpine-secdb=" + os.path.join(DATA, "advisories", "alpine", "alpine-secdb")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        trawl_times, pulled, skopeo_times = [], [], []
        for run in range(args.runs):
            cache = os.path.join(tmp, f"cache{run}")
            state = os.path.join(tmp, f"state{run}.jsonl")
            t0 = time.monotonic()
            out = subprocess.run(
                [args.trawl, "registry", "scan", host, "--tags", "all", "--parallel", "4", "--db", db,
                 "--skip-db-update", "--format", "json", "--output", os.path.join(tmp, "report.json"),
                 "--cache-dir", cache, "--resume", state, "--no-progress"],
                capture_output=True, text=True, env={**os.environ, "TRAWL_LOG": "info"})
            trawl_times.append(time.monotonic() - t0)
            if out.returncode != 0:
                sys.exit(f"trawl failed:\n{out.stderr[-2000:]}")
            pulled.append(parse_pulled(out.stderr))
            report = json.load(open(os.path.join(tmp, "report.json")))
            assert len(report["images"]) == len(refs), len(report["images"])
            layout = os.path.join(tmp, f"layout{run}")
            t0 = time.monotonic()
            for ref in refs:
                tag = ref.rsplit("/", 1)[-1].replace(":", "-")
                subprocess.run(["skopeo", "copy", "--quiet", "--src-tls-verify=false", f"docker://{ref}",
                                f"oci:{layout}:{tag}"], check=True, stdout=subprocess.DEVNULL)
            skopeo_times.append(time.monotonic() - t0)
            shutil.rmtree(layout, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
        t = statistics.median(trawl_times)
        s = statistics.median(skopeo_times)
        p = statistics.median([x for x in pulled if x is not None] or [0])
        n = len(refs)
        print(f"images: {n} ({n // 20} tags x 20 repositories, 2 shared bases); sum of image sizes {total / 2**20:.1f} MiB")
        print(f"trawl registry scan --parallel 4 (vuln+secret, cold cache): median {t:.2f} s "
              f"({n / t * 60:.0f} images/min); runs {', '.join(f'{x:.2f}' for x in trawl_times)}")
        print(f"bytes pulled by trawl: {p / 2**20:.2f} MiB = {p / total:.3%} of the sum of image sizes")
        print(f"skopeo copy of every image into one OCI layout (pull only, blobs reused): median {s:.2f} s "
              f"({n / s * 60:.0f} images/min)")
        print(f"ratio trawl scan / skopeo pull: {t / s:.2f}x")
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
