#!/usr/bin/env bash
# Builds the examples that are not part of the C++ tree. Today one:
# examples/streams-user-stats, a Kafka Streams processor (Java 17, Maven),
# into $BUILD_DIR/examples/streams-user-stats/: lib/ holds its jar and every
# runtime dependency. Rebuilt only when its pom or sources change (Maven's
# first run fetches from Maven Central). Prints the command that runs it;
# the processor contract's environment configures it (see its README).
source "$(dirname "$0")/lib.sh"

command -v mvn >/dev/null || fail "build examples" "" "mvn not found (make deps installs Maven)"
command -v java >/dev/null || fail "build examples" "" "java not found (make deps installs a JDK)"

SRC="$REPO_ROOT/examples/streams-user-stats"
OUT="$BUILD_DIR/examples/streams-user-stats"
# The tree's content, names included: any edit, addition or removal rebuilds.
hash="$(cd "$SRC" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
if [[ -f "$OUT/built-$hash" ]]; then
  log "examples/streams-user-stats is up to date in $OUT"
else
  rm -rf "$OUT"
  mkdir -p "$OUT"
  # package runs the unit tests; target/ lives under $OUT, so the source tree stays clean.
  run_step "build examples/streams-user-stats (Maven)" "$OUT/build.log" \
    mvn -B -q -f "$SRC/pom.xml" -Dexample.build.dir="$OUT/target" \
      package dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$OUT/lib"
  cp "$OUT/target/streams-user-stats-1.jar" "$OUT/lib/"
  touch "$OUT/built-$hash"
  log "examples/streams-user-stats built into $OUT"
fi
# The entrypoint the local stack's image map points kappa.dev/streams-user-stats
# at (dev/stack-up.sh). A small heap and the serial collector: the tests run
# several of these JVMs beside the stack on two cores.
mkdir -p "$OUT/bin"
cat >"$OUT/bin/streams-user-stats" <<RUN
#!/bin/sh
exec $(command -v java) -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '$OUT/lib/*' dev.kappa.examples.userstats.Main "\$@"
RUN
chmod 755 "$OUT/bin/streams-user-stats"
echo "$OUT/bin/streams-user-stats"
