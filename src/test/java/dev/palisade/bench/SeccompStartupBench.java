package dev.palisade.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.TestLaunchPlans;
import dev.palisade.sandbox.Tier;
import dev.palisade.seccomp.SeccompFilter;
import dev.palisade.seccomp.SeccompProfile;

/**
 * Measures what the seccomp layer adds to a launch in the JVM (profile load + compile + memfds,
 * cold in a fresh JVM, then warm), and writes the programs it hands to bwrap into a directory so
 * {@code bench/seccomp.sh} can time bwrap with and without them.
 *
 * <p>Usage: {@code java -cp … dev.palisade.bench.SeccompStartupBench OUTDIR}
 */
public final class SeccompStartupBench {
    private SeccompStartupBench() {
    }

    /**
     * Runs the measurement.
     *
     * @param args the output directory
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        if (args.length > 1 && args[1].equals("cached")) {
            // What `palisade run` pays in a fresh JVM when the profile's programs are cached:
            // SeccompFilter.forPolicy + prepare (pipes), without the JSON parser or libseccomp.
            // The launcher has linked libc and created the runtime folder before extensions run.
            dev.palisade.sys.Libc.closeQuietly(dev.palisade.sys.Libc.pipe()[0]);
            dev.palisade.sandbox.RuntimeDirs.base();
            long c0 = System.nanoTime();
            LaunchPlan plan = TestLaunchPlans.create(Tier.NAMESPACE);
            try (SeccompFilter f = SeccompFilter.forPolicy(SeccompProfile.DEFAULT, Tier.NAMESPACE, out, false)
                    .orElseThrow()) {
                f.prepare(plan);
            }
            long c1 = System.nanoTime();
            boolean jackson = ModuleLayer.boot() != null && isLoaded("tools.jackson.databind.ObjectMapper");
            System.out.printf("cached_cold_ms=%.2f jackson_loaded=%s libseccomp_loaded=%s%n", (c1 - c0) / 1e6, jackson,
                    isLoaded("dev.palisade.sys.LibSeccomp"));
            return;
        }
        long t0 = System.nanoTime();
        List<byte[]> programs = launchOnce(out, true);
        long cold = System.nanoTime() - t0;
        int n = 200;
        long t1 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            launchOnce(out, false);
        }
        long warm = (System.nanoTime() - t1) / n;
        System.out.printf("cold_ms=%.2f warm_ms=%.3f programs=%d bytes=%d,%d%n", cold / 1e6, warm / 1e6,
                programs.size(), programs.get(0).length, programs.get(1).length);
    }

    /** Whether a class has been loaded (initialised or not), without loading it. */
    private static boolean isLoaded(String name) {
        try {
            java.lang.invoke.MethodHandles.lookup().findStatic(ClassLoader.class, "getSystemClassLoader",
                    java.lang.invoke.MethodType.methodType(ClassLoader.class));
            var m = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
            m.setAccessible(true);
            return m.invoke(ClassLoader.getSystemClassLoader(), name) != null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    private static List<byte[]> launchOnce(Path out, boolean write) throws Exception {
        SeccompProfile profile = SeccompProfile.load(SeccompProfile.DEFAULT);
        LaunchPlan plan = TestLaunchPlans.create(Tier.NAMESPACE);
        try (SeccompFilter filter = SeccompFilter.create(profile, false)) {
            filter.prepare(plan);
            List<byte[]> programs = new java.util.ArrayList<>();
            for (int fd : TestLaunchPlans.passedFds(plan)) {
                programs.add(Files.readAllBytes(Path.of("/proc/self/fd/" + fd)));
            }
            if (write) {
                for (int i = 0; i < programs.size(); i++) {
                    Files.write(out.resolve("filter" + i + ".bpf"), programs.get(i));
                }
            }
            return programs;
        }
    }
}
