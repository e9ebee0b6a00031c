package dev.palisade.sandbox;

import java.util.Locale;

/** The isolation tiers, from weakest to strongest. */
public enum Tier {
    /** On the host; only path validation and the network proxies apply. Unsafe, for debugging. */
    DIRECT,
    /** bubblewrap namespaces, seccomp, proxies and the filesystem policy. The default. */
    NAMESPACE,
    /** A QEMU microVM with the namespace tier inside it. */
    VM;

    /** The name used on the command line and in policies. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a tier name.
     *
     * @param name "direct", "namespace" or "vm"
     * @return the tier
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Tier parse(String name) {
        for (Tier t : values()) {
            if (t.cliName().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tier '" + name + "' (expected direct, namespace or vm)");
    }
}
