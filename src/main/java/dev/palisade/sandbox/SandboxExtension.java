package dev.palisade.sandbox;

import java.io.IOException;

/**
 * A part that adds to a sandbox launch: the network bridge, the seccomp filter, the file guard,
 * limits. Each is prepared before the launch, attached once the sandbox's namespaces exist but
 * before the command runs, and closed when the command has ended.
 */
public interface SandboxExtension extends AutoCloseable {
    /**
     * Adds bwrap options, environment variables and file descriptors to the launch.
     *
     * @param plan the launch being assembled
     * @throws IOException if a resource cannot be prepared
     */
    void prepare(LaunchPlan plan) throws IOException;

    /**
     * Called after bwrap has created the sandbox's namespaces and before the command executes
     * (bwrap holds the command on {@code --block-fd} until every extension has attached).
     *
     * @param sandboxPid the host pid of the sandbox's first process (bwrap's {@code child-pid})
     * @throws IOException if the extension cannot attach; the launch then fails with status 125
     */
    default void attach(long sandboxPid) throws IOException {
    }

    /**
     * Called once the command has ended, before its exit event: an extension that stopped the
     * command (a limit it enforces was breached) says so by returning another outcome. May block
     * briefly, e.g. to drain output the command wrote before it ended.
     *
     * @param outcome how the command ended as seen by the launcher
     * @return the outcome to report (by default {@code outcome} itself)
     * @throws IOException if the extension cannot tell
     */
    default Outcome ended(Outcome outcome) throws IOException {
        return outcome;
    }

    /** Releases what {@link #prepare} and {@link #attach} acquired. */
    @Override
    default void close() throws IOException {
    }
}
