#!/usr/bin/env bash
# Validates rendered output, the example claims and XRs, and our Compositions
# with `crossplane resource validate` (offline) against:
#   - our XRDs of both flavours (package/configuration/xrds: claims;
#     package/configuration-namespaced/xrds: namespaced composites) and
#     provider CRDs (package/provider/crds),
#   - the Zalando postgresql, Gateway API, cert-manager Certificate and CSI
#     VolumeSnapshot CRDs from their Go modules
#     (versions pinned by go.mod),
#   - Crossplane's own CRDs (Usage, Composition) from the core module.
# The Compositions make scale runs side by side (test/scale) are validated as
# Compositions too.
# Core Kubernetes kinds are validated strictly by test/render.
set -euo pipefail
rendered=${1:?usage: $0 RENDERED_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

CROSSPLANE=$(go run ./hack/tools path crossplane)
# shellcheck source=../internal/tools/pins.env
source internal/tools/pins.env
CORE_VERSION=$CROSSPLANE_CORE_VERSION

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
schemas=$work/schemas
mkdir -p "$schemas"

moddir() { go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p'; }
cp package/configuration/xrds/*.yaml "$schemas/"
# Both flavours name their XRD files after their kinds (xpostgresql.yaml,
# postgresql.yaml): no file overwrites another.
for f in package/configuration-namespaced/xrds/*.yaml; do cp "$f" "$schemas/namespaced-$(basename "$f")"; done
if compgen -G "package/provider/crds/*.yaml" >/dev/null; then cp package/provider/crds/*.yaml "$schemas/"; fi
zalando=$(moddir "github.com/zalando/postgres-operator@$(go list -m -f '{{.Version}}' github.com/zalando/postgres-operator)")
cp "$zalando/manifests/postgresql.crd.yaml" "$schemas/"
gateway=$(moddir "sigs.k8s.io/gateway-api@$(go list -m -f '{{.Version}}' sigs.k8s.io/gateway-api)")
cp "$gateway"/config/crd/standard/*.yaml "$schemas/"
certmanager=$(moddir "github.com/cert-manager/cert-manager@$(go list -m -f '{{.Version}}' github.com/cert-manager/cert-manager)")
cp "$certmanager"/deploy/crds/crd-certificates.yaml "$schemas/"
snapshotter=$(moddir "github.com/kubernetes-csi/external-snapshotter/client/v8@$(go list -m -f '{{.Version}}' github.com/kubernetes-csi/external-snapshotter/client/v8)")
cp "$snapshotter"/config/crd/snapshot.storage.k8s.io_volumesnapshots.yaml "$schemas/"
core=$(moddir "github.com/crossplane/crossplane/v2@$CORE_VERSION")
cp "$core"/cluster/crds/{protection.crossplane.io_usages,protection.crossplane.io_clusterusages,apiextensions.crossplane.io_compositions}.yaml "$schemas/"
chmod -R u+w "$schemas"

resources=$work/resources
mkdir -p "$resources"
n=0
for f in "$rendered"/*.yaml examples/*/claim.yaml examples/*/xr.yaml examples/*/*/xr.yaml package/configuration/compositions/*.yaml package/configuration-namespaced/compositions/*.yaml test/scale/*.yaml; do
  [[ -f "$f" ]] || continue
  n=$((n + 1))
  cp "$f" "$resources/$n-$(basename "$f")"
done
echo "validate: $n files against $(ls "$schemas" | wc -l) schemas"
"$CROSSPLANE" resource validate "$schemas" "$resources" --crossplane-image= --cache-dir="$work/cache"
