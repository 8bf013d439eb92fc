# Homeplane. `make render` and `make test` set up a fresh machine: every tool
# they need is built from the Go module proxy (hack/tools.sh) or installed
# from Debian packages (hack/provider-test-deps.sh).

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
OUTPUT := _output

# APIs of the composites (XRDs are generated from these).
XR_API_DIRS := apis/common/v1alpha1 apis/database/v1alpha1 apis/matrix/v1alpha1 apis/office/v1alpha1

.PHONY: all tools generate verify-generated build render validate test unit bench fuzz clean

all: build

include hack/provider.mk

## tools: build the pinned crossplane CLI, Crossplane core and controller-gen
tools:
	hack/tools.sh all

## generate: deepcopy, XRDs and Compositions (and the provider's CRDs)
generate: provider-generate
	@CG=$$(hack/tools.sh path controller-gen) && \
	  $$CG object:headerFile=hack/boilerplate.go.txt $(addprefix paths=./,$(XR_API_DIRS))
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
	$(GO) run ./hack/render -out $(OUTPUT)/render

## validate: validate rendered output against the XRDs and the CRDs of what we compose
validate:
	$(GO) run ./hack/render -out $(OUTPUT)/render -quiet
	hack/validate.sh $(OUTPUT)/render

## unit: go test ./... (unit, golden render and real-server tests)
unit: provider-test-deps
	$(GO) test -count=1 ./...

## test: everything CI runs before e2e
test: tools verify-generated unit validate

## bench: Go benchmarks (not a test gate)
bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./fn/...

## fuzz: a short fuzzing session over RunFunction
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzRunFunction -fuzztime=60s ./fn/function

clean:
	rm -rf $(OUTPUT) bin
