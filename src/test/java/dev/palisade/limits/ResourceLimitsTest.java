package dev.palisade.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.api.Event;
import dev.palisade.api.EventSink;
import dev.palisade.api.ExitEvent;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Libc;
import dev.palisade.testing.Prerequisites;
import dev.palisade.testing.SandboxPrerequisites;

/** Each limit breached from inside a real sandbox: contained, reported, and the session survives. */
@Tag("sandbox")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResourceLimitsTest {
    @TempDir
    Path tmp;
    Path work;
    private final List<ExitEvent> exits = new ArrayList<>();
    private final EventSink sink = (Event e) -> {
        if (e instanceof ExitEvent x) {
            synchronized (exits) {
                exits.add(x);
            }
        }
    };

    @BeforeEach
    void folder() throws IOException {
        SandboxPrerequisites.requireBwrap();
        work = Files.createDirectory(tmp.resolve("work"));
    }

    private static Limits limits(long memory, int pids, Duration timeout, long homeSize, long maxOutput) {
        return new Limits(memory, pids, 0, timeout, Duration.ZERO, homeSize, 0, 0, maxOutput, 0, 0, false);
    }

    private SandboxSession open(String id, Enforcement e) throws Exception {
        return SandboxSession.open(new SessionSpec(id, Tier.NAMESPACE,
                List.of(new Mount(work.toRealPath(), "work", Access.RW)), FilesystemPolicy.DEFAULT, tmp, false, e.tmpfs()));
    }

    private Outcome run(SandboxSession s, Enforcement e, int[] stdio, String... argv) throws Exception {
        return s.run(new Exec(List.of(argv), Map.of(), null, List.of(e.forCommand(s.spec().id())), sink, stdio, false));
    }

    private ExitEvent lastExit() {
        synchronized (exits) {
            return exits.getLast();
        }
    }

    private int[] toFile(Path out) throws IOException {
        int fd = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_TRUNC, 0600);
        return new int[] {0, fd, fd};
    }

    @Test
    void forkBombIsContainedWhileTheHostStillForksAndTheSessionSurvives() throws Exception {
        Mechanisms m = Mechanisms.probe();
        Prerequisites.require(m.cgroupFor("pids") != null || m.nprocBoundsSandbox(),
                "a writable cgroup pids controller (root) or RLIMIT_NPROC counted per user namespace (Linux 5.14+)");
        Enforcement e = Enforcement.plan(limits(0, 256, Duration.ofSeconds(40), 0, 0), Tier.NAMESPACE);
        try (SandboxSession s = open("sturdy-hopper", e)) {
            AtomicReference<Object> result = new AtomicReference<>();
            Thread bomb = Thread.ofPlatform().start(() -> {
                try {
                    int[] quiet = toFile(tmp.resolve("bomb.out"));
                    try {
                        result.set(run(s, e, quiet, "/bin/bash", "-c", ":(){ :|:& };:; sleep 30"));
                    } finally {
                        Libc.closeQuietly(quiet[1]);
                    }
                } catch (Exception ex) {
                    result.set(ex);
                }
            });
            int hostForks = 0;
            while (bomb.isAlive()) {
                Process p = new ProcessBuilder("true").start();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
                hostForks++;
                Thread.sleep(50);
            }
            bomb.join();
            assertThat(result.get()).isInstanceOf(Outcome.class);
            Outcome o = (Outcome) result.get();
            assertThat(o.reason()).isEqualTo("pids");
            assertThat(o.status()).isEqualTo(137);
            assertThat(lastExit().reason()).isEqualTo("pids");
            // Stopped by the pids limit, long before the 40 s timeout or the bomb's own 30 s sleep.
            assertThat(lastExit().duration()).isLessThan(Duration.ofSeconds(25));
            assertThat(hostForks).isPositive();
            assertThat(run(s, e, null, "/bin/sh", "-c", "exit 7").status()).isEqualTo(7);
            assertThat(lastExit().reason()).isEqualTo("exited");
        }
    }

    @Test
    void memoryLimitStopsTheTreeWithReasonMemory() throws Exception {
        // Ordinary users have no writable memory cgroup here; EnforcementTest covers their refusal.
        Assumptions.assumeTrue(Prerequisites.isRoot(), "memory cgroups need root on this host");
        Prerequisites.require(Mechanisms.probe().cgroupFor("memory") != null, "a writable cgroup memory controller");
        Enforcement e = Enforcement.plan(limits(512L << 20, 0, Duration.ZERO, 0, 0), Tier.NAMESPACE);
        try (SandboxSession s = open("frugal-lovelace", e)) {
            Outcome o = run(s, e, null, "/usr/bin/python3", "-c", "a = bytearray(4 << 30)");
            assertThat(o.reason()).isEqualTo("memory");
            assertThat(o.status()).isEqualTo(137);
            assertThat(lastExit().reason()).isEqualTo("memory");
            assertThat(run(s, e, null, "/usr/bin/python3", "-c", "a = bytearray(64 << 20)").status()).isZero();
        }
    }

    @Test
    void cpuQuotaThrottlesABusyLoop() throws Exception {
        Assumptions.assumeTrue(Prerequisites.isRoot(), "cpu cgroups need root on this host");
        Prerequisites.require(Mechanisms.probe().cgroupFor("cpu") != null, "a writable cgroup cpu controller");
        Limits l = new Limits(0, 0, 0.05, Duration.ofSeconds(20), Duration.ZERO, 0, 0, 0, 0, 0, 0, false);
        Enforcement e = Enforcement.plan(l, Tier.NAMESPACE);
        Path out = tmp.resolve("times.out");
        try (SandboxSession s = open("calm-knuth", e)) {
            int[] stdio = toFile(out);
            try {
                // Spins for 3 s of wall clock (bash's SECONDS), then prints its own CPU time (times, not
                // in a pipeline: that would be a subshell's).
                assertThat(run(s, e, stdio, "/bin/bash", "-c",
                        "while (( SECONDS < 3 )); do :; done; times").status()).isZero();
            } finally {
                Libc.closeQuietly(stdio[1]);
            }
        }
        String times = Files.readString(out).trim();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)m([\\d.]+)s").matcher(times);
        assertThat(m.find()).as(times).isTrue();
        double cpuSeconds = Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
        // At 0.05 CPU, 2-3 s of wall clock buy at most 0.15 s of CPU; unthrottled the loop takes what
        // the host gives it (about 2.5 s on an idle machine, still ~0.6 s on this 2-core host under load 12).
        assertThat(cpuSeconds).as(times).isLessThan(0.35);
    }

    @Test
    void filingTheHomeBeyondItsSizeIsEnospcInsideAndNeverReachesTheHostDisk() throws Exception {
        Enforcement e = Enforcement.plan(limits(0, 0, Duration.ZERO, 8L << 20, 0), Tier.NAMESPACE);
        long freeBefore = Files.getFileStore(tmp).getUsableSpace();
        Path out = tmp.resolve("dd.out");
        try (SandboxSession s = open("tidy-curie", e)) {
            int[] stdio = toFile(out);
            Outcome o;
            try {
                o = run(s, e, stdio, "/bin/sh", "-c",
                        "dd if=/dev/zero of=$HOME/fill bs=1M count=64; echo status=$?; df -k $HOME | tail -1; ls -l $HOME/fill");
            } finally {
                Libc.closeQuietly(stdio[1]);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(o.status()).as(text).isZero();
            assertThat(text).contains("No space left on device").contains("status=1");
            assertThat(text).containsPattern(" 8192 ");
            long freeAfter = Files.getFileStore(tmp).getUsableSpace();
            // 64 MiB attempted, at most 8 MiB in RAM: a leak to disk would show as ~64 MiB less free space.
            assertThat(freeBefore - freeAfter).isLessThan(32L << 20);
            assertThat(run(s, e, null, "/bin/true").status()).isZero();
        }
    }

    @Test
    void timeoutStopsTheCommandWith124AndLeavesNoProcess() throws Exception {
        Enforcement e = Enforcement.plan(limits(0, 0, Duration.ofSeconds(2), 0, 0), Tier.NAMESPACE);
        String marker = "100." + ProcessHandle.current().pid();
        try (SandboxSession s = open("patient-turing", e)) {
            Instant start = Instant.now();
            Outcome o = run(s, e, null, "/bin/sh", "-c", "sleep " + marker + " & sleep " + marker);
            Duration took = Duration.between(start, Instant.now());
            assertThat(o.status()).isEqualTo(124);
            assertThat(o.reason()).isEqualTo("timeout");
            assertThat(lastExit().reason()).isEqualTo("timeout");
            assertThat(took).isLessThan(Duration.ofSeconds(3));
            assertThat(ProcessHandle.allProcesses()
                    .filter(p -> p.info().arguments().map(a -> List.of(a).contains(marker)).orElse(false))
                    .toList()).isEmpty();
            assertThat(run(s, e, null, "/bin/true").status()).isZero();
        }
    }

    @Test
    void sessionTimeoutIsSharedByTheSessionsCommands() throws Exception {
        Limits l = new Limits(0, 0, 0, Duration.ofSeconds(30), Duration.ofMillis(2500), 0, 0, 0, 0, 0, 0, false);
        Enforcement e = Enforcement.plan(l, Tier.NAMESPACE);
        try (SandboxSession s = open("hasty-noether", e)) {
            assertThat(run(s, e, null, "/bin/sleep", "1").status()).isZero();
            Instant start = Instant.now();
            Outcome o = run(s, e, null, "/bin/sleep", "20");
            assertThat(o.status()).isEqualTo(124);
            assertThat(o.reason()).isEqualTo("timeout");
            // What was left of the session's 2.5 s, not the command's own 30 s.
            assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofMillis(2500));
        }
    }

    @Test
    void outputCapDeliversExactlyTheCapThenStopsTheCommand() throws Exception {
        long cap = 10L << 20;
        Enforcement e = Enforcement.plan(limits(0, 0, Duration.ofSeconds(40), 0, cap), Tier.NAMESPACE);
        Path out = tmp.resolve("yes.out");
        try (SandboxSession s = open("brief-hamming", e)) {
            int[] stdio = toFile(out);
            Outcome o;
            try {
                o = run(s, e, stdio, "/usr/bin/yes");
            } finally {
                Libc.closeQuietly(stdio[1]);
            }
            assertThat(o.reason()).isEqualTo("output");
            assertThat(o.status()).isEqualTo(137);
            assertThat(lastExit().reason()).isEqualTo("output");
            assertThat(Files.size(out)).isEqualTo(cap);
            assertThat(Files.readString(out, StandardCharsets.US_ASCII).replace("y\n", "")).isEmpty();
            Path small = tmp.resolve("small.out");
            stdio = toFile(small);
            try {
                assertThat(run(s, e, stdio, "/bin/echo", "still here").status()).isZero();
            } finally {
                Libc.closeQuietly(stdio[1]);
            }
            assertThat(Files.readString(small)).isEqualTo("still here\n");
        }
    }

    @Test
    void rlimitsReachTheCommand() throws Exception {
        Limits l = new Limits(0, 0, 0, Duration.ZERO, Duration.ZERO, 0, 0, 0, 0, 64, 1L << 20, false);
        Enforcement e = Enforcement.plan(l, Tier.NAMESPACE);
        Path out = tmp.resolve("ulimit.out");
        try (SandboxSession s = open("strict-mirzakhani", e)) {
            int[] stdio = toFile(out);
            try {
                run(s, e, stdio, "/bin/bash", "-c", "ulimit -n; ulimit -c; ulimit -f;"
                        + " exec 2>/dev/null; head -c 2M /dev/zero > $HOME/big; echo status=$?");
            } finally {
                Libc.closeQuietly(stdio[1]);
            }
        }
        // bash's ulimit -f counts 1024-byte blocks; writing past RLIMIT_FSIZE raises SIGXFSZ (128+25).
        assertThat(Files.readString(out)).isEqualTo("64\n0\n1024\nstatus=153\n");
    }
}
