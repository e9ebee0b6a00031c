#!/usr/bin/env bash
# Start-up cost of `palisade run -- true` against the floor: bare bwrap with exactly the same
# mounts and options (taken from `palisade run --dry-run`). Prints medians over N runs (default 30)
# in milliseconds. Run after bin/setup, on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-30}
dir=$(mktemp -d /tmp/palisade-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
echo "hello" > "$dir/file.txt"

median_ms() {  # reads microseconds, one a line; prints the median in ms with one decimal
    sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f", m/1000}'
}
measure() {  # runs "$@" N times, prints the median wall time
    for _ in $(seq "$N"); do
        s=$(date +%s%N)
        "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        e=$(date +%s%N)
        echo $(( (e - s) / 1000 ))
    done | median_ms
}

mapfile -t ro_argv < <(bin/palisade run --session bench-ro --dry-run --mount "$dir" -- true)
bare=$(measure "${ro_argv[@]}")
aot=$(measure bin/palisade run --session bench-a --mount "$dir" -- true)
noaot=$(PALISADE_NO_AOT=1 measure bin/palisade run --session bench-b --mount "$dir" -- true)
direct=$(measure bin/palisade run --tier direct --session bench-c -- true)
jvm=$(measure "$(bin/java-home)/bin/java" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -version)

printf 'runs per figure: %s (medians, ms)\n' "$N"
printf '%-44s %8s\n' "bare bwrap, same mounts (floor)" "$bare"
printf '%-44s %8s\n' "palisade run -- true (AOT cache)" "$aot"
printf '%-44s %8s\n' "palisade run -- true (no AOT cache)" "$noaot"
printf '%-44s %8s\n' "palisade run --tier direct -- true" "$direct"
printf '%-44s %8s\n' "java -version (JVM start alone)" "$jvm"
awk -v a="$aot" -v b="$bare" 'BEGIN {printf "added by palisade over bare bwrap (AOT): %.1f ms\n", a - b}'
