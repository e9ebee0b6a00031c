package dev.palisade.limits;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.sandbox.TmpfsSizes;

/**
 * How a session's limits are enforced on this host, decided once when the session opens: the
 * strongest mechanism available for each limit, and a refusal (exit status 125) when one cannot be
 * enforced at all, unless weaker limits were allowed. Then one {@link SandboxExtension} per command.
 *
 * <table>
 * <caption>mechanisms</caption>
 * <tr><th>limit</th><th>strongest</th><th>fallback</th></tr>
 * <tr><td>memory</td><td>cgroup v1 memory group</td><td>with weaker limits only: RLIMIT_AS per process</td></tr>
 * <tr><td>pids</td><td>cgroup v1 pids group</td><td>RLIMIT_NPROC (per user namespace, not for root)</td></tr>
 * <tr><td>cpus</td><td>cgroup v1 CFS quota</td><td>none</td></tr>
 * <tr><td>scratch sizes</td><td>tmpfs {@code size=}</td><td>-</td></tr>
 * <tr><td>open files, file size, core</td><td>RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_CORE=0</td><td>-</td></tr>
 * <tr><td>timeouts, output</td><td>the launcher (kills the sandbox's pid namespace)</td><td>-</td></tr>
 * </table>
 */
public final class Enforcement {
    private final Limits limits;
    private final Tier tier;
    private final Map<String, Path> cgroupParents;
    private final Path v2Base;
    private final Set<String> v2;
    private final boolean nproc;
    private final boolean addressSpace;
    private final List<String> warnings;
    private final Instant opened = Instant.now();
    private final AtomicInteger commands = new AtomicInteger();

    private Enforcement(Limits limits, Tier tier, Map<String, Path> cgroupParents, Path v2Base, Set<String> v2,
            boolean nproc, boolean addressSpace, List<String> warnings) {
        this.limits = limits;
        this.tier = tier;
        this.cgroupParents = Map.copyOf(cgroupParents);
        this.v2Base = v2Base;
        this.v2 = Set.copyOf(v2);
        this.nproc = nproc;
        this.addressSpace = addressSpace;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * Decides how to enforce {@code limits} for a session of {@code tier} on this host.
     *
     * @param limits the limits
     * @param tier the session's tier
     * @return the plan
     * @throws LimitsException naming each limit that cannot be enforced, unless weaker limits are allowed
     */
    public static Enforcement plan(Limits limits, Tier tier) throws LimitsException {
        return plan(limits, tier, limits.anyKernelLimit() ? Mechanisms.probe() : new Mechanisms(Map.of(),
                dev.palisade.sys.Libc.geteuid() == 0, false));
    }

    static Enforcement plan(Limits limits, Tier tier, Mechanisms m) throws LimitsException {
        List<String> missing = new ArrayList<>();
        Map<String, Path> parents = new java.util.HashMap<>();
        Set<String> v2 = new java.util.HashSet<>();
        boolean nproc = false;
        boolean as = false;
        if (tier == Tier.DIRECT && (limits.anyKernelLimit() || limits.anyScratchSize())) {
            missing.add("the direct tier has no sandbox to bound: kernel limits would attach only after the command"
                    + " started, and it has no private scratch mounts (only timeouts and the output cap are exact)");
        }
        if (limits.memory() > 0) {
            if (!use(m, "memory", parents, v2)) {
                missing.add("memory: no writable cgroup memory controller ("
                        + (m.root() ? "none mounted" : "needs root, or a cgroup delegated to you") + ")"
                        + (limits.allowWeaker() ? "; falling back to RLIMIT_AS, a per-process address-space"
                                + " limit that neither bounds the whole tree nor the tmpfs scratch" : ""));
                as = true;
            }
        }
        // A pids cgroup is exact and has a readable counter; RLIMIT_NPROC is the fallback.
        if (limits.pids() > 0 && !use(m, "pids", parents, v2)) {
            // Without a user namespace (direct tier) RLIMIT_NPROC would count all the user's processes.
            if (m.nprocBoundsSandbox() && tier != Tier.DIRECT) {
                nproc = true;
            } else {
                missing.add("pids: no writable cgroup pids controller, and RLIMIT_NPROC "
                        + (m.root() ? "does not apply to root" : "is not counted per user namespace before Linux 5.14"));
            }
        }
        if (limits.cpus() > 0) {
            if (!use(m, "cpu", parents, v2)) {
                missing.add("cpus: no writable cgroup cpu controller (no other mechanism bounds CPU time per second)");
            }
        }
        if (!missing.isEmpty() && !limits.allowWeaker()) {
            throw new LimitsException("cannot enforce the requested limits on this host: " + String.join("; ", missing)
                    + ". Run 'palisade doctor' for details, or pass --allow-weaker-limits to run anyway.");
        }
        List<String> warnings = new ArrayList<>();
        for (String s : missing) {
            warnings.add("weaker limit: " + s);
        }
        return new Enforcement(limits, tier, parents, v2.isEmpty() ? null : m.v2Base(), v2, nproc,
                as && limits.allowWeaker(), warnings);
    }

    /** Picks cgroup v2, else v1, for a controller; false when neither is usable. */
    private static boolean use(Mechanisms m, String controller, Map<String, Path> v1, Set<String> v2) {
        String which = m.cgroupFor(controller);
        if (which == null) {
            return false;
        }
        if (which.equals("v2")) {
            v2.add(controller);
        } else {
            v1.put(controller, m.v1().get(controller));
        }
        return true;
    }

    /** The limits. */
    public Limits limits() {
        return limits;
    }

    /** The tmpfs sizes for the session's bwrap options. */
    public TmpfsSizes tmpfs() {
        return new TmpfsSizes(limits.homeSize(), limits.tmpSize(), limits.shmSize());
    }

    /** Messages about limits enforced more weakly than asked (empty unless weaker limits were allowed). */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * The extension that enforces the limits on one command of the session. Its wall-clock budget
     * is the per-command timeout, cut to what is left of the session's.
     *
     * @param sessionId the session, for naming the command's cgroups
     * @return the extension
     */
    public SandboxExtension forCommand(String sessionId) {
        Instant now = Instant.now();
        Instant deadline = null;
        if (!limits.timeout().isZero()) {
            deadline = now.plus(limits.timeout());
        }
        if (!limits.sessionTimeout().isZero()) {
            Instant end = opened.plus(limits.sessionTimeout());
            deadline = deadline == null || end.isBefore(deadline) ? end : deadline;
        }
        String name = "palisade-" + sessionId + "-" + ProcessHandle.current().pid() + "-" + commands.incrementAndGet();
        return new CommandLimits(limits, tier, new CommandLimits.Groups(cgroupParents, v2Base, v2, name), nproc,
                addressSpace, deadline);
    }

    /**
     * One line per limit mechanism of this host, for {@code palisade doctor}.
     *
     * @return "ok"/"weak" lines
     */
    public static List<String> describeHost() {
        Mechanisms m = Mechanisms.probe();
        List<String> out = new ArrayList<>();
        for (String c : Mechanisms.CONTROLLERS) {
            String what = switch (c) {
                case "memory" -> "--memory";
                case "pids" -> "--pids";
                default -> "--cpus";
            };
            String via = m.cgroupFor(c);
            if ("v2".equals(via)) {
                out.add("ok    " + what + ": cgroup v2 " + c + " controller, groups under " + m.v2Base());
            } else if ("v1".equals(via)) {
                out.add("ok    " + what + ": cgroup v1 " + c + " groups under " + m.v1().get(c));
            } else {
                out.add("weak  " + what + ": no writable cgroup " + c + " controller" + switch (c) {
                    case "pids" -> m.nprocBoundsSandbox() ? "; RLIMIT_NPROC (counted per user namespace) enforces it"
                            : "; RLIMIT_NPROC cannot (" + (m.root() ? "root is exempt" : "kernel < 5.14") + ")";
                    case "memory" -> "; refused unless --allow-weaker-limits (then RLIMIT_AS per process)";
                    default -> "; refused unless --allow-weaker-limits";
                });
            }
        }
        out.add("ok    --home-size/--tmp-size/--shm-size: sized tmpfs mounts (bwrap --size)");
        out.add("ok    --open-files/--max-file-size: RLIMIT_NOFILE/RLIMIT_FSIZE; core dumps off (RLIMIT_CORE=0)");
        out.add("ok    --timeout/--session-timeout/--max-output: enforced by the launcher");
        for (String n : m.notes()) {
            out.add("info  " + n);
        }
        return out;
    }
}
