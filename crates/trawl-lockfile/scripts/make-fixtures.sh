#!/usr/bin/env bash
# Builds real language fixtures with the real tools into OUT (default: target/lang-fixtures).
#
# Every lockfile, metadata directory, binary and archive here is produced by the ecosystem's own tool from the
# public registries (npm, PyPI, crates.io) or taken from Debian packages (jars, poms, gemspecs, the Go toolchain).
# Versions are pinned so the output is stable. Idempotent: each step is skipped when its output exists, so a CI
# run with a warm target/ costs nothing. The small lockfiles are also committed under tests/data/ (copied by
# `--commit`); the big trees (node_modules, site-packages, binaries, jars) stay in OUT only.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
out="${1:-$repo/target/lang-fixtures}"
commit="${2:-}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 SYFT_CHECK_FOR_APP_UPDATE=false
log() { echo "[lang-fixtures] $*" >&2; }

# ---------------------------------------------------------------- node
node_pkg='{
  "name": "fixture-app",
  "version": "1.0.0",
  "private": true,
  "dependencies": { "express": "4.17.1", "@babel/helper-validator-identifier": "7.22.20", "lodash": "4.17.20" },
  "devDependencies": { "ms": "2.1.3", "minimist": "1.2.5" }
}'
mk_node() { # dir
  mkdir -p "$1"
  printf '%s\n' "$node_pkg" >"$1/package.json"
}
if [ ! -f "$out/npm-v3/package-lock.json" ]; then
  log "npm lockfile v3 (+ node_modules)"
  mk_node "$out/npm-v3"
  (cd "$out/npm-v3" && npm install --ignore-scripts --no-audit --silent >/dev/null)
fi
if [ ! -f "$out/npm-v2/package-lock.json" ]; then
  log "npm lockfile v2"
  mk_node "$out/npm-v2"
  (cd "$out/npm-v2" && npm install --package-lock-only --lockfile-version 2 --ignore-scripts --silent >/dev/null)
fi
if [ ! -f "$out/npm-v1/package-lock.json" ]; then
  log "npm lockfile v1 (npm 6)"
  mk_node "$out/npm-v1"
  (cd "$out/npm-v1" && npx -y npm@6.14.18 install --package-lock-only --ignore-scripts --silent >/dev/null 2>&1)
fi
if [ ! -f "$out/yarn-classic/yarn.lock" ]; then
  log "yarn classic"
  mk_node "$out/yarn-classic"
  (cd "$out/yarn-classic" && npx -y yarn@1.22.22 install --ignore-scripts --silent --no-progress >/dev/null 2>&1)
fi
if [ ! -f "$out/yarn-berry/yarn.lock" ]; then
  log "yarn berry"
  mk_node "$out/yarn-berry"
  # repo.yarnpkg.com (corepack's source) is not reachable: take yarn berry from the npm registry
  mkdir -p "$out/yarn-tool"
  (cd "$out/yarn-tool" && npm install --silent @yarnpkg/cli-dist@4.5.3 >/dev/null 2>&1)
  (cd "$out/yarn-berry" && touch yarn.lock &&
    node "$out/yarn-tool/node_modules/@yarnpkg/cli-dist/bin/yarn.js" install --mode=update-lockfile >/dev/null 2>&1)
fi
for v in 9.15.0:pnpm-v9 8.15.9:pnpm-v6 7.33.7:pnpm-v5; do
  ver="${v%%:*}"
  dir="$out/${v##*:}"
  if [ ! -f "$dir/pnpm-lock.yaml" ]; then
    log "pnpm $ver"
    mk_node "$dir"
    (cd "$dir" && npx -y "pnpm@$ver" install --lockfile-only --ignore-scripts >/dev/null 2>&1)
  fi
done
if [ ! -f "$out/bun/bun.lock" ]; then
  log "bun"
  mk_node "$out/bun"
  mkdir -p "$out/bun-tool"
  (cd "$out/bun-tool" && npm install --silent bun@1.2.2 >/dev/null 2>&1)
  (cd "$out/bun" && "$out/bun-tool/node_modules/.bin/bun" install --lockfile-only --save-text-lockfile >/dev/null 2>&1)
fi
if [ ! -x "$out/esbuild/node_modules/@esbuild/linux-x64/bin/esbuild" ]; then
  log "esbuild (a real Go binary)"
  mkdir -p "$out/esbuild"
  (cd "$out/esbuild" && npm install --ignore-scripts --silent esbuild@0.19.2 >/dev/null)
fi

if [ ! -x "$out/esbuild-old/node_modules/esbuild-linux-64/bin/esbuild" ]; then
  log "esbuild 0.8.57 (a Go 1.16 binary: the pre-1.18 pointer build-info format)"
  mkdir -p "$out/esbuild-old"
  (cd "$out/esbuild-old" && npm install --ignore-scripts --silent esbuild-linux-64@0.8.57 >/dev/null)
fi

# ---------------------------------------------------------------- python
py_reqs=(requests==2.25.0 urllib3==1.26.4 Jinja2==2.11.2 PyYAML==5.3.1 zipp==3.1.0)
if [ ! -d "$out/pip-target" ]; then
  log "pip install --target (dist-info)"
  python3 -m pip install -q --disable-pip-version-check --no-deps --only-binary=:all: --target "$out/pip-target.tmp" \
    "${py_reqs[@]}" certifi==2020.12.5 chardet==3.0.4 idna==2.10 MarkupSafe==1.1.1 >/dev/null 2>&1 ||
    python3 -m pip install -q --disable-pip-version-check --no-deps --target "$out/pip-target.tmp" \
      "${py_reqs[@]}" certifi==2020.12.5 chardet==3.0.4 idna==2.10 MarkupSafe==1.1.1 >/dev/null
  mv "$out/pip-target.tmp" "$out/pip-target"
fi
if [ ! -f "$out/requirements/requirements.txt" ]; then
  log "pip freeze"
  mkdir -p "$out/requirements"
  python3 -m pip freeze --path "$out/pip-target" >"$out/requirements/requirements.txt"
fi
py_project() { # dir tool
  mkdir -p "$1"
  cat >"$1/pyproject.toml" <<'EOF'
[project]
name = "fixture-app"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["requests==2.25.0", "Jinja2==2.11.2"]

[dependency-groups]
dev = ["pytest==7.4.0"]

[tool.poetry]
package-mode = false

[tool.uv]
package = false
EOF
}
if [ ! -f "$out/poetry/poetry.lock" ]; then
  log "poetry lock"
  py_project "$out/poetry"
  # only the simple index of PyPI is reachable here (the JSON API is not): make it poetry's primary source
  sed -i '/^\[dependency-groups\]/,/^$/d' "$out/poetry/pyproject.toml"
  cat >>"$out/poetry/pyproject.toml" <<'EOF'

[tool.poetry.group.dev.dependencies]
pytest = "7.4.0"

[[tool.poetry.source]]
name = "pypi-simple"
url = "https://pypi.org/simple/"
priority = "primary"
EOF
  (cd "$out/poetry" && poetry lock --no-interaction >/dev/null 2>&1)
fi
if [ ! -f "$out/uv/uv.lock" ]; then
  log "uv lock"
  py_project "$out/uv"
  (cd "$out/uv" && uv lock -q)
fi
# PEP 751 pylock.toml exported by uv from the same lock: with the dev group, and without (`--no-dev`).
if [ ! -f "$out/uv/pylock.prod.toml" ]; then
  log "uv export --format pylock.toml"
  (cd "$out/uv" && uv export -q --frozen --format pylock.toml -o pylock.toml &&
    uv export -q --frozen --no-dev --format pylock.toml -o pylock.prod.toml)
fi
# pdm: no working pdm here (its current release breaks on its own hishel dependency); pdm.lock is tested with
# a hand-written sample in tests/data/python/pdm-lock.
if [ ! -f "$out/pipenv/Pipfile.lock" ] && command -v pipenv >/dev/null; then
  log "pipenv lock"
  mkdir -p "$out/pipenv"
  cat >"$out/pipenv/Pipfile" <<'EOF'
[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
requests = "==2.25.0"

[dev-packages]
pytest = "==7.4.0"
EOF
  (cd "$out/pipenv" && PIPENV_VENV_IN_PROJECT=0 pipenv lock >/dev/null 2>&1) || true
fi

# ---------------------------------------------------------------- rust
if [ ! -f "$out/cargo/Cargo.lock" ]; then
  log "cargo generate-lockfile"
  mkdir -p "$out/cargo/src"
  cat >"$out/cargo/Cargo.toml" <<'EOF'
[package]
name = "fixture-app"
version = "0.1.0"
edition = "2021"

[dependencies]
smallvec = "=1.6.0"
time = "=0.1.43"

[dev-dependencies]
hex = "=0.4.3"

[workspace]
EOF
  echo 'fn main() {}' >"$out/cargo/src/main.rs"
  (cd "$out/cargo" && cargo generate-lockfile -q)
fi

if [ ! -x "$out/auditable/fixture-app" ]; then
  log "cargo auditable build (cargo-auditable from crates.io)"
  [ -x "$out/tools/bin/cargo-auditable" ] ||
    cargo install -q --locked --root "$out/tools" cargo-auditable@0.7.7 >/dev/null
  mkdir -p "$out/auditable"
  (cd "$out/cargo" && PATH="$out/tools/bin:$PATH" CARGO_TARGET_DIR="$out/auditable/target" cargo auditable build -q &&
    cp "$out/auditable/target/debug/fixture-app" "$out/auditable/fixture-app" &&
    cargo tree -q -e normal --prefix none --format '{p}' --target x86_64-unknown-linux-gnu |
    sed 's/ (\*)$//; s/ (\/.*)$//' | sort -u >"$out/auditable/cargo-tree.txt")
fi

# ---------------------------------------------------------------- go
if [ ! -f "$out/go/go.mod" ]; then
  log "go.mod (go mod edit: no module proxy needed)"
  mkdir -p "$out/go"
  (cd "$out/go" && go mod init example.com/fixture >/dev/null 2>&1 &&
    go mod edit -require=golang.org/x/text@v0.3.7 -require=github.com/gorilla/mux@v1.8.0 \
      -require=golang.org/x/net@v0.0.0-20220722155237-a158d28d115b \
      -replace=github.com/gorilla/mux=github.com/gorilla/mux@v1.7.4 &&
    go mod edit -go=1.19)
  # mark one requirement indirect, as `go mod tidy` would
  sed -i 's|golang.org/x/net v0.0.0-20220722155237-a158d28d115b|& // indirect|' "$out/go/go.mod"
fi
if [ ! -x "$out/gobin/hello" ]; then
  log "go build (stdlib only)"
  mkdir -p "$out/gobin"
  cat >"$out/gobin/main.go" <<'EOF'
package main

import (
	"fmt"
	"net/http"
)

func main() { fmt.Println(http.StatusOK) }
EOF
  (cd "$out/gobin" && go mod init example.com/hello >/dev/null 2>&1 && CGO_ENABLED=0 go build -o hello . &&
    CGO_ENABLED=0 go build -ldflags=-s -o hello-stripped .)
fi

# ---------------------------------------------------------------- java
if [ ! -f "$out/java/app.war" ]; then
  log "jars from Debian + a war with nested jars (jar tool)"
  mkdir -p "$out/java/war/WEB-INF/lib" "$out/java/war/WEB-INF/classes"
  cp /usr/share/maven/lib/commons-io.jar "$out/java/commons-io-2.11.0.jar"
  cp /usr/share/maven/lib/guava.jar "$out/java/guava.jar"
  cp /usr/share/maven/lib/commons-lang3.jar "$out/java/war/WEB-INF/lib/"
  cp /usr/share/maven/lib/commons-cli.jar "$out/java/war/WEB-INF/lib/"
  echo 'hello' >"$out/java/war/WEB-INF/classes/app.txt"
  (cd "$out/java/war" && jar cf ../app.war .)
fi

# ---------------------------------------------------------------- ruby
if [ ! -f "$out/bundler/Gemfile.lock" ] && command -v bundle >/dev/null; then
  log "bundle lock --local (Debian's bundler, resolving against the gems Debian's ruby ships)"
  mkdir -p "$out/bundler"
  printf 'source "https://rubygems.org"\ngem "rake"\ngem "json"\ngem "minitest", group: :test\n' >"$out/bundler/Gemfile"
  (cd "$out/bundler" && bundle lock --local >/dev/null 2>&1)
fi

# ---------------------------------------------------------------- oracles: what the tools themselves say
[ -f "$out/cargo/cargo-tree.txt" ] ||
  (cd "$out/cargo" && cargo tree -q --prefix none --format '{p}' -e normal,build,dev --target all |
    sed 's/ (\*)$//; s/ (proc-macro)$//; s/ (\/.*)$//' | sort -u >cargo-tree.tmp && mv cargo-tree.tmp cargo-tree.txt)
[ -f "$out/go/go-mod-edit.json" ] || (cd "$out/go" && go mod edit -json >go-mod-edit.json)
[ -f "$out/gobin/hello.version-m.txt" ] || go version -m "$out/gobin/hello" >"$out/gobin/hello.version-m.txt"
[ -f "$out/esbuild-old/esbuild.version-m.txt" ] ||
  go version -m "$out/esbuild-old/node_modules/esbuild-linux-64/bin/esbuild" >"$out/esbuild-old/esbuild.version-m.txt"
[ -f "$out/esbuild/esbuild.version-m.txt" ] ||
  go version -m "$out/esbuild/node_modules/@esbuild/linux-x64/bin/esbuild" >"$out/esbuild/esbuild.version-m.txt"

# ---------------------------------------------------------------- commit the small lockfiles
if [ "$commit" = "--commit" ]; then
  d="$here/../tests/data"
  cpf() { mkdir -p "$(dirname "$2")" && cp "$1" "$2"; }
  cpf "$out/npm-v3/package-lock.json" "$d/node/package-lock/v3.json"
  cpf "$out/npm-v2/package-lock.json" "$d/node/package-lock/v2.json"
  cpf "$out/npm-v1/package-lock.json" "$d/node/package-lock/v1.json"
  cpf "$out/yarn-classic/yarn.lock" "$d/node/yarn-lock/classic.lock"
  cpf "$out/yarn-berry/yarn.lock" "$d/node/yarn-lock/berry.lock"
  for v in v9 v6 v5; do cpf "$out/pnpm-$v/pnpm-lock.yaml" "$d/node/pnpm-lock/$v.yaml"; done
  [ -f "$out/bun/bun.lock" ] && cpf "$out/bun/bun.lock" "$d/node/bun-lock/happy.lock"
  cpf "$out/requirements/requirements.txt" "$d/python/requirements/freeze.txt"
  cpf "$out/poetry/poetry.lock" "$d/python/poetry-lock/happy.lock"
  cpf "$out/uv/uv.lock" "$d/python/uv-lock/happy.lock"
  cpf "$out/uv/pylock.toml" "$d/python/pylock/uv.pylock.toml"
  cpf "$out/uv/pylock.prod.toml" "$d/python/pylock/uv-no-dev.pylock.toml"
  [ -f "$out/pipenv/Pipfile.lock" ] && cpf "$out/pipenv/Pipfile.lock" "$d/python/pipfile-lock/happy.json"
  cpf "$out/pip-target/requests-2.25.0.dist-info/METADATA" "$d/python/dist-info/requests.METADATA"
  cpf "$out/cargo/Cargo.lock" "$d/rust/cargo-lock/happy.lock"
  [ -f "$out/bundler/Gemfile.lock" ] && cpf "$out/bundler/Gemfile.lock" "$d/ruby/gemfile-lock/happy.lock"
  cpf "$out/go/go.mod" "$d/go/mod/happy.mod"
  cpf "$out/go/go-mod-edit.json" "$d/go/mod/happy.go-mod-edit.json"
  cpf "$out/cargo/cargo-tree.txt" "$d/rust/cargo-lock/happy.cargo-tree.txt"
fi
log "done: $out"
