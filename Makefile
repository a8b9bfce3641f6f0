# The front door. Each target is a thin call into CMake or a dev/ script.
.PHONY: help deps build test unit demo run stack-up stack-down stack-status e2e bench clean clean-cache

help:
	@echo "make demo          set up everything and run the demo on the local stack"
	@echo "make test          set up everything and run all tests (starts/stops its own stack)"
	@echo "make build         build the C++ tree into build/"
	@echo "make unit          build and run the unit tests only (no servers)"
	@echo "make run           run the operator out-of-cluster against the current kubeconfig"
	@echo "make stack-up      start the local stack (etcd, apiserver, controller-manager, scheduler, node agent, Kafka)"
	@echo "make stack-status  print the stack's env (eval \"\$$(make -s stack-status)\")"
	@echo "make stack-down    stop the local stack"
	@echo "make e2e           end-to-end scenarios on the local stack"
	@echo "make bench         benchmarks"

deps:
	@dev/install-deps.sh

build: deps
	@dev/build.sh

test:
	@dev/run-tests.sh

unit: build
	@cd build && ctest --output-on-failure -L unit

demo:
	@dev/demo.sh

run: build
	@build/operator/kappa-operator $(ARGS)

stack-up: deps
	@dev/stack-up.sh

stack-status:
	@dev/stack-status.sh

stack-down:
	@dev/stack-down.sh

e2e:
	@e2e/run.sh

bench:
	@bench/run.sh

clean:
	rm -rf build build-sanitize

# Removes the built control plane, helm, Kafka jars, node agent and image store.
clean-cache:
	rm -rf "$${XDG_CACHE_HOME:-$$HOME/.cache}/kappa-operator"
