package dev.palisade.limits;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Errno;
import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;
import dev.palisade.sys.Rlimits;

/**
 * Enforces the limits on one command. Before the command runs (bwrap holds it on the block fd, and
 * bwrap's init forks the command only after reading it), the sandbox's init is moved into the
 * command's cgroups and given its rlimits, which every later process inherits. While it runs, a
 * watcher checks the deadline and the cgroup counters every {@value #POLL_MS} ms; a breach kills the
 * sandbox's init with SIGKILL, which kills every process of its pid namespace (pid_namespaces(7)).
 */
final class CommandLimits implements SandboxExtension {
    static final long POLL_MS = 50;
    private static final int SIGKILL = 9;
    /** Exit status of a command stopped by its timeout, as timeout(1) reports it. */
    static final int TIMED_OUT = 124;

    private final Limits limits;
    private final Tier tier;
    private final Groups groups;
    private final boolean nproc;
    private final boolean addressSpace;
    private final Instant deadline;
    private final List<Cgroup> cgroups = new ArrayList<>();
    private OutputCap output;
    private Thread watcher;
    private volatile long sandboxPid = -1;
    private volatile boolean ended;
    private String reason;

    /**
     * Where the command's cgroups go.
     *
     * @param v1 cgroup v1 parent folder per controller
     * @param v2Base cgroup v2 base folder, or null
     * @param v2 controllers to use in cgroup v2
     * @param name the command's group name
     */
    record Groups(Map<String, Path> v1, Path v2Base, Set<String> v2, String name) {
        Groups {
            v1 = Map.copyOf(v1);
            v2 = Set.copyOf(v2);
        }
    }

    CommandLimits(Limits limits, Tier tier, Groups groups, boolean nproc, boolean addressSpace, Instant deadline) {
        this.limits = limits;
        this.tier = tier;
        this.groups = groups;
        this.nproc = nproc;
        this.addressSpace = addressSpace;
        this.deadline = deadline;
    }

    @Override
    public void prepare(LaunchPlan plan) throws IOException {
        if (limits.maxOutput() > 0) {
            output = OutputCap.redirect(plan, limits.maxOutput(), () -> stop("output"));
        }
        if (!groups.v1().isEmpty()) {
            cgroups.add(CgroupV1Group.create(groups.v1(), groups.name(), limits));
        }
        if (!groups.v2().isEmpty()) {
            cgroups.add(CgroupV2Group.create(groups.v2Base(), groups.v2(), groups.name(), limits));
        }
    }

    @Override
    public void attach(long pid) throws IOException {
        sandboxPid = pid;
        try {
            applyKernelLimits(pid);
        } catch (IOException e) {
            if (tier != Tier.DIRECT) {
                throw e;
            }
            // Direct tier, weaker limits allowed: the command runs before it can be bounded and
            // may already have ended; a late limit is best effort there.
            System.getLogger("palisade").log(System.Logger.Level.DEBUG, "late limit not applied: " + e.getMessage());
        }
        if (output != null) {
            output.start();
        }
        if (deadline != null || !cgroups.isEmpty() || nproc) {
            watcher = Thread.ofVirtual().name("palisade-limits").start(this::watch);
        }
    }

    private void applyKernelLimits(long pid) throws IOException {
        for (Cgroup g : cgroups) {
            g.add(pid);
        }
        int p = Math.toIntExact(pid);
        Rlimits.set(p, Rlimits.RLIMIT_CORE, 0);
        if (limits.openFiles() > 0) {
            Rlimits.set(p, Rlimits.RLIMIT_NOFILE, limits.openFiles());
        }
        if (limits.maxFileSize() > 0) {
            Rlimits.set(p, Rlimits.RLIMIT_FSIZE, limits.maxFileSize());
        }
        if (nproc) {
            Rlimits.set(p, Rlimits.RLIMIT_NPROC, limits.pids());
        }
        if (addressSpace) {
            Rlimits.set(p, Rlimits.RLIMIT_AS, limits.memory());
        }
    }

    private void watch() {
        while (!ended) {
            Optional<String> breach = check();
            if (breach.isPresent()) {
                stop(breach.get());
                return;
            }
            long sleep = POLL_MS;
            if (deadline != null) {
                sleep = Math.max(1, Math.min(sleep, Duration.between(Instant.now(), deadline).toMillis()));
            }
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Optional<String> check() {
        if (deadline != null && !Instant.now().isBefore(deadline)) {
            return Optional.of("timeout");
        }
        Optional<String> b = cgroupBreach();
        if (b.isPresent()) {
            return b;
        }
        if (nproc && TaskCount.of(sandboxPid, limits.pids()) >= limits.pids()) {
            return Optional.of("pids");
        }
        return Optional.empty();
    }

    private Optional<String> cgroupBreach() {
        for (Cgroup g : cgroups) {
            Optional<String> b = g.breach();
            if (b.isPresent()) {
                return b;
            }
        }
        return Optional.empty();
    }

    /** Records the first breach and kills the sandbox. */
    private void stop(String why) {
        synchronized (this) {
            if (reason != null || ended) {
                return;
            }
            reason = why;
        }
        kill();
    }

    private void kill() {
        long pid = sandboxPid;
        if (pid <= 1) {
            return;
        }
        try {
            if (tier == Tier.DIRECT) {
                // The direct tier's command leads its own process group (setsid at spawn).
                Libc.kill((int) -pid, SIGKILL);
            } else {
                Libc.kill((int) pid, SIGKILL);
            }
        } catch (NativeException e) {
            if (e.errno() != Errno.ESRCH) {
                System.getLogger("palisade").log(System.Logger.Level.WARNING, "cannot stop the sandbox: " + e.getMessage());
            }
        }
    }

    @Override
    public Outcome ended(Outcome outcome) throws IOException {
        ended = true;
        stopWatcher();
        if (output != null) {
            output.await();
        }
        String why;
        synchronized (this) {
            if (reason == null) {
                // The kernel's OOM killer may have ended the command before the watcher looked.
                reason = cgroupBreach().orElse(null);
            }
            why = reason;
        }
        if (why == null) {
            return outcome;
        }
        int status = why.equals("timeout") ? TIMED_OUT : 128 + SIGKILL;
        return new Outcome(status, SIGKILL, why, message(why));
    }

    private String message(String why) {
        return switch (why) {
            case "timeout" -> "stopped: the command ran out of time ("
                    + (limits.timeout().isZero() ? "session timeout " + limits.sessionTimeout().toString()
                            : "timeout " + limits.timeout().toString()).replace("PT", "").toLowerCase() + ")";
            case "memory" -> "stopped: the command reached its memory limit (" + limits.memory() + " bytes)";
            case "pids" -> "stopped: the command reached its process limit (" + limits.pids() + " tasks)";
            case "output" -> "stopped: the command wrote more than its output limit (" + limits.maxOutput() + " bytes)";
            default -> "stopped: " + why;
        };
    }

    private void stopWatcher() {
        Thread w = watcher;
        if (w != null) {
            w.interrupt();
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        ended = true;
        stopWatcher();
        if (output != null) {
            output.close();
        }
        for (Cgroup g : cgroups) {
            g.remove();
        }
    }
}
