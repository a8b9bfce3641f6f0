#!/usr/bin/env bash
# The Dockerfile's build stage compiles with exactly the scripts CI's
# `make test` runs (.ci/run -> make test -> dev/run-tests.sh), and nothing
# else; the base is pinned; the runtime stages run as non-root.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
fail() { echo "FAIL: $*" >&2; exit 1; }
cd "$REPO"

# CI's path to the build, so a change there shows up here.
grep -q 'make test' .ci/run || fail ".ci/run no longer runs \`make test\`"
grep -Eq '^test:' Makefile && grep -A1 -E '^test:' Makefile | grep -q 'dev/run-tests.sh' \
  || fail "\`make test\` no longer runs dev/run-tests.sh"
for s in install-deps.sh build.sh; do
  grep -Eq "^\"\\\$DEV_DIR/$s\"" dev/run-tests.sh || fail "dev/run-tests.sh no longer calls dev/$s"
done

# The build stage's RUN commands, continuation lines joined.
build_runs="$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' Dockerfile \
  | awk '/^FROM /{in_build = ($0 ~ / AS build$/)} in_build && /^RUN /' | tr -s ' ')"
[[ -n "$build_runs" ]] || fail "Dockerfile: no RUN in a stage named build"
# Each is one of CI's scripts, with at most env assignments before it.
script_re='^RUN ([A-Z_]+=("[^"]*"|[^ "]*) )*/src/dev/(install-deps|build)\.sh( [^;&|`$]*)?$'
while IFS= read -r line; do
  [[ "$line" =~ $script_re ]] || fail "Dockerfile build stage runs something other than dev/install-deps.sh or dev/build.sh: $line"
done <<<"$build_runs"
grep -q '/src/dev/install-deps.sh --build-only' <<<"$build_runs" || fail "Dockerfile: build stage does not run dev/install-deps.sh --build-only"
grep -q '/src/dev/build.sh kappa-operator kappa-processor' <<<"$build_runs" || fail "Dockerfile: build stage does not run dev/build.sh kappa-operator kappa-processor"
grep -q 'COPY --from=build /build/operator/kappa-operator ' Dockerfile || fail "Dockerfile: operator stage does not copy the built kappa-operator"
grep -q 'COPY --from=build /build/processor/kappa-processor ' Dockerfile || fail "Dockerfile: processor stage does not copy the built kappa-processor"

# A dated Debian tag of the suite the local base uses (dev/versions.env).
source dev/versions.env
grep -Eq "^ARG DEBIAN=debian:$DEBIAN_SUITE-[0-9]{8}-slim$" Dockerfile \
  || fail "Dockerfile: the default base is not a dated debian:$DEBIAN_SUITE-YYYYMMDD-slim tag"

# Non-root and shell-less: each final stage starts from scratch (it gets
# only what dev/image-rootfs.sh collected from its own rootfs stage) and
# sets the user the chart's securityContext expects.
for t in operator processor; do
  grep -Eq "^FROM scratch AS $t$" Dockerfile || fail "Dockerfile: stage $t does not start from scratch"
  grep -Eq "^COPY --from=$t-rootfs /rootfs/ /$" Dockerfile || fail "Dockerfile: stage $t does not copy its rootfs"
  awk -v t="$t" '/^FROM /{s=$NF} s==t && /^USER 65532:65532$/{ok=1} END{exit !ok}' Dockerfile \
    || fail "Dockerfile: stage $t does not set USER 65532:65532"
  grep -Eq "^RUN /usr/local/sbin/image-rootfs.sh /usr/local/bin/kappa-$t /rootfs$" Dockerfile \
    || fail "Dockerfile: stage $t-rootfs does not collect kappa-$t with dev/image-rootfs.sh"
done

# The context leaves out local builds, stacks and history.
for p in .git build '.stack*'; do
  grep -qxF "$p" .dockerignore || fail ".dockerignore does not exclude $p"
done
echo "PASS: the Dockerfile builds with CI's dev/install-deps.sh and dev/build.sh only; pinned base; non-root, shell-less final stages; .dockerignore"
