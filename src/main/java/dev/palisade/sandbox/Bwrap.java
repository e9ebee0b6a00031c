package dev.palisade.sandbox;

/** Finds the bwrap executable. */
final class Bwrap {
    private Bwrap() {
    }

    /** The bwrap on the PATH (or in /usr/bin, /bin). */
    static String find() throws SandboxException {
        return Executables.onPath("bwrap").map(Object::toString).orElseThrow(() -> new SandboxException(
                "bwrap not found: install bubblewrap (apt-get install bubblewrap),"
                        + " or use --tier direct for an unisolated debugging run"));
    }
}
