package dev.palisade.seccomp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.sandbox.TestLaunchPlans;
import dev.palisade.testing.Prerequisites;

/**
 * Runs a command in a real bwrap sandbox with extensions applied, passing the plan's descriptors
 * with a shell redirect ({@code exec bwrap … 3</proc/JVM/fd/N}) because ProcessBuilder passes
 * only 0–2. The layout mirrors the namespace tier: read-only /usr and /etc, fresh /proc, /dev,
 * tmpfs /tmp and a tmpfs work directory.
 */
final class BwrapHarness {
    /** What a sandboxed command produced. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    private final List<String> extraArgs = new ArrayList<>();

    BwrapHarness() {
        Prerequisites.requireExecutable("bwrap");
    }

    /** Binds a host path read-only into the sandbox. */
    BwrapHarness roBind(Path host, String inside) {
        extraArgs.add("--ro-bind");
        extraArgs.add(host.toString());
        extraArgs.add(inside);
        return this;
    }

    /** Builds the full argv (without the fd redirects) and the fds to pass. */
    static List<String> bwrapArgv(List<String> extra, List<String> planArgs, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
                "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/work", "--chdir", "/work",
                "--setenv", "HOME", "/work", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                "--setenv", "LANG", "C.UTF-8"));
        argv.addAll(extra);
        argv.addAll(planArgs);
        argv.add("--");
        argv.addAll(command);
        return argv;
    }

    Result run(List<SandboxExtension> extensions, List<String> command, long timeoutSeconds)
            throws IOException, InterruptedException {
        LaunchPlan plan = TestLaunchPlans.create(Tier.NAMESPACE);
        for (SandboxExtension e : extensions) {
            e.prepare(plan);
        }
        List<String> argv = bwrapArgv(extraArgs, TestLaunchPlans.bwrapArgs(plan), command);
        List<Integer> fds = TestLaunchPlans.passedFds(plan);
        StringBuilder script = new StringBuilder("exec \"$@\"");
        long self = ProcessHandle.current().pid();
        for (int i = 0; i < fds.size(); i++) {
            script.append(' ').append(3 + i).append("</proc/").append(self).append("/fd/").append(fds.get(i));
        }
        List<String> full = new ArrayList<>(List.of("/bin/sh", "-c", script.toString(), "sh"));
        full.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(full);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        // Drain both streams on virtual threads so a chatty command cannot block on a full pipe.
        var out = new java.util.concurrent.atomic.AtomicReference<String>("");
        var err = new java.util.concurrent.atomic.AtomicReference<String>("");
        Thread to = Thread.ofVirtual().start(() -> out.set(drain(p.getInputStream())));
        Thread te = Thread.ofVirtual().start(() -> err.set(drain(p.getErrorStream())));
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IOException("sandboxed command timed out after " + timeoutSeconds + " s: " + command);
            }
            to.join();
            te.join();
        } finally {
            for (SandboxExtension e : extensions) {
                e.close();
            }
        }
        return new Result(p.exitValue(), out.get(), err.get());
    }

    private static String drain(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<read failed: " + e + ">";
        }
    }
}
