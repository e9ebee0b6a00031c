package dev.palisade.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.palisade.api.EventSink;
import dev.palisade.image.AgentRuntime;
import dev.palisade.image.ImageBuilder;
import dev.palisade.image.ImageInstaller;
import dev.palisade.paths.Access;
import dev.palisade.paths.Mount;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.FolderGuard;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.sandbox.TmpfsSizes;
import dev.palisade.sys.Libc;
import dev.palisade.vm.VmSettings;

/**
 * The vm tier through the same path as {@code palisade run} (SandboxSession, bwrap-confined QEMU,
 * folders over 9p, the file guard): first session open (cold boot + snapshot + restore), session
 * open from the snapshot, restore to first exec, warm exec against the namespace tier, and 9p
 * write/read throughput against the host. Run with bench/vm-boot.sh.
 */
public final class VmTierBench {
    private static final int MIB = 64;

    private VmTierBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args [rounds] [work dir]
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Files.createTempDirectory(args.length > 1 ? Path.of(args[1]) : Path.of("/tmp"), "vmtierbench-");
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx------"));
        ImageBuilder.build(ImageBuilder.hostInputs(), AgentRuntime.ofThisJvm(Path.of("target", "jlink-cache")
                .toAbsolutePath()), "bench", "1", work.resolve("bundle"));
        ImageInstaller.install(work.resolve("bundle"), work.resolve("store"));
        VmSettings settings = VmSettings.defaults("bench").withStore(work.resolve("store"), work.resolve("cache"));
        Path rw = Files.createDirectories(work.resolve("Work"));
        Path ro = Files.createDirectories(work.resolve("Data"));
        hostDd(List.of("dd", "if=/dev/zero", "of=" + ro.resolve("big"), "bs=1M", "count=" + MIB, "conv=fsync"));
        List<Mount> mounts = List.of(new Mount(rw, "Work", Access.RW), new Mount(ro, "Data", Access.RO));

        long t0 = System.nanoTime();
        try (SandboxSession s = open(settings, "bench-first", mounts, work)) {
            long opened = System.nanoTime() - t0;
            run(s, "true");
            System.out.printf("first session (cold boot + snapshot + restore) to first exec: %d ms (open %d ms)%n",
                    (System.nanoTime() - t0) / 1_000_000, opened / 1_000_000);
        }
        List<Long> open = new ArrayList<>();
        List<Long> toExec = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long s0 = System.nanoTime();
            try (SandboxSession s = open(settings, "bench-" + i, mounts, work)) {
                open.add(System.nanoTime() - s0);
                run(s, "true");
                toExec.add(System.nanoTime() - s0);
            }
        }
        List<Long> vmWarm = new ArrayList<>();
        List<Long> nsWarm = new ArrayList<>();
        long[] tput = new long[3];
        try (SandboxSession s = open(settings, "bench-warm", mounts, work)) {
            for (int i = 0; i < 20; i++) {
                long s0 = System.nanoTime();
                run(s, "true");
                vmWarm.add(System.nanoTime() - s0);
            }
            long w0 = System.nanoTime();
            run(s, "dd", "if=/dev/zero", "of=/sessions/bench-warm/mnt/Work/big", "bs=1M", "count=" + MIB, "conv=fsync");
            tput[0] = System.nanoTime() - w0;
            long r0 = System.nanoTime();
            run(s, "dd", "if=/sessions/bench-warm/mnt/Work/big", "of=/dev/null", "bs=1M");
            tput[1] = System.nanoTime() - r0;
            long r1 = System.nanoTime();
            run(s, "dd", "if=/sessions/bench-warm/mnt/Data/big", "of=/dev/null", "bs=1M");
            tput[2] = System.nanoTime() - r1;
        }
        try (SandboxSession s = SandboxSession.open(new SessionSpec("bench-ns", Tier.NAMESPACE, mounts,
                FilesystemPolicy.DEFAULT, Path.of(System.getProperty("user.home")), false))) {
            for (int i = 0; i < 20; i++) {
                long s0 = System.nanoTime();
                run(s, "true");
                nsWarm.add(System.nanoTime() - s0);
            }
        }
        long hw0 = System.nanoTime();
        hostDd(List.of("dd", "if=/dev/zero", "of=" + rw.resolve("host-big"), "bs=1M", "count=" + MIB, "conv=fsync"));
        long hostWrite = System.nanoTime() - hw0;
        // Drop the file from the page cache is not possible unprivileged; the host read is cached, an upper bound.
        long hr0 = System.nanoTime();
        hostDd(List.of("dd", "if=" + rw.resolve("host-big"), "of=/dev/null", "bs=1M"));
        long hostRead = System.nanoTime() - hr0;

        System.out.printf("accelerator=%s cpus=%d load=%s%n", "TCG", Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        report("session open from snapshot (restore + INIT + 9p mounts)", open);
        report("restore to first exec (session open + true)", toExec);
        report("warm exec, vm tier (true)", vmWarm);
        report("warm exec, namespace tier (true)", nsWarm);
        System.out.printf("9p write %d MiB through the file guard (dd conv=fsync, exec included): %.1f MiB/s%n", MIB,
                MIB / (tput[0] / 1e9));
        System.out.printf("9p read %d MiB through the file guard: %.1f MiB/s%n", MIB, MIB / (tput[1] / 1e9));
        System.out.printf("9p read %d MiB read-only folder (direct): %.1f MiB/s%n", MIB, MIB / (tput[2] / 1e9));
        System.out.printf("host write %d MiB (dd conv=fsync): %.1f MiB/s; host read (page cache): %.1f MiB/s%n", MIB,
                MIB / (hostWrite / 1e9), MIB / (hostRead / 1e9));
        try (var walk = Files.walk(work)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static SandboxSession open(VmSettings settings, String id, List<Mount> mounts, Path work) throws Exception {
        FolderGuard guard = new FolderGuard(FilesystemPolicy.DEFAULT.blockedFileTypes(), 0,
                Files.createDirectories(work.resolve("history-" + id)), EventSink.NONE);
        return SandboxSession.open(new SessionSpec(id, Tier.VM, mounts, FilesystemPolicy.DEFAULT,
                Path.of(System.getProperty("user.home")), false, TmpfsSizes.DEFAULT, guard), settings, w -> { });
    }

    private static void run(SandboxSession s, String... argv) throws Exception {
        int devNull = Libc.open("/dev/null", Libc.O_RDWR, 0);
        try {
            Outcome o = s.run(new Exec(List.of(argv), Map.of(), null, List.of(), EventSink.NONE,
                    new int[] {devNull, devNull, devNull}, false));
            if (o.status() != 0) {
                throw new IOException(String.join(" ", argv) + " failed: " + o);
            }
        } finally {
            Libc.close(devNull);
        }
    }

    private static void hostDd(List<String> argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (p.waitFor() != 0) {
            throw new IOException(argv + " failed");
        }
    }

    private static void report(String what, List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        System.out.printf("%-56s median %7.0f ms  min %7.0f ms  max %7.0f ms  (n=%d)%n", what,
                s.get(s.size() / 2) / 1e6, s.get(0) / 1e6, s.get(s.size() - 1) / 1e6, s.size());
    }
}
