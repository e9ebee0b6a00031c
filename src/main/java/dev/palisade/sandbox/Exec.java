package dev.palisade.sandbox;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.palisade.api.EventSink;

/**
 * One command to run in an open session.
 *
 * @param argv the command and its arguments
 * @param env extra environment variables
 * @param cwd the working directory inside, or null for the session's default
 * @param extensions parts that add to this launch (network bridge, seccomp, limits, …)
 * @param events where start, exit and violation events go
 * @param stdio three host descriptors to become the command's 0, 1 and 2, or null to inherit ours
 * @param forwardSignals whether SIGINT, SIGTERM and SIGHUP of this JVM go to the command
 */
public record Exec(List<String> argv, Map<String, String> env, String cwd, List<SandboxExtension> extensions,
        EventSink events, int[] stdio, boolean forwardSignals) {
    /** Validates and copies. */
    public Exec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        extensions = List.copyOf(extensions);
        Objects.requireNonNull(events, "events");
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("no command given");
        }
        if (stdio != null) {
            if (stdio.length != 3) {
                throw new IllegalArgumentException("stdio must name three descriptors");
            }
            stdio = stdio.clone();
        }
        if (cwd != null && !cwd.startsWith("/")) {
            throw new IllegalArgumentException("working directory must be an absolute sandbox path: " + cwd);
        }
    }

    @Override
    public int[] stdio() {
        return stdio == null ? null : stdio.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Exec e && argv.equals(e.argv) && env.equals(e.env) && Objects.equals(cwd, e.cwd)
                && extensions.equals(e.extensions) && events.equals(e.events)
                && java.util.Arrays.equals(stdio, e.stdio) && forwardSignals == e.forwardSignals;
    }

    @Override
    public int hashCode() {
        return Objects.hash(argv, env, cwd, extensions, events, java.util.Arrays.hashCode(stdio), forwardSignals);
    }

    @Override
    public String toString() {
        return "Exec" + argv;
    }
}
