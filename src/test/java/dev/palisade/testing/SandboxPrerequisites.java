package dev.palisade.testing;

/** The prerequisites of tests that start real sandboxes. */
public final class SandboxPrerequisites {
    private SandboxPrerequisites() {
    }

    /** Requires bubblewrap (and therefore user namespaces) to be usable here. */
    public static void requireBwrap() {
        Prerequisites.requireExecutable("bwrap");
    }
}
