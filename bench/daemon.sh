#!/bin/sh
# Daemon benchmark (docs/benchmarks.md, "Daemon"): warm exec latency of `true` in a live session
# through `palisade daemon` vs bare bwrap with the options `palisade run --dry-run` prints, and
# stdout throughput of `cat` of a large file to a subscriber (3 rounds).
# Usage: bench/daemon.sh [MIB (default 1024)] [RUNS (default 50)]
set -eu
cd "$(dirname "$0")/.."
MIB=${1:-1024}
RUNS=${2:-50}
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
J="$JAVA_HOME/bin/java"
./mvnw -q -B -o package -DskipTests -Dpalisade.skipFuzz=true
./mvnw -q -B -o test-compile
dir=$(mktemp -d /tmp/palisade-bench-daemon.XXXXXX)
mkdir "$dir/data"
head -c "$((MIB * 1024 * 1024))" /dev/urandom > "$dir/data/big.bin"
"$J" --enable-native-access=ALL-UNNAMED -jar target/palisade.jar run --session bench-bare --dry-run \
    --mount "$dir/data" -- true > "$dir/bare.argv"
"$J" ${DAEMON_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -jar target/palisade.jar daemon --socket "$dir/api.sock" \
    --state "$dir/state" 2> "$dir/daemon.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"' EXIT
while [ ! -S "$dir/api.sock" ]; do sleep 0.1; done
"$J" ${CLIENT_JAVA_OPTS:-} -cp target/test-classes:target/palisade.jar dev.palisade.bench.DaemonBench "$dir/api.sock" "$dir/data" \
    big.bin "$RUNS" "$dir/bare.argv"
