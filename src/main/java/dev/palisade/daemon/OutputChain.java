package dev.palisade.daemon;

/**
 * The filters every output chunk passes, in order, before it reaches subscribers: sandbox→host
 * path translation, then redaction of the session's secrets (only when it has credentials). Each
 * filter may hold back a tail of a chunk; {@link #flush} drains them, in order, at end of stream.
 */
final class OutputChain {
    private final PathRewriter paths;
    private final SecretRedactor secrets;

    OutputChain(PathRewriter paths, SecretRedactor secrets) {
        this.paths = paths;
        this.secrets = secrets == null || secrets.isEmpty() ? null : secrets;
    }

    byte[] apply(byte[] chunk) {
        byte[] out = paths.apply(chunk);
        return secrets == null ? out : secrets.apply(out);
    }

    byte[] flush() {
        byte[] rest = paths.flush();
        if (secrets == null) {
            return rest;
        }
        byte[] a = secrets.apply(rest);
        byte[] b = secrets.flush();
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
