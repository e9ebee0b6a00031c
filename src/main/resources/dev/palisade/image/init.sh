#!/bin/busybox sh
# Palisade guest init shim (busybox sh). Groundwork for the Java guest agent: speaks the channel's
# frame protocol (dev.palisade.vm.FrameCodec) over the virtio-serial port "dev.palisade.agent":
# HELLO, INIT (hostname, clock and entropy applied, answered with HELLO: after a snapshot restore
# this is how the host learns the agent is alive), HEARTBEAT (answered), EXEC (each command in the background, so heartbeats
# and signals are served while it runs; output sent after it exits, with absolute offsets, then
# EXIT), SIGNAL (delivered); any other frame gets an ERROR on its stream. A malformed frame ends the
# channel and powers the guest off: a confused peer must not be guessed at.
# Every frame is written with one write(2) of at most 32 KiB: virtio_console splits larger writes,
# and concurrent writers (the loop and background commands) must never interleave inside a frame.
# Limits (honest): no stdin (commands get /dev/null), no tty, no streaming (output is sent when the
# command ends), argv strings lose trailing newlines, and an exit status 129..192 is reported as
# a signal because sh cannot tell the two apart.
# bwrap (which confines every command) needs pivot_root(2), and that fails with EINVAL while the
# root is the initramfs itself (rootfs has no parent mount). So, first of all, / becomes a bind
# mount of itself and init runs again chrooted into it: the same files, now a mount with a parent
# (what switch_root(8) does, without copying anything).
if [ -z "$PALISADE_ROOT_BOUND" ]; then
    /bin/busybox mkdir -p /newroot
    /bin/busybox mount --bind / /newroot
    cd /newroot && /bin/busybox mount --move . / && PALISADE_ROOT_BOUND=1 exec /bin/busybox chroot . /init
    echo "palisade-init: cannot bind the root; sandboxed commands will fail" > /dev/console
fi
unset PALISADE_ROOT_BOUND
/bin/busybox mkdir -p /proc /sys /dev /tmp /run
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
read -r up _ < /proc/uptime
echo "palisade-init uptime=$up" > /dev/console

# Loopback only: the guest has no NIC; the agent's proxy ports listen on 127.0.0.1.
ip link set lo up 2>/dev/console

while read -r m; do
    [ -n "$m" ] && insmod "/lib/modules/$m" 2>/dev/console
done < /etc/palisade/modules
read -r up _ < /proc/uptime
echo "palisade-init: modules loaded uptime=$up" > /dev/console

PORT=
i=0
while [ -z "$PORT" ] && [ $i -lt 200 ]; do
    for p in /sys/class/virtio-ports/*; do
        [ -r "$p/name" ] && [ "$(cat "$p/name")" = dev.palisade.agent ] && PORT=/dev/${p##*/}
    done
    [ -z "$PORT" ] && { sleep 0.05; i=$((i + 1)); }
done
[ -z "$PORT" ] && { echo "palisade-init: no agent port" > /dev/console; poweroff -f; }
while [ ! -c "$PORT" ]; do sleep 0.05; done
exec 3<>"$PORT"

# The Java agent when the image has one: the port is its stdin and stdout. sh stays PID 1 (it
# reaps orphans; the JVM would not).
if [ -x /opt/palisade/java/bin/java ]; then
    read -r up _ < /proc/uptime
    echo "palisade-init: starting the Java agent uptime=$up" > /dev/console
    cp=/opt/palisade/classes
    [ -f /opt/palisade/palisade.jar ] && cp=/opt/palisade/palisade.jar
    /opt/palisade/java/bin/java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx64m -Xss512k \
        --enable-native-access=ALL-UNNAMED -cp "$cp" dev.palisade.vm.GuestAgent --guest <&3 >&3 2>/dev/console
    echo "palisade-init: agent exited with $?" > /dev/console
    poweroff -f
fi

MAX=1048576
P=/run/payload
CHUNK=32000

# oct N -> the byte N as a printf octal escape
oct() { printf '\\%03o' "$1"; }
u8() { printf "$(oct "$1")"; }
u32() { printf "$(oct $(($1 >> 24 & 255)))$(oct $(($1 >> 16 & 255)))$(oct $(($1 >> 8 & 255)))$(oct $(($1 & 255)))"; }
# frame TYPE STREAM PAYLOAD-FILE: write one whole frame with a single write (payload <= CHUNK)
frame() {
    n=$(wc -c < "$3")
    { u32 $((n + 5)); u8 "$1"; u32 "$2"; cat "$3"; } > "$3.frame"
    dd if="$3.frame" bs=32768 2>/dev/null >&3
}
u32at() { set -- $(od -An -tu1 -j "$2" -N 4 "$1"); echo $(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )); }
strat() { dd if="$1" bs=4096 skip="$2" count="$3" iflag=skip_bytes,count_bytes 2>/dev/null; }
fail() {
    { u32 ${#2}; printf '%s' "$2"; } > /run/err.$1
    frame 13 "$1" /run/err.$1
}

hello() {
    { printf '\000\003'; a="palisade-shim/0.1 $(uname -r)"; u32 ${#a}; printf '%s' "$a"; } > /run/hello
    frame 1 0 /run/hello
}
hello

# init: session id as hostname, the host's clock, fresh entropy mixed into the pool (not credited)
init() {
    n=$(u32at $P 0); hostname "$(strat $P 4 "$n")"; pos=$((4 + n))
    ms=0
    for b in $(od -An -tu1 -j $pos -N 8 $P); do ms=$(( (ms << 8) | b )); done
    date -s "@$((ms / 1000))" > /dev/null 2>&1
    dd if=$P bs=4096 skip=$((pos + 8)) iflag=skip_bytes 2>/dev/null > /dev/urandom
    hello
}

# send_output STREAM CHANNEL FILE: OUTPUT frames of at most CHUNK bytes with absolute offsets
send_output() {
    size=$(wc -c < "$3"); off=0
    while [ "$off" -lt "$size" ]; do
        { u8 "$2"; u32 0; u32 "$off"; dd if="$3" bs=$CHUNK skip="$off" count=$CHUNK iflag=skip_bytes,count_bytes 2>/dev/null; } > "$D/out"
        frame 5 "$1" "$D/out"
        off=$((off + CHUNK))
    done
}

# run_exec STREAM: runs in the background with its own directory /run/s<stream>
run_exec() {
    stream=$1; D=/run/s$stream; f=$D/payload
    pos=1
    n=$(u32at $f $pos); cwd=$(strat $f $((pos + 4)) "$n"); pos=$((pos + 4 + n))
    argc=$(u32at $f $pos); pos=$((pos + 4))
    # Build "env -i ENV... -- ARGV..." in the positional parameters; argv is read first into a file.
    : > $D/argv
    k=0
    while [ $k -lt "$argc" ]; do
        n=$(u32at $f $pos); echo "$pos $n" >> $D/argv; pos=$((pos + 4 + n)); k=$((k + 1))
    done
    envc=$(u32at $f $pos); pos=$((pos + 4))
    set -- env -i
    k=0
    while [ $k -lt "$envc" ]; do
        n=$(u32at $f $pos); set -- "$@" "$(strat $f $((pos + 4)) "$n")"; pos=$((pos + 4 + n)); k=$((k + 1))
    done
    while read -r apos alen; do
        set -- "$@" "$(strat $f $((apos + 4)) "$alen")"
    done < $D/argv
    (cd "$cwd" && exec "$@") < /dev/null > $D/stdout 2> $D/stderr &
    echo $! > $D/pid
    wait $!
    rc=$?
    rm -f $D/pid
    send_output "$stream" 1 $D/stdout
    send_output "$stream" 2 $D/stderr
    if [ $rc -gt 128 ] && [ $rc -le 192 ]; then code=0; sig=$((rc - 128)); else code=$rc; sig=0; fi
    { u8 $code; u8 $sig; } > $D/exit
    frame 6 "$stream" $D/exit
    rm -rf $D
}

while :; do
    dd bs=9 count=1 iflag=fullblock of=/run/head <&3 2>/dev/null
    [ "$(wc -c < /run/head)" -eq 9 ] || break
    set -- $(od -An -tu1 /run/head)
    len=$(( ($1 << 24) | ($2 << 16) | ($3 << 8) | $4 )); type=$5
    stream=$(( ($6 << 24) | ($7 << 16) | ($8 << 8) | $9 ))
    if [ $len -lt 5 ] || [ $len -gt $MAX ]; then fail 0 "frame length $len outside 5..$MAX"; break; fi
    n=$((len - 5))
    if [ $n -gt 0 ]; then
        dd bs=$n count=1 iflag=fullblock of=$P <&3 2>/dev/null
        [ "$(wc -c < $P)" -eq $n ] || break
    else
        : > $P
    fi
    case $type in
        2) init ;;
        3) if [ -e /run/s$stream ]; then fail "$stream" "stream $stream is already in use"
           else mkdir /run/s$stream; mv $P /run/s$stream/payload; run_exec "$stream" & fi ;;
        7) set -- $(od -An -tu1 $P)
           if [ -r /run/s$stream/pid ]; then kill -"$1" "$(cat /run/s$stream/pid)" 2>/dev/null
           else fail "$stream" "no running command on stream $stream"; fi ;;
        8) { dd if=$P bs=8 count=1 2>/dev/null; u8 1; } > /run/beat; frame 8 0 /run/beat ;;
        1) ;;
        *) fail "$stream" "palisade-shim does not handle frame type $type" ;;
    esac
done
echo "palisade-init: channel closed" > /dev/console
poweroff -f
