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

    LaunchPlan(Tier tier) {
        this.tier = tier;
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

    /**
     * Sets an environment variable for the command.
     *
     * @param name the variable
     * @param value its value
     */
    public void setEnv(String name, String value) {
        env.put(name, value);
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
