# Provider targets; included by the top-level Makefile.
#
#   provider-generate   deepcopy + CRDs (controller-gen) and method sets for apis/{v1alpha1,dns,oidc}
#   provider-build      build the provider binary into bin/
#   provider-test-deps  install BIND, Knot, PowerDNS (apt) and build Ory Hydra (internal/tools)
#   provider-test       unit tests + tests against real BIND/Knot/PowerDNS/Hydra
#   provider-bench      500 RecordSets against BIND (reconciler driven directly)
#   provider-bench-e2e  500 RecordSets through etcd + kube-apiserver (make e2e-tools)
#   provider-validate   examples/provider against the generated CRDs (crossplane CLI, offline)
#   provider-e2e        the whole provider against etcd + kube-apiserver (make e2e-tools), BIND and Hydra

PROVIDER_API_DIRS := apis/v1alpha1 apis/dns/v1alpha1 apis/oidc/v1alpha1
PROVIDER_CRD_DIR  := package/provider/crds

.PHONY: provider-generate provider-build provider-test-deps provider-test provider-bench provider-validate provider-e2e provider-bench-e2e

provider-generate:
	@CG=$$($(TOOLS) path controller-gen) && \
	  $$CG object $(addprefix paths=./,$(PROVIDER_API_DIRS)) && \
	  rm -rf $(PROVIDER_CRD_DIR) && \
	  $$CG crd:crdVersions=v1 $(addprefix paths=./,$(PROVIDER_API_DIRS)) output:artifacts:config=$(PROVIDER_CRD_DIR)
	go run ./hack/provider-methodsets $(PROVIDER_API_DIRS)

provider-build:
	CGO_ENABLED=0 go build -trimpath -o bin/provider ./provider

provider-test-deps:
	hack/provider-test-deps.sh
	@$(TOOLS) build hydra

provider-test:
	$(GOTEST) -count=1 ./provider/... ./apis/v1alpha1/... ./apis/dns/... ./apis/oidc/... ./hack/provider-methodsets/...

provider-bench:
	$(GOTEST) -count=1 -run '^$$' -bench BenchmarkRecordSets500 -benchtime 1x ./provider/internal/controller/

provider-validate:
	@CP=$$($(TOOLS) path crossplane) && \
	  $$CP resource validate $(PROVIDER_CRD_DIR) examples/provider --crossplane-image= \
	    --cache-dir=$${TMPDIR:-/tmp}/homeplane-xp-validate --error-on-missing-schemas

provider-e2e: provider-test-deps
	$(TOOLS) build etcd kube-apiserver
	$(GOTEST) -tags e2e -count=1 -v ./provider/internal/e2e/

provider-bench-e2e:
	$(TOOLS) build etcd kube-apiserver
	E2E_MAX_RECONCILE_RATE=$${E2E_MAX_RECONCILE_RATE:-30} $(GOTEST) -tags e2e -count=1 -run '^$$' \
	  -bench BenchmarkE2ERecordSets500 -benchtime 1x ./provider/internal/e2e/
