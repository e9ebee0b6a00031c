#!/usr/bin/env bash
# VM tier start-up benchmark (see docs/benchmarks.md, "VM tier: boot, restore, exec").
# Usage: bench/vm-boot.sh [ROUNDS] [agent|shim]   — needs qemu-system-x86, linux-image-amd64, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-$(bin/java-home)}
./mvnw -q -B -o test-compile
./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
    -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
    dev.palisade.bench.VmBootBench "${1:-3}" /tmp "${2:-agent}"
