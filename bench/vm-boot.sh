#!/usr/bin/env bash
# VM tier benchmarks (see docs/benchmarks.md, "VM tier").
# Usage: bench/vm-boot.sh [ROUNDS] [all|agent|shim|tier]   — needs qemu-system-x86, bubblewrap,
# linux-image-amd64, busybox-static, fuse3.
#   agent|shim: VmBootBench — bare cold boot to /init, cold boot to hello / first exec, restore to
#               first exec, warm exec and heartbeat, on the Vm API (QEMU in bwrap).
#   tier:       VmTierBench — the `palisade run` path (SandboxSession): session open from the
#               snapshot, restore to first exec, warm exec vs the namespace tier, 9p throughput vs host.
#   all (default): agent, then tier.
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME=${JAVA_HOME:-$(bin/java-home)}
./mvnw -q -B -o test-compile
./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
rounds=${1:-3}
mode=${2:-all}
run() {
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED \
        -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" "$@"
}
case "$mode" in
    agent|shim) run dev.palisade.bench.VmBootBench "$rounds" /tmp "$mode" ;;
    tier) run dev.palisade.bench.VmTierBench "$rounds" /tmp ;;
    all) run dev.palisade.bench.VmBootBench "$rounds" /tmp agent
         run dev.palisade.bench.VmTierBench "$rounds" /tmp ;;
    *) echo "usage: $0 [ROUNDS] [all|agent|shim|tier]" >&2; exit 2 ;;
esac
