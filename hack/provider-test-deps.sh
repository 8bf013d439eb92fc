#!/usr/bin/env bash
# Installs what the provider tests run against for real: BIND, Knot, PowerDNS
# (sqlite3 backend) from Debian packages, and Ory Hydra built from the Go module
# proxy. Idempotent: only missing pieces are installed or built.
set -euo pipefail

HYDRA_VERSION=v2.3.0
TOOLS_DIR="${HOMEPLANE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeplane/tools}"
mkdir -p "$TOOLS_DIR"
log() { echo "provider-test-deps: $*" >&2; }

sudo_() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

missing=()
for pair in named:bind9 named-checkconf:bind9-utils tsig-keygen:bind9-utils knotd:knot knotc:knot \
  kdig:knot-dnsutils pdns_server:pdns-server sqlite3:sqlite3; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
if ! dpkg -s pdns-backend-sqlite3 >/dev/null 2>&1; then missing+=(pdns-backend-sqlite3); fi
if ((${#missing[@]})); then
  # Debian's maintainer scripts start the daemons on install; the tests start
  # their own on loopback, so a policy-rc.d that exits 101 stops that.
  had_policy=0
  if [[ -e /usr/sbin/policy-rc.d ]]; then had_policy=1; fi
  if ((!had_policy)); then
    printf '#!/bin/sh\nexit 101\n' | sudo_ tee /usr/sbin/policy-rc.d >/dev/null
    sudo_ chmod +x /usr/sbin/policy-rc.d
  fi
  log "installing ${missing[*]}"
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  # shellcheck disable=SC2046
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $(printf '%s\n' "${missing[@]}" | sort -u) >&2
  if ((!had_policy)); then sudo_ rm -f /usr/sbin/policy-rc.d; fi
fi

hydra="$TOOLS_DIR/hydra-$HYDRA_VERSION"
if [[ ! -x "$hydra" ]]; then
  log "building hydra $HYDRA_VERSION (several minutes on first run)"
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  cat >"$src/go.mod" <<MOD
module homeplane.dev/tools/hydra

go 1.25

replace github.com/gobuffalo/pop/v6 => github.com/ory/pop/v6 v6.2.1-0.20241121111754-e5dfc0f3344b
MOD
  printf 'package tools\n\nimport _ "github.com/ory/hydra/v2"\n' >"$src/tools.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "github.com/ory/hydra/v2@$HYDRA_VERSION" >&2 \
    && go build -tags sqlite -trimpath -o "$hydra.tmp" github.com/ory/hydra/v2 >&2)
  mv "$hydra.tmp" "$hydra"
  log "built $hydra"
fi
echo "provider-test-deps: ok (hydra at $hydra)" >&2
