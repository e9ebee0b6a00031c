package dev.palisade.daemon;

/** A request the daemon refuses; {@code code} is the machine-readable error name in the reply. */
final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String code;

    ProtocolException(String code, String message) {
        super(message);
        this.code = code;
    }

    String code() {
        return code;
    }
}
