#!/usr/bin/env python3
"""Wraps real content as a `docker save` style docker-archive, for bench/scan/run.sh.

Layers, base first:
1. the real debian-bookworm-slim layer from ../shared/data/images (byte for byte, same diff ID);
2. each extra DEST=SRC_DIR argument as one layer holding SRC_DIR's tree under DEST (e.g. a real `npm install`
   tree under /app, real wheels from `pip install --target` under /usr/local/lib/python3.11/dist-packages).

Layer tars are uncompressed, as `docker save` writes them (blobs/sha256/<hex>), with manifest.json and an image
config whose rootfs.diff_ids list the layers. File times, owners and order are normalised so that the same
inputs give the same diff IDs (the layer cache then hits across runs).

Usage: make_image.py SHARED_DATA OUT.tar DEST=SRC_DIR [DEST=SRC_DIR ...]
"""

import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import tempfile

MTIME = 1_700_000_000


def normalise(ti: tarfile.TarInfo) -> tarfile.TarInfo:
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    return ti


def add_tree(t: tarfile.TarFile, src: str, dest: str) -> int:
    """Adds src's tree under dest (sorted, no symlink following); returns the number of files."""
    files = 0
    parts = dest.strip("/").split("/")
    for i in range(1, len(parts)):  # parent directories of dest
        ti = normalise(tarfile.TarInfo("/".join(parts[:i])))
        ti.type, ti.mode = tarfile.DIRTYPE, 0o755
        t.addfile(ti)
    for root, dirs, names in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        arc_dir = dest.strip("/") if rel == "." else f"{dest.strip('/')}/{rel}"
        t.add(root, arc_dir, recursive=False, filter=normalise)
        for n in sorted(names):
            t.add(os.path.join(root, n), f"{arc_dir}/{n}", recursive=False, filter=normalise)
            files += 1
    return files


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shared, out = sys.argv[1], sys.argv[2]
    extra = [a.split("=", 1) for a in sys.argv[3:]]
    tmp = tempfile.mkdtemp(prefix="trawl-bench-image-", dir=os.path.dirname(os.path.abspath(out)))
    try:
        layers = []  # (hex digest, path, description)
        with tarfile.open(os.path.join(shared, "images", "debian-bookworm-slim.tar.gz")) as t:
            manifest = json.load(t.extractfile("manifest.json"))
            base = os.path.join(tmp, "base.tar")
            with open(base, "wb") as f:
                shutil.copyfileobj(t.extractfile(manifest[0]["Layers"][0]), f)
        layers.append((sha256_file(base), base, "debian-bookworm-slim (debootstrap minbase)"))
        for dest, src in extra:
            p = os.path.join(tmp, f"layer{len(layers)}.tar")
            with tarfile.open(p, "w", format=tarfile.PAX_FORMAT) as t:
                n = add_tree(t, src, dest)
            layers.append((sha256_file(p), p, f"COPY {os.path.basename(src.rstrip('/'))} {dest} ({n} files)"))
        config = json.dumps({
            "architecture": "amd64", "os": "linux", "created": "2023-11-14T22:13:20Z",
            "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "WorkingDir": "/app"},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{d}" for d, _, _ in layers]},
            "history": [{"created": "2023-11-14T22:13:20Z", "created_by": desc} for _, _, desc in layers],
        }, sort_keys=True).encode()
        config_hex = hashlib.sha256(config).hexdigest()
        manifest = json.dumps([{
            "Config": f"blobs/sha256/{config_hex}",
            "RepoTags": ["trawl-bench/big-app:latest"],
            "Layers": [f"blobs/sha256/{d}" for d, _, _ in layers],
        }]).encode()
        part = out + ".part"
        with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as t:
            for name, data in ((f"blobs/sha256/{config_hex}", config), ("manifest.json", manifest)):
                ti = normalise(tarfile.TarInfo(name))
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            for d, p, desc in layers:
                t.add(p, f"blobs/sha256/{d}", filter=normalise)
                print(f"layer sha256:{d[:12]} {os.path.getsize(p) >> 20} MiB  {desc}", file=sys.stderr)
        os.replace(part, out)
        print(f"{out}: {len(layers)} layers, {os.path.getsize(out) >> 20} MiB", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
