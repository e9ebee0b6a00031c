package dev.palisade.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.palisade.api.EventSink;
import dev.palisade.policy.FilesystemPolicy;
import dev.palisade.sandbox.Exec;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import dev.palisade.seccomp.SeccompFilter;
import dev.palisade.seccomp.SeccompProfile;
import dev.palisade.sys.Libc;

/**
 * What the seccomp layer adds to a real launch through Palisade's launcher (the path of
 * {@code palisade run}), in one warm JVM: {@code true} and {@code find /usr -type f | wc -l},
 * each without and with the default filter (plus the no-Unix-sockets filter), interleaved.
 * For {@code find}, the CPU time of the sandboxed processes comes from bash's {@code times}.
 *
 * <p>Usage: {@code java -cp … dev.palisade.bench.SeccompRunBench [N] [M]}
 */
public final class SeccompRunBench {
    private SeccompRunBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args N runs of {@code true} and M runs of {@code find} per variant
     * @throws Exception on any failure
     */
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int m = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        Path tmp = Files.createTempDirectory("palisade-seccomp-runbench");
        SeccompProfile profile = SeccompProfile.defaultProfile();
        List<String> trueCmd = List.of("/bin/true");
        List<String> findCmd = List.of("/bin/bash", "-c", "find /usr -type f 2>/dev/null | wc -l >/dev/null; times");
        for (int i = 0; i < 5; i++) {
            run(tmp, List.of(), trueCmd);
            run(tmp, List.of(SeccompFilter.create(profile, false)), trueCmd);
        }
        List<Double> plain = new ArrayList<>();
        List<Double> filtered = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            plain.add(run(tmp, List.of(), trueCmd).ms);
            // create() per launch, as RunCommand would: the compile is cached per process.
            filtered.add(run(tmp, List.of(SeccompFilter.create(profile, false)), trueCmd).ms);
        }
        System.out.printf("run -- true (ms):        without %s | with %s%n", stats(plain), stats(filtered));
        List<Double> pw = new ArrayList<>();
        List<Double> fw = new ArrayList<>();
        List<Double> pc = new ArrayList<>();
        List<Double> fc = new ArrayList<>();
        for (int i = 0; i < m; i++) {
            Run a = run(tmp, List.of(), findCmd);
            Run b = run(tmp, List.of(SeccompFilter.create(profile, false)), findCmd);
            pw.add(a.ms);
            fw.add(b.ms);
            pc.add(childCpuMs(a.out));
            fc.add(childCpuMs(b.out));
        }
        System.out.printf("find wall (ms):          without %s | with %s%n", stats(pw), stats(fw));
        System.out.printf("find cpu user+sys (ms):  without %s | with %s%n", stats(pc), stats(fc));
    }

    private record Run(double ms, String out) {
    }

    private static Run run(Path tmp, List<SandboxExtension> ext, List<String> argv) throws Exception {
        Path out = Files.createTempFile(tmp, "out", ".txt");
        int in = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        int o = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CLOEXEC, 0);
        long s = System.nanoTime();
        try (SandboxSession session = SandboxSession.open(new SessionSpec(SessionIds.generate(), Tier.NAMESPACE,
                List.of(), FilesystemPolicy.DEFAULT, tmp, false))) {
            int status = session.run(new Exec(argv, Map.of(), null, ext, EventSink.NONE, new int[] {in, o, 2}, false))
                    .status();
            if (status != 0) {
                throw new IllegalStateException("status " + status + " for " + argv);
            }
        } finally {
            Libc.closeQuietly(in);
            Libc.closeQuietly(o);
        }
        double ms = (System.nanoTime() - s) / 1e6;
        String text = Files.readString(out, StandardCharsets.UTF_8);
        Files.delete(out);
        return new Run(ms, text);
    }

    /** bash {@code times}: the second line is the children's "XmY.YYYs XmY.YYYs" (user, sys). */
    private static double childCpuMs(String times) {
        String[] lines = times.strip().split("\n");
        double total = 0;
        for (String t : lines[lines.length - 1].trim().split("\\s+")) {
            int mIdx = t.indexOf('m');
            total += Double.parseDouble(t.substring(0, mIdx)) * 60_000 + Double.parseDouble(t.substring(mIdx + 1, t.length() - 1)) * 1000;
        }
        return total;
    }

    private static String stats(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        double med = s.size() % 2 == 1 ? s.get(s.size() / 2) : (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2;
        return String.format("min %.1f median %.1f", s.getFirst(), med);
    }
}
