package dev.palisade.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import dev.palisade.image.AgentRuntime;
import dev.palisade.image.ImageBuilder;
import dev.palisade.image.ImageInstaller;
import dev.palisade.image.InstalledImage;
import dev.palisade.vm.Accelerator;
import dev.palisade.vm.Vm;
import dev.palisade.vm.VmConfig;

/**
 * VM tier start-up under one accelerator, all in one run: bare cold boot to /init (the guest
 * console's "palisade-init" line), cold boot to the agent's hello, cold boot to the first exec,
 * restore from a snapshot to the first exec, warm exec and heartbeat round trips. Not JMH: each
 * sample is seconds long and boots a machine. Run with bench/vm-boot.sh.
 */
public final class VmBootBench {
    private static final List<String> PATH = List.of("PATH=/bin:/sbin");
    private static final Duration T = Duration.ofSeconds(180);
    private static final int MEMORY = 512;

    private VmBootBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args [rounds] [work dir] [shim|agent]
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Path work = Files.createTempDirectory(args.length > 1 ? Path.of(args[1]) : Path.of("/tmp"), "vmbench-");
        Path qemu = Path.of("/usr/bin/qemu-system-x86_64");
        boolean shim = args.length > 2 && args[2].equals("shim");
        ImageBuilder.build(ImageBuilder.hostInputs(), shim ? null
                : AgentRuntime.ofThisJvm(Path.of("target", "jlink-cache").toAbsolutePath()), "bench", "1",
                work.resolve("bundle"));
        InstalledImage img = ImageInstaller.install(work.resolve("bundle"), work.resolve("store"));
        List<Long> toInit = new ArrayList<>();
        List<Long> toHello = new ArrayList<>();
        List<Long> toExec = new ArrayList<>();
        List<Long> restoreToExec = new ArrayList<>();
        List<Long> warmExec = new ArrayList<>();
        List<Long> beat = new ArrayList<>();
        Path snapshot = work.resolve("ready.snapshot");
        for (int i = 0; i < rounds; i++) {
            VmConfig c = config(qemu, img, work, "cold-" + i);
            AtomicLong initAt = new AtomicLong();
            long t0 = System.nanoTime();
            Thread watcher = Thread.ofVirtual().start(() -> watchConsole(c.consoleLog(), t0, initAt));
            Vm vm = Vm.boot(c);
            long hello = System.nanoTime() - t0;
            vm.exec(List.of("true"), PATH, "/", T);
            long exec = System.nanoTime() - t0;
            watcher.join(Duration.ofSeconds(5));
            toInit.add(initAt.get());
            toHello.add(hello);
            toExec.add(exec);
            if (i == 0) {
                for (int k = 0; k < 20; k++) {
                    long s = System.nanoTime();
                    vm.exec(List.of("true"), PATH, "/", T);
                    warmExec.add(System.nanoTime() - s);
                    beat.add(vm.heartbeat(T));
                }
                vm.saveSnapshot(snapshot, T);
            } else {
                vm.close();
            }
        }
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            try (Vm vm = Vm.restore(config(qemu, img, work, "restore-" + i), snapshot, "bench-" + i)) {
                vm.exec(List.of("true"), PATH, "/", T);
                restoreToExec.add(System.nanoTime() - t0);
            }
        }
        System.out.printf("accelerator=TCG guest=%s memory=%d MiB rounds=%d snapshot=%d MiB cpus=%d load=%s%n",
                shim ? "busybox shim" : "Java agent", MEMORY, rounds,
                Files.size(snapshot) >> 20, Runtime.getRuntime().availableProcessors(),
                Files.readString(Path.of("/proc/loadavg")).strip());
        report("bare cold boot to /init", toInit);
        report("cold boot to agent hello", toHello);
        report("cold boot to first exec", toExec);
        report("restore to first exec", restoreToExec);
        report("warm exec (true)", warmExec);
        report("heartbeat round trip", beat);
    }

    private static void watchConsole(Path log, long t0, AtomicLong at) {
        long deadline = t0 + T.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains("palisade-init")) {
                    at.set(System.nanoTime() - t0);
                    return;
                }
                Thread.sleep(5);
            } catch (IOException | InterruptedException e) {
                return;
            }
        }
    }

    private static VmConfig config(Path qemu, InstalledImage img, Path work, String name) {
        return new VmConfig(qemu, Accelerator.TCG, img.kernel(), img.initramfs(), work.resolve("run-" + name), MEMORY, T);
    }

    private static void report(String what, List<Long> nanos) {
        List<Long> s = new ArrayList<>(nanos);
        Collections.sort(s);
        System.out.printf("%-28s median %7.0f ms  min %7.0f ms  max %7.0f ms  (n=%d)%n", what,
                s.get(s.size() / 2) / 1e6, s.get(0) / 1e6, s.get(s.size() - 1) / 1e6, s.size());
    }
}
