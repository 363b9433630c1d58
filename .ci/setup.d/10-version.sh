#!/usr/bin/env bash
# Reference implementations for trawl-version's differential tests (crates/trawl-version/tests/differential):
# dpkg + Dpkg::Version, rpm's Python binding, Python `packaging`, node-semver, Maven's ComparableVersion (Debian's
# maven-artifact jar) and RubyGems. Idempotent; quick when everything is present.
set -euo pipefail
cd "$(dirname "$0")/../.."
need_apt=()
command -v dpkg >/dev/null || need_apt+=(dpkg)
perl -MDpkg::Version -e1 2>/dev/null || need_apt+=(libdpkg-perl)
/usr/bin/python3 -c 'import rpm' 2>/dev/null || need_apt+=(python3-rpm)
command -v ruby >/dev/null || need_apt+=(ruby)
command -v java >/dev/null || need_apt+=(default-jre-headless)
[ -e /usr/share/java/maven3-artifact.jar ] || need_apt+=(libmaven3-core-java)
[ -e /usr/share/java/commons-lang3.jar ] || need_apt+=(libcommons-lang3-java)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
python3 -c 'import packaging.version' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check packaging
# node-semver, pinned, into the target dir (never the repository).
oracles=target/trawl-version-oracles
if [ ! -f "$oracles/node_modules/semver/package.json" ]; then
  mkdir -p "$oracles"
  npm install --silent --no-audit --no-fund --prefix "$oracles" semver@7.8.6 >/dev/null
fi
