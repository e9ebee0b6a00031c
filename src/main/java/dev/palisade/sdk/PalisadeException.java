package dev.palisade.sdk;

import java.io.IOException;
import java.util.Objects;

/**
 * A refusal or failure reported by Palisade, with the daemon's error code ({@code path-traversal},
 * {@code no-such-session}, {@code read-only}, ...; docs/api.md lists them) or one of the SDK's own:
 * {@code no-daemon} (nothing listens on the socket), {@code peer-uid} (the daemon serves another
 * user), {@code disconnected} (the connection ended before the answer came), {@code interrupted}.
 * It is an {@link IOException} so that streams returned by the file API can throw it as it is.
 */
public final class PalisadeException extends IOException {
    private static final long serialVersionUID = 1L;
    /** The code of {@link #code()} when nothing listens on the socket. */
    public static final String NO_DAEMON = "no-daemon";
    /** The code when the connection ended before an answer. */
    public static final String DISCONNECTED = "disconnected";
    /** The code when the daemon refused us for being another uid. */
    public static final String PEER_UID = "peer-uid";

    /** The error code. */
    private final String code;

    /**
     * Creates one.
     *
     * @param code the error code, never blank
     * @param message what went wrong, naming the path or id concerned
     */
    public PalisadeException(String code, String message) {
        super(code + ": " + message);
        this.code = Objects.requireNonNull(code, "code");
        if (code.isBlank()) {
            throw new IllegalArgumentException("code must not be blank");
        }
    }

    /**
     * Creates one with a cause.
     *
     * @param code the error code
     * @param message what went wrong
     * @param cause the underlying failure
     */
    public PalisadeException(String code, String message, Throwable cause) {
        this(code, message);
        initCause(cause);
    }

    /**
     * The error code, e.g. {@code path-traversal}.
     *
     * @return the code
     */
    public String code() {
        return code;
    }
}
