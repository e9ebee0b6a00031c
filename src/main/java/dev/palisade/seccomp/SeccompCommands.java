package dev.palisade.seccomp;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The logic behind {@code palisade seccomp show} and {@code palisade seccomp test}; the CLI only
 * parses options and calls these.
 */
public final class SeccompCommands {
    private SeccompCommands() {
    }

    /**
     * Prints the effective rules: the profile's, then Palisade's own filter if it applies, each
     * with its reason.
     *
     * @param profile the profile
     * @param allowUnixSockets whether the policy allows named Unix sockets
     * @param pseudoCode also print libseccomp's pseudo filter code for each program
     * @param out where to print
     * @throws SeccompException if a program does not compile
     */
    public static void show(SeccompProfile profile, boolean allowUnixSockets, boolean pseudoCode, PrintStream out)
            throws SeccompException {
        printProfile(profile, out);
        if (pseudoCode) {
            out.println(BpfCompiler.pseudoCode(profile));
        }
        if (!allowUnixSockets) {
            SeccompProfile own = SeccompProfile.noUnixSockets();
            out.println();
            out.println("# also installed because the policy does not allow named Unix sockets:");
            printProfile(own, out);
            if (pseudoCode) {
                out.println(BpfCompiler.pseudoCode(own));
            }
        }
        out.println();
        out.println("# bwrap option --remount-ro /proc: /proc/PID/mem cannot be opened for writing (EROFS)");
    }

    private static void printProfile(SeccompProfile p, PrintStream out) {
        out.println("profile:        " + p.source());
        out.println("default action: " + p.defaultAction().describe());
        out.println("architectures:  native (x86_64)" + (p.architectures().isEmpty() ? ""
                : " + " + String.join(", ", p.architectures())));
        out.println("other ABIs:     " + BpfCompiler.BAD_ARCH_ACTION.describe());
        for (SyscallRule r : p.rules()) {
            out.println();
            out.println(String.join(", ", r.names()) + " -> " + r.action().describe());
            if (!r.conditions().isEmpty()) {
                String join = r.conditionsOred() ? " OR " : " AND ";
                StringBuilder sb = new StringBuilder("  when ");
                for (int i = 0; i < r.conditions().size(); i++) {
                    sb.append(i == 0 ? "" : join).append(r.conditions().get(i).describe());
                }
                out.println(sb);
            }
            if (!r.comment().isEmpty()) {
                out.println("  why: " + r.comment());
            }
        }
    }

    /**
     * Compiles the probe, runs it in a sandbox under the filter and prints a table of every
     * attempt with the expected and actual result.
     *
     * @param sandbox runs the probe in a namespace-tier sandbox
     * @param profile the profile under test
     * @param allowUnixSockets whether the policy allows named Unix sockets
     * @param workDir where to build the probe (a directory the sandbox user can read)
     * @param out where to print the table
     * @return true if every attempt gave the expected result (always false for a profile other
     *         than the default, which has no expectations: the table then shows results only)
     * @throws IOException if gcc or the sandbox fails
     * @throws InterruptedException if interrupted
     * @throws SeccompException if the profile does not compile
     */
    public static boolean test(ProbeSandbox sandbox, SeccompProfile profile, boolean allowUnixSockets, Path workDir,
            PrintStream out) throws IOException, InterruptedException, SeccompException {
        Probe probe = Probe.build(workDir);
        boolean ia32 = probe.ia32Abi();
        Map<String, String> actual;
        int reached;
        // A real host listener in the probe's directory (bound read-only into the sandbox): any
        // connection that arrives is an escape unless the policy allows Unix sockets. There is no
        // datagram listener (Java has no AF_UNIX datagram sockets), so sends to it find no socket.
        Path streamSocket = probe.dir().resolve("stream.sock");
        try (HostStreamListener listener = HostStreamListener.open(streamSocket);
                SeccompFilter filter = SeccompFilter.create(profile, allowUnixSockets)) {
            actual = Probe.parse(sandbox.run(filter, probe.dir(), Probe::command));
            reached = listener.connections();
        }
        boolean isDefault = profile.source().equals(SeccompProfile.DEFAULT);
        Map<String, String> expected = ProbeExpectations.forDefaultProfile(allowUnixSockets, ia32);
        if (allowUnixSockets) {
            expected.put("socket_unix_dgram_sendto_host", "ENOENT");
            expected.put("socketpair_unix_dgram_sendto_host", "ENOENT");
        }
        boolean ok = printTable(expected, actual, isDefault, out);
        out.println("host Unix listener: " + reached + " connection(s) from the sandbox");
        return ok && isDefault && (allowUnixSockets || reached == 0);
    }

    static boolean printTable(Map<String, String> expected, Map<String, String> actual, boolean compare,
            PrintStream out) {
        Set<String> names = new LinkedHashSet<>(expected.keySet());
        names.addAll(actual.keySet());
        boolean allOk = true;
        out.printf("%-38s %-10s %-10s %s%n", "attempt", "expected", "actual", compare ? "ok" : "");
        for (String n : names) {
            String e = compare ? expected.getOrDefault(n, "-") : "-";
            String a = actual.getOrDefault(n, "MISSING");
            boolean ok = e.equals(a);
            allOk &= ok;
            out.printf("%-38s %-10s %-10s %s%n", n, e, a, compare ? (ok ? "yes" : "NO") : "");
        }
        return allOk;
    }
}
