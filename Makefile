# The front door. Each target is a thin call into CMake or a dev/ script.
# `make help` lists every target that has a `## description` on its line:
# give a new target one.
.PHONY: help deps build test unit demo run stack-up stack-down stack-status e2e bench bench-scale clean clean-cache

help: ## list the targets
	@awk -F':.*## ' '/^[a-z][a-z0-9-]*:.*## / { printf "make %-13s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

deps: ## install what this machine lacks to build and test (C++ libraries, Go, Java, kcat, buildah), only what is missing
	@dev/install-deps.sh

build: deps ## build the C++ tree into build/ (CMAKE_ARGS, CMAKE_BUILD_TYPE: configure it again with them)
	@dev/build.sh

test: ## set up everything and run all tests (starts/stops its own stack)
	@dev/run-tests.sh

unit: build ## build and run the unit tests only (no servers)
	@cd build && ctest --output-on-failure -L unit

demo: ## set up everything and run the demo on the local stack (ARCH=lambda: the Lambda one)
	@ARCH=$(ARCH) dev/demo.sh

run: build ## run the operator out-of-cluster against the current kubeconfig (ARGS=...)
	@build/operator/kappa-operator $(ARGS)

stack-up: deps ## start the local stack (etcd, apiserver, controller-manager, scheduler, node agent, Kafka)
	@dev/stack-up.sh

stack-status: ## print the stack's env (eval "$(make -s stack-status)")
	@dev/stack-status.sh

stack-down: ## stop the local stack
	@dev/stack-down.sh

e2e: ## end-to-end scenarios on the local stack
	@e2e/run.sh

bench: ## benchmarks
	@bench/run.sh

bench-scale: build ## the operator at 10/100/1,000 Pipelines (KAPPA_SCALE_SIZES, KAPPA_SCALE_NAMESPACES); markdown tables
	@bench/scale/run.sh

clean: ## remove the build trees (build/, build-sanitize/, build-tsan/)
	rm -rf build build-sanitize build-tsan

clean-cache: ## remove the cached control plane, helm, Kafka jars, node agent and image store
	rm -rf "$${XDG_CACHE_HOME:-$$HOME/.cache}/kappa-operator"
