#!/usr/bin/env bash
# Builds pinned tools from the Go module proxy into a cache outside the checkout,
# keyed by name and version, so fresh clones (CI) reuse them.
#
#   hack/tools.sh            build every tool (no-op when cached)
#   hack/tools.sh path NAME  print the binary path of NAME (building it if needed)
#
# Overrides: HOMEPLANE_TOOLS_DIR (cache root), CROSSPLANE, CROSSPLANE_CORE,
# CONTROLLER_GEN (use an existing binary).
set -euo pipefail

CROSSPLANE_CLI_VERSION=v2.5.0
CROSSPLANE_CORE_VERSION=v2.4.2
CROSSPLANE_APIS_VERSION=v2.4.0
CROSSPLANE_RUNTIME_VERSION=v2.4.0
CONTROLLER_TOOLS_VERSION=v0.20.0

TOOLS_DIR="${HOMEPLANE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeplane/tools}"
mkdir -p "$TOOLS_DIR"

log() { echo "tools: $*" >&2; }

# wrapper NAME VERSION PKG GO_MOD_EXTRA GET_ARGS...
# Builds PKG through a throwaway wrapper module, because `go install pkg@version`
# asks the proxy for version lists that it refuses here.
wrapper() {
  local name=$1 version=$2 pkg=$3 extra=$4; shift 4
  local out="$TOOLS_DIR/$name-$version"
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  local src; src=$(mktemp -d)
  log "building $name $version (first build can take several minutes)"
  local start=$SECONDS
  cat >"$src/go.mod" <<MOD
module homeplane.dev/tools/$name

go 1.25
$extra
MOD
  printf 'package tools\n\nimport _ "%s"\n' "$pkg" >"$src/tools.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "$@" >&2 && go mod download >&2 \
    && CGO_ENABLED=0 go build -trimpath -ldflags "${LDFLAGS:-}" -o "$out.tmp" "$pkg" >&2)
  rm -rf "$src"
  mv "$out.tmp" "$out"
  log "built $name $version in $((SECONDS - start))s"
  echo "$out"
}

crossplane() {
  if [[ -n "${CROSSPLANE:-}" ]]; then echo "$CROSSPLANE"; return; fi
  wrapper crossplane "$CROSSPLANE_CLI_VERSION" github.com/crossplane/cli/v2/cmd/crossplane "" \
    "github.com/crossplane/cli/v2/cmd/crossplane@$CROSSPLANE_CLI_VERSION"
}

crossplane_core() {
  if [[ -n "${CROSSPLANE_CORE:-}" ]]; then echo "$CROSSPLANE_CORE"; return; fi
  # Core's go.mod replaces apis/v2 with a local path; pin what it needs instead.
  wrapper crossplane-core "$CROSSPLANE_CORE_VERSION" github.com/crossplane/crossplane/v2/cmd/crossplane \
    "replace github.com/crossplane/crossplane-runtime/v2 => github.com/crossplane/crossplane-runtime/v2 $CROSSPLANE_RUNTIME_VERSION" \
    "github.com/crossplane/crossplane/v2/cmd/crossplane@$CROSSPLANE_CORE_VERSION" \
    "github.com/crossplane/crossplane/apis/v2@$CROSSPLANE_APIS_VERSION"
}

controller_gen() {
  if [[ -n "${CONTROLLER_GEN:-}" ]]; then echo "$CONTROLLER_GEN"; return; fi
  wrapper controller-gen "$CONTROLLER_TOOLS_VERSION" sigs.k8s.io/controller-tools/cmd/controller-gen "" \
    "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION"
}

case "${1:-all}" in
  all) controller_gen >/dev/null; crossplane >/dev/null; crossplane_core >/dev/null ;;
  path)
    case "${2:?tool name}" in
      crossplane) crossplane ;;
      crossplane-core) crossplane_core ;;
      controller-gen) controller_gen ;;
      *) echo "unknown tool $2" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 [all|path NAME]" >&2; exit 2 ;;
esac
