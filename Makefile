# Homeplane. `make render` and `make test` set up a fresh machine: every tool
# they need is built from the Go module proxy (internal/tools, versions pinned
# in internal/tools/pins.env) or installed from Debian packages
# (hack/provider-test-deps.sh).

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
# Every go command here builds as the images do (no cgo, -trimpath), so that
# go test, go run and the images share one build cache instead of compiling
# the dependencies twice; the tool builder sets its own. Vet runs once, as
# golangci-lint's govet in make lint (e2e files included), not again in each
# go test (-vet=off).
export CGO_ENABLED := 0
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)
GOTEST := $(GO) test -vet=off
OUTPUT := _output
# The tool builder: `$(TOOLS) path NAME` prints a pinned tool's path, building
# it first (with progress, no deadline) when it is not in the cache.
TOOLS := $(GO) run ./hack/tools
include internal/tools/pins.env

# APIs of the composites (XRDs are generated from these).
# The shared types and every package with a +homeplane:xrd kind (the apps of
# fn/function.Apps).
XR_API_DIRS := apis/common/v1alpha1 $(sort $(dir $(shell grep -l "+homeplane:xrd" apis/*/v1alpha1/*.go)))
# The function's input (the platform admin's policy); its CRD ships in the
# function package for schema-aware tools (crossplane resource validate).
FN_INPUT_DIR := apis/fn/v1alpha1
FN_INPUT_CRD_DIR := package/function/input

.PHONY: all tools e2e-tools generate verify-generated build render validate lint test unit short release-test bench fuzz clean

all: build

include hack/provider.mk

## tools: build the pinned tools make render and make test need (crossplane CLI, Crossplane core, controller-gen, Hydra)
tools:
	$(TOOLS) build test

## e2e-tools: build the pinned tools make e2e needs on top (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, postgres-operator)
e2e-tools:
	$(TOOLS) build test e2e

## generate: deepcopy, XRDs and Compositions (and the provider's CRDs)
generate: provider-generate
	@CG=$$($(TOOLS) path controller-gen) && \
	  $$CG object:headerFile=hack/boilerplate.go.txt $(addprefix paths=./,$(XR_API_DIRS) $(FN_INPUT_DIR)) && \
	  $$CG crd:crdVersions=v1 paths=./$(FN_INPUT_DIR) output:artifacts:config=$(FN_INPUT_CRD_DIR)
	$(GO) run ./hack/xrdgen

## verify-generated: fail when generated files differ from the Go types
verify-generated: generate
	@if [[ -n "$$(git status --porcelain -- apis package)" ]]; then \
	  git status --porcelain -- apis package; git --no-pager diff --stat -- apis package; \
	  echo "generated files are stale: run 'make generate' and commit"; exit 1; fi

build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(OUTPUT)/bin/function ./fn

## render: run the function on every example through `crossplane composition render`
render:
	@$(TOOLS) build crossplane crossplane-core
	@$(TOOLS) go-build render ./hack/render $(OUTPUT)/bin/render
	$(OUTPUT)/bin/render -out $(OUTPUT)/render

## validate: validate rendered output against the XRDs and the CRDs of what we compose
validate:
	@$(TOOLS) build crossplane crossplane-core
	@$(TOOLS) go-build render ./hack/render $(OUTPUT)/bin/render
	$(OUTPUT)/bin/render -out $(OUTPUT)/render -quiet
	hack/validate.sh $(OUTPUT)/render

## unit: go test ./... (unit, golden render, packaging and real-server tests; packages for this machine's architecture)
unit: provider-test-deps
	$(MAKE) --no-print-directory xpkg PLATFORMS=$(HOST_PLATFORM)
	PACKAGE_PLATFORMS=$(HOST_PLATFORM) $(GOTEST) -count=1 ./...

## lint: golangci-lint (pinned, .golangci.yml) over the whole module, e2e files included
# The tool is built first when missing (progress, no deadline); the run has
# no timeout either (golangci-lint v2's default).
lint:
	@GL=$$($(TOOLS) path golangci-lint) && set -x && $$GL run ./...

## short: the fast unit tests only (real servers, render and packaging skip under -short)
short:
	$(GOTEST) -short -count=1 ./...

## test: everything CI runs before e2e
test: tools verify-generated lint unit validate

## release-test: the packages test for every release platform (cross-compiles; not part of make test)
release-test:
	$(MAKE) --no-print-directory xpkg PLATFORMS="$(RELEASE_PLATFORMS)"
	PACKAGE_PLATFORMS="$(RELEASE_PLATFORMS)" $(GOTEST) -count=1 ./test/packages

## scale: N claims on the e2e control plane, what they cost (a benchmark, not a test gate): make scale N=300 LABEL=after
# Appends to $(OUT)/results.json and plots $(OUT)/scale.png. KINDS: claim
# kinds, comma separated. FUNCTION2 and COMPOSITION2 (with LABEL2): a second
# series, another function's binary and its Composition for one of our XRDs.
# OPERATOR_WORKERS: the Zalando operator's workers (its default is 8);
# OPERATOR_QPS: its client's requests per second (default 10, bursts twice);
# OPERATOR_RESYNC: its resync_period (default 30m; it retries a cluster whose
# creation failed only then).
# NAMESPACED=1: Homeplane's series applies namespaced composites, no claims.
# RESPONSE_CACHE=1: Crossplane core's function response cache (alpha).
# WAIT: how long claims may take to be Ready before the series measures on
# with those that are (a saturated control plane is a result too).
# PROFILE=90s: a CPU profile of kube-apiserver over the first 90 s after the
# claims are created, in $(OUT)/<label>-<n>-kube-apiserver.pprof.
N ?= 100
WAIT ?= 15m
LABEL ?= homeplane
KINDS ?= PostgreSQL,MatrixServer,Collabora
OUT ?= $(OUTPUT)/scale
LABEL2 ?= other
SCALE_ARGS = -scale.n=$(N) -scale.label=$(LABEL) -scale.kinds=$(KINDS) -scale.wait=$(WAIT) -scale.out=$(abspath $(OUT)) \
  $(if $(FUNCTION2),-scale.function2=$(abspath $(FUNCTION2))) \
  $(if $(COMPOSITION2),-scale.composition2=$(abspath $(COMPOSITION2)) -scale.label2=$(LABEL2)) \
  $(if $(PROFILE),-scale.profile=$(PROFILE)) $(if $(filter 1,$(NAMESPACED)),-scale.namespaced)
.PHONY: scale
scale: provider-test-deps e2e-tools
	$(MAKE) --no-print-directory xpkg PLATFORMS=$(HOST_PLATFORM)
	E2E_FUNCTION=$${E2E_FUNCTION:-$(abspath $(OUTPUT)/bin/$(subst /,_,$(HOST_PLATFORM))/function)} \
	  E2E_PROVIDER=$(abspath $(OUTPUT)/bin/$(subst /,_,$(HOST_PLATFORM))/provider) \
	  E2E_XPKG_DIR=$(abspath $(XPKG_DIR)) E2E_PKG_VERSION=$(VERSION) \
	  E2E_OPERATOR_WORKERS=$(OPERATOR_WORKERS) E2E_OPERATOR_QPS=$(OPERATOR_QPS) E2E_OPERATOR_RESYNC=$(OPERATOR_RESYNC) E2E_FUNCTION_RESPONSE_CACHE=$(RESPONSE_CACHE) \
	  E2E_APISERVER_PROFILING=$(if $(PROFILE),1) \
	  $(GOTEST) -tags 'e2e scale' -count=1 -timeout 90m -v -run '^TestScale$$' ./test/e2e/ -args $(SCALE_ARGS)

## bench: Go benchmarks (not a test gate)
bench:
	$(GOTEST) -run='^$$' -bench=. -benchmem ./fn/...

## fuzz: a short fuzzing session over RunFunction
fuzz:
	$(GOTEST) -run='^$$' -fuzz=FuzzRunFunction -fuzztime=60s ./fn/function

clean:
	rm -rf $(OUTPUT) bin

# ---------------------------------------------------------------------------
# Packages: runtime images, Crossplane packages and their push, without Docker
# (hack/image uses go-containerregistry; the pinned crossplane CLI builds and
# pushes). One version for everything: an exact git tag on HEAD, else VERSION.
# Targets are files, so a second `make xpkg` only rebuilds what changed.
VERSION ?= $(shell git describe --tags --exact-match 2>/dev/null || cat VERSION)
# Releases (make push) are multi-arch; make test and make e2e build this
# machine's architecture only: the other is cross-compiled for no test.
RELEASE_PLATFORMS := linux/amd64 linux/arm64
HOST_PLATFORM := linux/$(shell $(GO) env GOARCH)
PLATFORMS ?= $(RELEASE_PLATFORMS)
REGISTRY ?= xpkg.homeplane.dev/homeplane
CA_CERTS ?= /etc/ssl/certs/ca-certificates.crt
IMAGES_DIR = $(OUTPUT)/images
XPKG_DIR = $(OUTPUT)/xpkg
ARCHES = $(notdir $(PLATFORMS))
IMAGE_LDFLAGS = -s -w -X github.com/homeplane/homeplane/internal/version.Version=$(VERSION)
XPKG_FILES = $(foreach r,function provider,$(foreach a,$(ARCHES),$(XPKG_DIR)/$(r)-$(a).xpkg)) $(XPKG_DIR)/configuration.xpkg $(XPKG_DIR)/namespaced.xpkg
PKG_EMPTY :=
PKG_SPACE := $(PKG_EMPTY) $(PKG_EMPTY)
PKG_COMMA := ,
# $(call xpkg-files,function): that package's per-arch files, comma separated
xpkg-files = $(subst $(PKG_SPACE),$(PKG_COMMA),$(strip $(foreach a,$(ARCHES),$(XPKG_DIR)/$(1)-$(a).xpkg)))
pkg-sources = $(shell find $(1) -type f -name '*.yaml' 2>/dev/null)
# Configuration examples: each app's claim and composite, not the render cases.
CONFIG_EXAMPLES = $(wildcard examples/*/claim.yaml examples/*/xr.yaml)
# The namespaced Configuration's examples: each app's namespaced composite.
NS_CONFIG_EXAMPLES = $(wildcard examples/*/namespaced/xr.yaml)

.PHONY: images xpkg push pkg-force
# Chained pattern targets are real outputs, not intermediates to delete.
.PRECIOUS: $(OUTPUT)/bin/linux_%/function $(OUTPUT)/bin/linux_%/provider $(IMAGES_DIR)/%.oci.tar

## images: function and provider runtime images for $(PLATFORMS) (OCI tarballs in _output/images)
images: $(IMAGES_DIR)/function.oci.tar $(IMAGES_DIR)/provider.oci.tar

# Static binaries per platform; replaced only when their content changes, so
# what depends on them is rebuilt only then (go build always rewrites).
$(OUTPUT)/bin/linux_%/function: pkg-force
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -ldflags '$(IMAGE_LDFLAGS)' -o $@.tmp ./fn
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(OUTPUT)/bin/linux_%/provider: pkg-force
	@mkdir -p $(@D)
	CGO_ENABLED=0 GOOS=linux GOARCH=$* $(GO) build -trimpath -ldflags '$(IMAGE_LDFLAGS)' -o $@.tmp ./provider
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# <name>.oci.tar (the multi-arch index) and <name>-linux-<arch>.tar per platform.
$(IMAGES_DIR)/%.oci.tar: $(foreach a,$(ARCHES),$(OUTPUT)/bin/linux_$(a)/%) $(wildcard hack/image/*.go)
	$(GO) run ./hack/image -name $* -version $(VERSION) -out $(IMAGES_DIR) \
	  $(if $(filter provider,$*),-ca-certs $(CA_CERTS)) \
	  $(foreach a,$(ARCHES),-binary linux/$(a)=$(OUTPUT)/bin/linux_$(a)/$*)

## xpkg: Crossplane packages in _output/xpkg: function and provider per arch (runtime embedded), configuration, namespaced (configuration-namespaced)
xpkg: $(XPKG_FILES)

$(XPKG_DIR)/function-%.xpkg: $(IMAGES_DIR)/function.oci.tar $(call pkg-sources,package/function)
	@mkdir -p $(@D)
	$$($(TOOLS) path crossplane) xpkg build --package-root=package/function \
	  --examples-root=package/function/examples \
	  --embed-runtime-image-tarball=$(IMAGES_DIR)/function-linux-$*.tar -o $@

$(XPKG_DIR)/provider-%.xpkg: $(IMAGES_DIR)/provider.oci.tar $(call pkg-sources,package/provider) $(wildcard examples/provider/*.yaml)
	@mkdir -p $(@D)
	$$($(TOOLS) path crossplane) xpkg build --package-root=package/provider \
	  --examples-root=examples/provider \
	  --embed-runtime-image-tarball=$(IMAGES_DIR)/provider-linux-$*.tar -o $@

$(XPKG_DIR)/configuration.xpkg: $(call pkg-sources,package/configuration) $(CONFIG_EXAMPLES)
	@rm -rf $(OUTPUT)/examples/configuration && mkdir -p $(@D)
	@for f in $(CONFIG_EXAMPLES); do d=$(OUTPUT)/examples/configuration/$$(basename $$(dirname $$f)); \
	  mkdir -p $$d && cp $$f $$d/; done
	$$($(TOOLS) path crossplane) xpkg build --package-root=package/configuration \
	  --examples-root=$(OUTPUT)/examples/configuration -o $@

# The namespaced Configuration (package/configuration-namespaced), pushed as
# $(REGISTRY)/configuration-namespaced. Its file is namespaced.xpkg: tools that
# look for the claims' package glob *configuration*.xpkg (test/e2e).
$(XPKG_DIR)/namespaced.xpkg: $(call pkg-sources,package/configuration-namespaced) $(NS_CONFIG_EXAMPLES)
	@rm -rf $(OUTPUT)/examples/configuration-namespaced && mkdir -p $(@D)
	@for f in $(NS_CONFIG_EXAMPLES); do d=$(OUTPUT)/examples/configuration-namespaced/$$(basename $$(dirname $$(dirname $$f))); \
	  mkdir -p $$d && cp $$f $$d/; done
	$$($(TOOLS) path crossplane) xpkg build --package-root=package/configuration-namespaced \
	  --examples-root=$(OUTPUT)/examples/configuration-namespaced -o $@

## push: push the packages to $(REGISTRY)/{function,provider,configuration,configuration-namespaced}:$(VERSION) (function and provider as multi-arch indexes)
push: xpkg
	@CP=$$($(TOOLS) path crossplane) && set -x && \
	$$CP xpkg push -f $(call xpkg-files,function) $(REGISTRY)/function:$(VERSION) && \
	$$CP xpkg push -f $(call xpkg-files,provider) $(REGISTRY)/provider:$(VERSION) && \
	$$CP xpkg push -f $(XPKG_DIR)/configuration.xpkg $(REGISTRY)/configuration:$(VERSION) && \
	$$CP xpkg push -f $(XPKG_DIR)/namespaced.xpkg $(REGISTRY)/configuration-namespaced:$(VERSION)

# ---------------------------------------------------------------------------
# End to end: etcd, kube-apiserver, kube-controller-manager and Crossplane
# core on loopback, our packages from `make xpkg` pushed to a loopback
# registry and installed as a user would, the function and provider run as
# local processes, BIND as the DNS backend (test/e2e, build tag e2e).
.PHONY: e2e
## e2e: end-to-end scenarios on a real control plane on loopback (builds pinned binaries on first use)
# The function and provider run as local processes: the same binaries as in
# the packages, built once by make xpkg.
e2e: provider-test-deps e2e-tools
	$(MAKE) --no-print-directory xpkg PLATFORMS=$(HOST_PLATFORM)
	E2E_FUNCTION=$(abspath $(OUTPUT)/bin/$(subst /,_,$(HOST_PLATFORM))/function) \
	  E2E_PROVIDER=$(abspath $(OUTPUT)/bin/$(subst /,_,$(HOST_PLATFORM))/provider) \
	  E2E_XPKG_DIR=$(abspath $(XPKG_DIR)) E2E_PKG_VERSION=$(VERSION) \
	  $(GOTEST) -tags e2e -count=1 -timeout 30m -v ./test/e2e/...
