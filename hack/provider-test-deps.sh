#!/usr/bin/env bash
# Installs the DNS servers the provider and e2e tests run against for real:
# BIND, Knot, PowerDNS (sqlite3 backend) from Debian packages. Idempotent: only
# missing packages are installed. (Ory Hydra is built by internal/tools.)
set -euo pipefail

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

echo "provider-test-deps: DNS servers installed" >&2
