#!/usr/bin/env python3
"""Assembles a >= 1 GiB (uncompressed) OCI image layout from real layers, for bench/inventory/run.sh.

Layers, base first:
- N variants of the real debian-bookworm-slim layer (../shared/data/images): each is the real layer tar with one
  marker file prepended (so every variant has its own diff ID and is analysed, not deduplicated), gzip'd;
- every real Alpine minirootfs tarball (../shared/data/images/alpine-minirootfs), used as is (they are gzip'd
  tars, i.e. valid layer blobs).

Usage: make_big_image.py SHARED_DATA OUT_DIR [DEBIAN_VARIANTS]
"""

import gzip
import hashlib
import io
import json
import os
import sys
import tarfile
import zlib


def sha256(b: bytes) -> str:
    return "sha256:" + hashlib.sha256(b).hexdigest()


def write_blob(out: str, data: bytes) -> str:
    d = sha256(data)
    p = os.path.join(out, "blobs", "sha256", d[7:])
    if not os.path.exists(p):
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.rename(p + ".tmp", p)
    return d


def marker_entry(i: int) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        data = f"trawl bench variant {i}\n".encode()
        ti = tarfile.TarInfo(f"etc/trawl-bench-variant-{i}")
        ti.size = len(data)
        ti.mtime = 1_700_000_000
        t.addfile(ti, io.BytesIO(data))
    raw = buf.getvalue()
    # Keep only the member (header + padded data), not the end-of-archive blocks.
    return raw[: 512 + ((len(data) + 511) // 512) * 512]


def main() -> None:
    shared, out = sys.argv[1], sys.argv[2]
    variants = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with tarfile.open(os.path.join(shared, "images", "debian-bookworm-slim.tar.gz")) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        base = t.extractfile(manifest[0]["Layers"][0]).read()
    layers, diff_ids, history = [], [], []
    total = 0
    for i in range(variants):
        tar = marker_entry(i) + base
        blob = gzip.compress(tar, compresslevel=1, mtime=0)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": write_blob(out, blob), "size": len(blob)})
        diff_ids.append(sha256(tar))
        total += len(tar)
        history.append({"created_by": f"debian-bookworm-slim variant {i}"})
        print(f"layer {len(layers) - 1}: debian variant {i} ({len(tar) >> 20} MiB)", file=sys.stderr)
    mini = os.path.join(shared, "images", "alpine-minirootfs")
    for name in sorted(os.listdir(mini)):
        if not name.endswith(".tar.gz"):
            continue
        blob = open(os.path.join(mini, name), "rb").read()
        tar = zlib.decompress(blob, 16 + zlib.MAX_WBITS)
        layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": write_blob(out, blob), "size": len(blob)})
        diff_ids.append(sha256(tar))
        total += len(tar)
        history.append({"created_by": f"ADD {name} /"})
        print(f"layer {len(layers) - 1}: {name} ({len(tar) >> 20} MiB)", file=sys.stderr)
    config = json.dumps({
        "architecture": "amd64", "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }).encode()
    cd = write_blob(out, config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
        "layers": layers,
    }).encode()
    md = write_blob(out, manifest)
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "trawl-bench:big"},
    }]}
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    print(f"{len(layers)} layers, {total / 2**30:.2f} GiB uncompressed", file=sys.stderr)


if __name__ == "__main__":
    main()
