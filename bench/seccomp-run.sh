#!/bin/sh
# `palisade run -- true` without and with the seccomp filter, through the real CLI, each jar with
# its own AOT cache (as bin/palisade runs it). WITH and WITHOUT are directories holding a built
# palisade.jar + lib/ (`./mvnw -o package -DskipTests`) with and without the filter wired into
# RunCommand. Interleaved; prints min and median wall ms.
set -eu
N=${N:-30}
J=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
for v in "$WITH" "$WITHOUT"; do
  [ -f "$v/p.aot" ] || "$J" -XX:AOTCacheOutput="$v/p.aot" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      --enable-native-access=ALL-UNNAMED -jar "$v/palisade.jar" run -- true >/dev/null 2>&1
done
run() { "$J" -XX:AOTCache="$1/p.aot" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED \
    -jar "$1/palisade.jar" run -- true; }
stats() { sort -n | awk '{a[NR]=$1} END {printf "min %.1f median %.1f", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
: > /tmp/seccomp-run.with; : > /tmp/seccomp-run.without
for i in $(seq "$N"); do
  for v in without with; do
    d=$WITHOUT; [ "$v" = with ] && d=$WITH
    s=$(date +%s%N); run "$d"; e=$(date +%s%N)
    echo "$(( (e - s) / 1000 ))" | awk '{print $1/1000}' >> /tmp/seccomp-run.$v
  done
done
echo "palisade run -- true, $N runs (ms): without $(stats < /tmp/seccomp-run.without) | with $(stats < /tmp/seccomp-run.with)"
