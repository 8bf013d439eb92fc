#!/usr/bin/env bash
# Builds the control-plane binaries the e2e suite runs on loopback (etcd,
# kube-apiserver, kube-controller-manager, and Crossplane core linked with its
# release version) from the Go module proxy into the
# same cache as hack/tools.sh, keyed by name and version. A cached binary is
# never rebuilt, so only the first run on a machine pays (~15 min on 2 cores).
#
#   hack/e2e-tools.sh            build every binary (no-op when cached)
#   hack/e2e-tools.sh path NAME  print the binary path of NAME (building it if needed)
#
# Overrides: HOMEPLANE_TOOLS_DIR (cache root), ETCD, KUBE_APISERVER,
# KUBE_CONTROLLER_MANAGER, CROSSPLANE_CORE_E2E (use an existing binary). Builds run one at a time
# under `nice` (E2E_TOOLS_NICE, default 10) because machines are shared.
set -euo pipefail

ETCD_VERSION=v3.6.16
KUBERNETES_VERSION=v1.35.4
KUBE_STAGING_VERSION=v0.35.4 # k8s.io/X staging modules released with $KUBERNETES_VERSION
# Same pins as hack/tools.sh's crossplane-core.
CROSSPLANE_CORE_VERSION=v2.4.2
CROSSPLANE_APIS_VERSION=v2.4.0
CROSSPLANE_RUNTIME_VERSION=v2.4.0

TOOLS_DIR="${HOMEPLANE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/homeplane/tools}"
NICE="${E2E_TOOLS_NICE:-10}"
mkdir -p "$TOOLS_DIR"

log() { echo "e2e-tools: $*" >&2; }

CLEANUP=()
trap 'rm -rf "${CLEANUP[@]}"' EXIT

# One build at a time per cache, also across concurrent callers.
lock() { exec 9>"$TOOLS_DIR/.e2e-tools.lock"; flock 9; }

# build_in DIR OUT PKG LDFLAGS: go build PKG from wrapper module DIR to OUT.
build_in() {
  local dir=$1 out=$2 pkg=$3 ldflags=$4
  (cd "$dir" && CGO_ENABLED=0 nice -n "$NICE" go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg" >&2)
  mv "$out.tmp" "$out"
}

etcd() {
  if [[ -n "${ETCD:-}" ]]; then echo "$ETCD"; return; fi
  local out="$TOOLS_DIR/etcd-$ETCD_VERSION"
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  lock
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  local src; src=$(mktemp -d); CLEANUP+=("$src")
  log "building etcd $ETCD_VERSION (first build takes a few minutes)"
  local start=$SECONDS
  # etcd's own main module replaces its sibling modules with local paths, so
  # the binary is built from a wrapper main that calls etcdmain like etcd's.
  cat >"$src/go.mod" <<MOD
module homeplane.dev/tools/etcd

go 1.25
MOD
  cat >"$src/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$src" && GOFLAGS=-mod=mod go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 \
    && GOFLAGS=-mod=mod go mod tidy >&2)
  build_in "$src" "$out" . \
    "-X go.etcd.io/etcd/api/v3/version.GitSHA=$ETCD_VERSION"
  log "built etcd $ETCD_VERSION in $((SECONDS - start))s"
  echo "$out"
}

# kube NAME: kube-apiserver or kube-controller-manager from k8s.io/kubernetes.
kube() {
  local name=$1
  local out="$TOOLS_DIR/$name-$KUBERNETES_VERSION"
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  lock
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  local src; src=$(mktemp -d); CLEANUP+=("$src")
  log "building $name $KUBERNETES_VERSION (first build takes 10-15 minutes on 2 cores)"
  local start=$SECONDS
  # k8s.io/kubernetes requires its staging modules at v0.0.0 and replaces them
  # with ./staging paths; a wrapper module pins each to its released version.
  local gomod
  gomod=$(cd "$src" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" \
    | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')
  [[ -f "$gomod" ]] || { log "cannot find go.mod of k8s.io/kubernetes@$KUBERNETES_VERSION"; return 1; }
  {
    printf 'module homeplane.dev/tools/kubernetes\n\ngo 1.25\n\n'
    sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/src/.*$#replace \1 => \1 '"$KUBE_STAGING_VERSION"'#p' "$gomod"
  } >"$src/go.mod"
  printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n)\n' >"$src/tools.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "k8s.io/kubernetes@$KUBERNETES_VERSION" >&2 \
    && GOFLAGS=-mod=mod go mod tidy >&2)
  local minor=${KUBERNETES_VERSION#v*.}; minor=${minor%%.*}
  local major=${KUBERNETES_VERSION#v}; major=${major%%.*}
  local v=k8s.io/component-base/version
  build_in "$src" "$out" "k8s.io/kubernetes/cmd/$name" \
    "-X $v.gitVersion=$KUBERNETES_VERSION -X $v.gitMajor=$major -X $v.gitMinor=$minor -X $v.gitTreeState=clean -X $v.buildDate=1970-01-01T00:00:00Z"
  log "built $name $KUBERNETES_VERSION in $((SECONDS - start))s"
  echo "$out"
}

kube_apiserver() {
  if [[ -n "${KUBE_APISERVER:-}" ]]; then echo "$KUBE_APISERVER"; return; fi
  kube kube-apiserver
}

kube_controller_manager() {
  if [[ -n "${KUBE_CONTROLLER_MANAGER:-}" ]]; then echo "$KUBE_CONTROLLER_MANAGER"; return; fi
  kube kube-controller-manager
}

# Crossplane core as released: hack/tools.sh's build has an empty version,
# and the package manager then cannot check packages' `crossplane.version`
# constraints. Same sources, linked with the version (the compile cache of
# hack/tools.sh's build is reused, so this is mostly a link).
crossplane_core() {
  if [[ -n "${CROSSPLANE_CORE_E2E:-}" ]]; then echo "$CROSSPLANE_CORE_E2E"; return; fi
  local out="$TOOLS_DIR/crossplane-core-versioned-$CROSSPLANE_CORE_VERSION"
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  lock
  if [[ -x "$out" ]]; then echo "$out"; return; fi
  local src; src=$(mktemp -d); CLEANUP+=("$src")
  log "building crossplane core $CROSSPLANE_CORE_VERSION with its version"
  local start=$SECONDS
  cat >"$src/go.mod" <<MOD
module homeplane.dev/tools/crossplane-core

go 1.25

replace github.com/crossplane/crossplane-runtime/v2 => github.com/crossplane/crossplane-runtime/v2 $CROSSPLANE_RUNTIME_VERSION
MOD
  printf 'package tools\n\nimport _ "github.com/crossplane/crossplane/v2/cmd/crossplane"\n' >"$src/tools.go"
  (cd "$src" && GOFLAGS=-mod=mod go get "github.com/crossplane/crossplane/v2/cmd/crossplane@$CROSSPLANE_CORE_VERSION" \
    "github.com/crossplane/crossplane/apis/v2@$CROSSPLANE_APIS_VERSION" >&2 && go mod download >&2)
  build_in "$src" "$out" github.com/crossplane/crossplane/v2/cmd/crossplane \
    "-X github.com/crossplane/crossplane-runtime/v2/pkg/version.version=$CROSSPLANE_CORE_VERSION"
  log "built crossplane core $CROSSPLANE_CORE_VERSION in $((SECONDS - start))s"
  echo "$out"
}

case "${1:-all}" in
  all) etcd >/dev/null; kube_apiserver >/dev/null; kube_controller_manager >/dev/null; crossplane_core >/dev/null ;;
  path)
    case "${2:?tool name}" in
      etcd) etcd ;;
      kube-apiserver) kube_apiserver ;;
      kube-controller-manager) kube_controller_manager ;;
      crossplane-core) crossplane_core ;;
      *) echo "unknown tool $2" >&2; exit 2 ;;
    esac ;;
  *) echo "usage: $0 [all|path NAME]" >&2; exit 2 ;;
esac
