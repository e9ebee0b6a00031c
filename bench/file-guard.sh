#!/usr/bin/env bash
# File guard benchmark: the guarded FUSE view vs a plain rw bind mount of the same kind of folder,
# both used from inside bwrap. Metadata-heavy (untar 10 000 small files, git add -A, git status,
# git commit) and 1 GiB sequential write (with fsync) and read. Prints medians of N runs (seconds).
# Usage: bench/file-guard.sh [RUNS]   (after ./mvnw -o test-compile; needs bwrap, fuse3, git)
set -euo pipefail
RUNS=${1:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
WORK=$(mktemp -d /tmp/guard-bench.XXXXXX)
trap 'sleep 1; rm -rf "$WORK"' EXIT
CP="$ROOT/target/classes:$ROOT/target/test-classes:$(cd "$ROOT" && ./mvnw -q -B -o dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"

# 10 000 small files in 100 directories
mkdir -p "$WORK/src"
python3 - "$WORK/src" <<'PY'
import os, sys, random
random.seed(1)
for i in range(10000):
    d = os.path.join(sys.argv[1], "t", "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d.txt" % i), "wb") as f:
        f.write(os.urandom(random.randint(100, 2000)))
PY
tar cf "$WORK/files.tar" -C "$WORK/src" t

mkdir -p "$WORK/plain" "$WORK/guarded" "$WORK/history"
mkfifo "$WORK/ctl"
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.palisade.guard.GuardServerMain \
    "$WORK/guarded" "$WORK/history" <"$WORK/ctl" >"$WORK/server.out" 2>&1 &
SERVER_PID=$!
exec 9>"$WORK/ctl"  # the server unmounts and exits when this closes
for _ in $(seq 100); do grep -q '^MOUNTED ' "$WORK/server.out" && break; sleep 0.1; done
MNT=$(sed -n 's/^MOUNTED //p' "$WORK/server.out")
[ -n "$MNT" ] || { cat "$WORK/server.out"; exit 1; }

inside() { # $1 = folder to bind, rest = script
  local dir=$1; shift
  bwrap --unshare-all --die-with-parent --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
    --symlink usr/lib64 /lib64 --ro-bind /etc /etc --proc /proc --dev /dev --tmpfs /tmp \
    --ro-bind "$WORK/files.tar" /in/files.tar --bind "$dir" /w --chdir /w \
    --setenv HOME /tmp --setenv GIT_AUTHOR_NAME b --setenv GIT_AUTHOR_EMAIL b@x --setenv GIT_COMMITTER_NAME b \
    --setenv GIT_COMMITTER_EMAIL b@x bash -c "$*"
}

SCRIPT='
t() { local s=$(date +%s.%N); "$@" >/dev/null; local e=$(date +%s.%N); printf "%s " "$(echo "$e - $s" | bc)"; }
rm -rf /w/* /w/.git 2>/dev/null || true
t tar xf /in/files.tar
t git init -q
t git add -A
t git status --porcelain
t git commit -qm bench
t dd if=/dev/zero of=big bs=1M count=1024 conv=fsync status=none
t dd if=big of=/dev/null bs=1M status=none
echo'

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A R
for mode in plain guarded; do
  dir=$WORK/plain; [ $mode = guarded ] && dir=$MNT
  for i in $(seq "$RUNS"); do
    read -r -a v <<<"$(inside "$dir" "$SCRIPT")"
    for k in 0 1 2 3 4 5 6; do R[$mode,$k]+="${v[$k]} "; done
  done
done
names=("untar 10k files" "git init" "git add -A (10k)" "git status (10k)" "git commit (10k)" \
       "write 1 GiB + fsync" "read 1 GiB")
printf '| %-20s | %10s | %10s | %7s |\n' operation "bind (s)" "guard (s)" ratio
printf '|%s|%s|%s|%s|\n' ---------------------- ------------ ------------ ---------
for k in 0 1 2 3 4 5 6; do
  p=$(tr ' ' '\n' <<<"${R[plain,$k]}" | grep . | median)
  g=$(tr ' ' '\n' <<<"${R[guarded,$k]}" | grep . | median)
  printf '| %-20s | %10.3f | %10.3f | %6.2fx |\n' "${names[$k]}" "$p" "$g" "$(echo "$g / $p" | bc -l)"
done
exec 9>&-
wait "$SERVER_PID" 2>/dev/null || true
