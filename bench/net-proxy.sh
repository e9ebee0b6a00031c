#!/bin/sh
# Benchmark of the network proxies (docs/benchmarks.md, "Network proxies"): 1 GiB through each
# proxy vs direct loopback, connect+first-byte latency p50/p99, 1000 concurrent tunnels.
# Traffic stays on 127.0.0.1. Usage: bench/net-proxy.sh [BYTES] [SAMPLES] [TUNNELS]
set -eu
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
./mvnw -q -B -o test-compile
exec "$JAVA_HOME/bin/java" -Xss512k -cp target/classes:target/test-classes dev.palisade.net.ProxyBench "$@"
