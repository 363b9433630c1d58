#!/usr/bin/env bash
# Installs trawl for the composite action: either a binary given by the workflow (TRAWL_BIN) or a pinned release
# archive whose sha256 must be listed in action/checksums.txt. Writes `bin` and `date` to $GITHUB_OUTPUT.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${GITHUB_OUTPUT:-/dev/null}
echo "date=$(date -u +%Y-%m-%d)" >>"$out"

if [ -n "${TRAWL_BIN:-}" ]; then
  if [ ! -x "$TRAWL_BIN" ]; then
    echo "::error::trawl-bin '$TRAWL_BIN' is not an executable file" >&2
    exit 1
  fi
  echo "bin=$TRAWL_BIN" >>"$out"
  "$TRAWL_BIN" --version
  exit 0
fi

version=${TRAWL_VERSION:?version is required}
case "$version" in
  *[!0-9A-Za-z.+-]*|latest|"") echo "::error::version must be an exact release number, got '$version'" >&2; exit 1 ;;
esac
arch=$(uname -m)
case "$arch" in
  x86_64|amd64) target=x86_64-unknown-linux-musl ;;
  aarch64|arm64) target=aarch64-unknown-linux-musl ;;
  *) echo "::error::no trawl release for architecture $arch" >&2; exit 1 ;;
esac
file="trawl-${version}-${target}.tar.gz"
checksums=${TRAWL_CHECKSUMS:-$here/checksums.txt}
want=$(awk -v f="$file" '$0 !~ /^#/ && $2 == f { print $1 }' "$checksums")
if [ -z "$want" ]; then
  echo "::error::no pinned checksum for $file in $checksums: refusing to install an unverified release" >&2
  exit 1
fi
base=${TRAWL_RELEASE_BASE:?}
dest=${RUNNER_TEMP:-/tmp}/trawl-$version
mkdir -p "$dest"
curl --fail --silent --show-error --location --retry 3 --proto '=https,file' -o "$dest/$file" "$base/v$version/$file"
got=$(sha256sum "$dest/$file" | cut -d' ' -f1)
if [ "$got" != "$want" ]; then
  rm -f "$dest/$file"
  echo "::error::checksum mismatch for $file: expected $want, got $got" >&2
  exit 1
fi
tar -xzf "$dest/$file" -C "$dest"
chmod +x "$dest/trawl"
echo "bin=$dest/trawl" >>"$out"
"$dest/trawl" --version
