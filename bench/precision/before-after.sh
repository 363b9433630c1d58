#!/usr/bin/env bash
# Findings by status on every shared image, for two trawl binaries (issue #18: "nothing that was a true finding
# disappears without a stated reason").
#
#   bench/precision/before-after.sh BEFORE_BIN AFTER_BIN [OUT_DIR]
#
# Each binary builds its own DB (the DB schema changes between them) from the same real feeds in ../shared/data,
# then scans every image; the table gives, per image, the count of findings by status (and by the vendor's word
# when the binary reports one), and the findings present in one run and not the other are listed by
# (package, ID, before status -> after status).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
data="${TRAWL_SHARED_DATA:-$root/../shared/data}"
before="$(realpath "$1")"
after="$(realpath "$2")"
out="${3:-$root/target/precision}"
mkdir -p "$out"
export NO_COLOR=1 TRAWL_LOG=error

feeds=(
  --source "alpine-secdb=$data/advisories/alpine/alpine-secdb"
  --source "debian-tracker=$data/advisories/debian/security-tracker-mirror"
  --source "debian-tracker=$data/advisories/debian/cve-list-excerpt"
  --source "debian-tracker=$data/advisories/debian/vunnel-fixtures/input/debian.json"
  --source "debian-tracker=$data/advisories/debian/vuln-list-debian/tracker"
  --source "osv=$data/advisories/go-vulndb/osv"
  --source "cve5=$data/advisories/cve/cvelistV5"
  --source "kev=$data/advisories/kev/known_exploited_vulnerabilities.json"
)

# The minirootfs tarballs (and busybox's uclibc one) are root filesystems, not images: unpacked once.
rootfs="$out/rootfs"
if [ ! -d "$rootfs" ]; then
  mkdir -p "$rootfs.tmp"
  for t in "$data"/images/alpine-minirootfs/alpine-minirootfs-*-x86_64.tar.gz; do
    n="$(basename "$t" -x86_64.tar.gz)"
    mkdir -p "$rootfs.tmp/$n"
    tar -xzf "$t" -C "$rootfs.tmp/$n" --no-same-owner --no-same-permissions 2>/dev/null || true
  done
  mkdir -p "$rootfs.tmp/busybox-uclibc"
  tar -xzf "$data/images/busybox/busybox-latest-uclibc-amd64-rootfs.tar.gz" -C "$rootfs.tmp/busybox-uclibc" \
    --no-same-owner --no-same-permissions 2>/dev/null || true
  mv "$rootfs.tmp" "$rootfs"
fi

targets=()
for i in alpine-310.tar.gz alpine-311.tar.gz debian-bookworm-slim.tar.gz; do
  targets+=("image:$data/images/$i")
done
for d in "$data"/images/busybox/oci-layout/*/; do targets+=("image:${d%/}"); done
for d in "$rootfs"/*; do targets+=("rootfs:$d"); done

for side in before after; do
  bin="$before"
  [ "$side" = after ] && bin="$after"
  "$bin" db build -o "$out/$side.db" "${feeds[@]}" >/dev/null
  for t in "${targets[@]}"; do
    kind="${t%%:*}"
    path="${t#*:}"
    name="$(basename "$path")"
    name="${name%.tar.gz}"
    if [ "$kind" = image ]; then
      "$bin" image --input "$path" --db "$out/$side.db" --cache-dir "$out/cache-$side" \
        --scanners vuln --format json -o "$out/$side-$name.json"
    else
      "$bin" rootfs "$path" --db "$out/$side.db" --cache-dir "$out/cache-$side" \
        --scanners vuln --format json -o "$out/$side-$name.json"
    fi
  done
done

python3 - "$out" <<'EOF'
import collections, glob, json, os, sys

out = sys.argv[1]

def load(path):
    with open(path) as f:
        r = json.load(f)
    found = {}
    for res in r.get("results") or []:
        for v in res.get("vulnerabilities") or []:
            status = v.get("status") or "?"
            if v.get("suppressed"):
                status += " (suppressed)"
            key = (v.get("pkg_name"), v.get("installed_version"), v.get("id"))
            found[key] = (status, v.get("vendor_status"), v.get("fixed_version"))
    return found

names = sorted({os.path.basename(p)[len("after-"):-len(".json")] for p in glob.glob(f"{out}/after-*.json")})
print("| target | before | after | after, by vendor word |")
print("|---|---|---|---|")
changes = []
for n in names:
    b = load(f"{out}/before-{n}.json")
    a = load(f"{out}/after-{n}.json")
    def counts(d):
        c = collections.Counter(s for s, _, _ in d.values())
        return ", ".join(f"{k} {c[k]}" for k in sorted(c)) + f" (total {sum(c.values())})"
    words = collections.Counter(w for _, w, _ in a.values() if w)
    print(f"| {n} | {counts(b)} | {counts(a)} | {', '.join(f'{k} {words[k]}' for k in sorted(words)) or '-'} |")
    for k in sorted(set(b) | set(a), key=str):
        bs, as_ = b.get(k), a.get(k)
        if bs is None or as_ is None or bs[0] != as_[0] or bs[2] != as_[2]:
            changes.append((n, k, bs, as_))
print()
print(f"{len(changes)} findings changed (target, package, version, ID: before -> after [status, vendor word, fixed]):")
for n, k, bs, as_ in changes:
    print(f"- {n} {k[0]} {k[1]} {k[2]}: {bs} -> {as_}")
EOF
