package dev.palisade.sandbox;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sandbox launch being assembled by the tier and its {@link SandboxExtension}s: bwrap options,
 * environment and file descriptors to hand to the child. Not thread-safe; used during preparation.
 */
public final class LaunchPlan {
    /** The first descriptor number handed to the child beyond stdio. */
    static final int FIRST_EXTRA_FD = 3;

    private final Tier tier;
    private final List<String> bwrapArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<Integer> passedFds = new ArrayList<>();
    private final Map<Integer, java.nio.file.Path> tunnels = new LinkedHashMap<>();
    private int[] stdio;

    LaunchPlan(Tier tier) {
        this(tier, null);
    }

    LaunchPlan(Tier tier, int[] stdio) {
        this.tier = tier;
        this.stdio = stdio == null ? null : stdio.clone();
    }

    /** The tier being launched. Extensions that only apply to some tiers check it. */
    public Tier tier() {
        return tier;
    }

    /**
     * Adds bwrap options (ignored by the direct tier, which has no bwrap).
     *
     * @param args options and their values, in order
     */
    public void addBwrapArgs(String... args) {
        Collections.addAll(bwrapArgs, args);
    }

    /** Variables that hold a list of options: several extensions add to them rather than replace. */
    private static final java.util.Set<String> OPTION_LISTS = java.util.Set.of("JAVA_TOOL_OPTIONS", "NODE_OPTIONS");

    /**
     * Sets an environment variable for the command. For option lists ({@code JAVA_TOOL_OPTIONS},
     * {@code NODE_OPTIONS}) the value is appended, space-separated, to what another extension set,
     * so the network bridge's proxy options and the broker's trust store both reach Java.
     *
     * @param name the variable
     * @param value its value
     */
    public void setEnv(String name, String value) {
        String old = env.get(name);
        env.put(name, old != null && OPTION_LISTS.contains(name) ? old + " " + value : value);
    }

    /**
     * Hands a descriptor of this process to the child (bwrap). The parent keeps ownership of
     * {@code parentFd} and must keep it open until the launch has happened; the child receives a
     * duplicate without close-on-exec at the returned number. No other descriptor beyond 0–2
     * reaches the child.
     *
     * @param parentFd an open descriptor in this process
     * @return the descriptor number the child sees
     */
    public int passFd(int parentFd) {
        passedFds.add(parentFd);
        return FIRST_EXTRA_FD + passedFds.size() - 1;
    }

    /**
     * The host descriptors that become the command's 0, 1 and 2 ({0, 1, 2} when it inherits ours).
     *
     * @return a copy
     */
    public int[] stdio() {
        return stdio == null ? new int[] {0, 1, 2} : stdio.clone();
    }

    /**
     * Replaces the command's stdio, e.g. with pipes whose other end the extension reads (to count
     * or cap the output). Like {@link #passFd}, the parent keeps ownership of the descriptors and
     * must keep them open until the launch has happened ({@link SandboxExtension#attach}).
     *
     * @param fds three descriptors of this process
     */
    public void stdio(int[] fds) {
        if (fds.length != 3) {
            throw new IllegalArgumentException("stdio must name three descriptors");
        }
        stdio = fds.clone();
    }

    /**
     * Says that a TCP port on the sandbox's loopback must lead to a Unix socket of the host (the
     * session's proxies). The namespace tier's bridge starts its own forwarders; the vm tier
     * hands these to the guest agent, which listens on the port and tunnels each connection.
     *
     * @param sandboxPort the loopback port inside
     * @param hostSocket the Unix socket on the host
     */
    public void tunnel(int sandboxPort, java.nio.file.Path hostSocket) {
        tunnels.put(sandboxPort, java.util.Objects.requireNonNull(hostSocket, "hostSocket"));
    }

    /** The tunnels asked for, by sandbox port. */
    Map<Integer, java.nio.file.Path> tunnels() {
        return Collections.unmodifiableMap(tunnels);
    }

    /** The stdio to spawn with, or null to inherit. */
    int[] spawnStdio() {
        return stdio == null ? null : stdio.clone();
    }

    List<String> bwrapArgs() {
        return List.copyOf(bwrapArgs);
    }

    Map<String, String> env() {
        return Collections.unmodifiableMap(env);
    }

    List<Integer> passedFds() {
        return List.copyOf(passedFds);
    }
}
