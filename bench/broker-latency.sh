#!/usr/bin/env bash
# Added latency of the credential broker vs a plain CONNECT tunnel, all on loopback with real TLS:
# keep-alive GETs (p50/p99), a new connection's first GET (handshakes included), leaf minting.
# Usage: bench/broker-latency.sh [REQUESTS_PER_MODE [NEW_CONNECTIONS_PER_MODE]]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-$(bin/java-home)}
./mvnw -q -B -o test-compile
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile="$cp_file" -Dmdep.includeScope=test
"$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
    dev.palisade.broker.BrokerLatencyBench "${1:-5000}" "${2:-200}"
