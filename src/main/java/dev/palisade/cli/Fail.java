package dev.palisade.cli;

/** Prints one-line errors in the launcher's format. */
final class Fail {
    private Fail() {
    }

    /** Prints {@code palisade: message} on stderr and returns 125. */
    static int with(String message) {
        System.err.println("palisade: " + message);
        return Main.FAILED;
    }
}
