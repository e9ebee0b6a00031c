package dev.palisade.sandbox;

/** Decodes wait(2) statuses into the container runtimes' exit-status convention. */
final class ExitStatus {
    /** Palisade itself failed: bad policy, missing folder, no bwrap. */
    static final int PALISADE_FAILED = 125;
    /** The command exists but cannot be executed. */
    static final int NOT_EXECUTABLE = 126;
    /** The command was not found. */
    static final int NOT_FOUND = 127;

    private ExitStatus() {
    }

    /** The status to report for a raw wait status: the exit code, or 128+N for signal N. */
    static int of(int raw) {
        int termSig = raw & 0x7f;
        if (termSig == 0) {
            return (raw >> 8) & 0xff;
        }
        return 128 + termSig;
    }

    /** The signal for a reported status, or 0 when it is an ordinary exit. */
    static int signalOf(int raw) {
        return raw & 0x7f;
    }
}
