package dev.palisade.sdk;

/** Which output stream of a command a chunk came from. */
public enum StdStream {
    /** Standard output (descriptor 1). */
    STDOUT,
    /** Standard error (descriptor 2). */
    STDERR;

    /** The wire name, {@code stdout} or {@code stderr}. */
    String wire() {
        return this == STDOUT ? "stdout" : "stderr";
    }

    static StdStream ofWire(String s) throws PalisadeException {
        return switch (s) {
            case "stdout" -> STDOUT;
            case "stderr" -> STDERR;
            default -> throw new PalisadeException("bad-event", "unknown stream '" + s + "'");
        };
    }
}
