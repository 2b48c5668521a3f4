# agentrt: a runc-compatible OCI runtime for AI agents.

GO        ?= go
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
VERSION   ?= $(shell cat VERSION 2>/dev/null || echo 0.1.0-dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
TAGS      ?= seccomp netgo osusergo
LDFLAGS   ?= -s -w -X main.version=$(VERSION) -X main.gitCommit=$(COMMIT) \
             -linkmode external -extldflags -static
GOFLAGS_BUILD ?= -trimpath -tags "$(TAGS)" -ldflags "$(LDFLAGS)"
# The shim needs no cgo, so it is built without: static with Go's own linker.
SHIM_FLAGS ?= -trimpath -ldflags "-s -w"
TESTFLAGS ?=
BIN       := bin/agentrt
SHIM      := bin/containerd-shim-agentrt-v2

export CGO_ENABLED = 1

.PHONY: help
help: ## list the targets
	@awk -F ':.*## ' '/^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## install the Debian packages and Go tools the build and tests need
	scripts/deps.sh base

.PHONY: build
build: ## build the static agentrt binary and its containerd shim into bin/
	@command -v gcc >/dev/null && test -f /usr/lib/x86_64-linux-gnu/libseccomp.a || scripts/deps.sh base
	$(GO) build $(GOFLAGS_BUILD) -o $(BIN) ./cmd/agentrt
	CGO_ENABLED=0 $(GO) build $(SHIM_FLAGS) -o $(SHIM) ./cmd/containerd-shim-agentrt-v2

.PHONY: test
test: deps build unit fuzz integration ## run every test: unit, fuzz briefly, then integration as root

.PHONY: unit
unit: ## run the unit tests (every package but integration)
	$(GO) test $(TESTFLAGS) $$($(GO) list ./... | grep -v /integration)

FUZZTIME ?= 10s

.PHONY: fuzz
fuzz: ## run each fuzz target briefly (FUZZTIME each)
	$(GO) test -run '^$$' -fuzz '^FuzzLoadConfig$$' -fuzztime $(FUZZTIME) ./policy
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnnotations$$' -fuzztime $(FUZZTIME) ./annotations
	$(GO) test -run '^$$' -fuzz '^FuzzParsePolicyJSON$$' -fuzztime $(FUZZTIME) ./annotations

.PHONY: integration
integration: build ## run the integration tests (root, real containers and clients)
	AGENTRT_BIN=$(CURDIR)/$(BIN) tini -s -- $(GO) test $(TESTFLAGS) -count=1 -timeout 60m ./integration/...

.PHONY: lint
lint: ## run gofmt and go vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet -tags "$(TAGS)" ./...

.PHONY: bench
bench: deps build ## compare agentrt with runc 1.5.3 on the same bundles, as ratios
	$(GO) run ./bench -agentrt $(CURDIR)/$(BIN)

.PHONY: demo
demo: deps build ## run a hardened agent container on the embedded default policy
	scripts/demo.sh $(CURDIR)/$(BIN)

.PHONY: install
install: build ## install agentrt and containerd-shim-agentrt-v2 into $(BINDIR)
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/agentrt
	install -D -m 0755 $(SHIM) $(DESTDIR)$(BINDIR)/containerd-shim-agentrt-v2

.PHONY: clean
clean: ## remove build outputs
	rm -rf bin
