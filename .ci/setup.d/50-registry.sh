#!/usr/bin/env bash
# Registry tests: Debian's docker-registry (distribution 2.8), skopeo to push images, openssl for TLS registries,
# and htpasswd (apache2-utils)
# to write bcrypt entries for the basic-auth registry.
set -euo pipefail
need_apt=()
[ -x /usr/bin/docker-registry ] || need_apt+=(docker-registry)
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
