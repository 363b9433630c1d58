#!/usr/bin/env python3
"""Wraps an official Alpine minirootfs tarball as a one-layer `docker save` archive (gzip'd), for the README's quick
start: tests/data/images/alpine-3.7.3.tar.gz is made with

    python3 scripts/make-quickstart-image.py \
        ../shared/data/images/alpine-minirootfs/alpine-minirootfs-3.7.3-x86_64.tar.gz \
        tests/data/images/alpine-3.7.3.tar.gz alpine:3.7.3

The layer is the minirootfs's own tar, byte for byte; only the manifest and config around it are written here.
"""
import gzip
import hashlib
import io
import json
import sys
import tarfile


def main(rootfs, out, tag):
    layer = gzip.decompress(open(rootfs, "rb").read())
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2019-03-07T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2019-03-07T00:00:00Z", "created_by": f"ADD {rootfs.rsplit('/', 1)[-1]} /"}],
    }
    config_bytes = json.dumps(config, sort_keys=True).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    layer_name = diff_id.split(":")[1] + "/layer.tar"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": [layer_name]}]).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in ((layer_name, layer), (config_name, config_bytes), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    with open(out, "wb") as f:
        f.write(gzip.compress(buf.getvalue(), mtime=0))


if __name__ == "__main__":
    main(*sys.argv[1:4])
