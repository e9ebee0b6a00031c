#!/bin/sh
# Seccomp layer benchmark (issue 3). Run from the repository root after `./mvnw -o test-compile`.
#  1. JVM-side cost of the filter per launch: load + compile the default profile and Palisade's
#     no-Unix-sockets filter, fill and seal the memfds (cold = first launch in a fresh JVM,
#     including class loading; warm = average of the next 200).
#  2. bwrap start-up (`-- true`) without and with the two filters (--add-seccomp-fd, fds passed by
#     shell redirect as the tests do), interleaved; min and median wall time.
#  3. A syscall-heavy workload, `find /usr -type f | wc -l`, without and with, interleaved; wall
#     time and the CPU time (user+sys) of the sandboxed processes from bash's `times`.
#  The same through Palisade's own launcher (the `palisade run` path) is
#  dev.palisade.bench.SeccompRunBench (see docs/benchmarks.md).
#  4. Per-syscall cost (bench/syscall-loop.c, thread CPU time, best of 25 rounds).
# On a shared 2-core machine wall times swing widely: compare the minimums and the CPU times.
set -eu
N=${N:-40}
M=${M:-9}
OUT=${OUT:-$(mktemp -d /tmp/palisade-seccomp-bench.XXXXXX)}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
CP=target/classes:target/test-classes:$(./mvnw -q -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)

echo "== JVM-side cost (3 fresh JVMs)"
for i in 1 2 3; do "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.palisade.bench.SeccompStartupBench "$OUT"; done

gcc -O2 -o "$OUT/syscall-loop" bench/syscall-loop.c
BWRAP="bwrap --unshare-all --die-with-parent --new-session --ro-bind /usr /usr --symlink usr/bin /bin \
 --symlink usr/lib /lib --symlink usr/lib64 /lib64 --ro-bind /etc /etc --proc /proc --dev /dev --tmpfs /tmp \
 --ro-bind $OUT/syscall-loop /syscall-loop"
SECCOMP="--add-seccomp-fd 3 --add-seccomp-fd 4 --remount-ro /proc"

now_us() { echo $(( $(date +%s%N) / 1000 )); }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %.1f median %.1f", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
run_plain() { $BWRAP -- "$@"; }
run_filtered() { $BWRAP $SECCOMP -- "$@" 3<"$OUT/filter0.bpf" 4<"$OUT/filter1.bpf"; }

echo "== bwrap -- true, $N runs each, ms"
: > "$OUT/true.plain"; : > "$OUT/true.filtered"
for i in $(seq "$N"); do
  s=$(now_us); run_plain true; e=$(now_us); echo "$(( e - s ))" | awk '{print $1/1000}' >> "$OUT/true.plain"
  s=$(now_us); run_filtered true; e=$(now_us); echo "$(( e - s ))" | awk '{print $1/1000}' >> "$OUT/true.filtered"
done
echo "without: $(stats < "$OUT/true.plain")"
echo "with:    $(stats < "$OUT/true.filtered")"

echo "== find /usr -type f | wc -l, $M runs each: wall s, and CPU s of the sandboxed processes (bash times)"
FIND='find /usr -type f 2>/dev/null | wc -l >/dev/null; times'
: > "$OUT/find.plain"; : > "$OUT/find.filtered"
cpu() { tail -1 | awk '{t=0; for (i=1;i<=NF;i++) {split($i,a,"m"); t+=a[1]*60+a[2]} print t}'; }
for i in $(seq "$M"); do
  s=$(now_us); c=$(run_plain /bin/bash -c "$FIND" | cpu); e=$(now_us)
  echo "$(( e - s )) $c" | awk '{print $1/1e6, $2}' >> "$OUT/find.plain"
  s=$(now_us); c=$(run_filtered /bin/bash -c "$FIND" | cpu); e=$(now_us)
  echo "$(( e - s )) $c" | awk '{print $1/1e6, $2}' >> "$OUT/find.filtered"
done
for k in plain filtered; do
  echo "$k: wall $(awk '{print $1}' "$OUT/find.$k" | stats)  cpu $(awk '{print $2}' "$OUT/find.$k" | stats)"
done
echo "files: $(run_filtered /bin/sh -c 'find /usr -type f 2>/dev/null | wc -l' 3<"$OUT/filter0.bpf" 4<"$OUT/filter1.bpf")"

echo "== per-syscall cost, ns (3 sandboxes each, interleaved)"
for i in 1 2 3; do
  echo "without: $(run_plain /syscall-loop | tr '\n' ' ')"
  echo "with:    $(run_filtered /syscall-loop | tr '\n' ' ')"
done
uptime
