package dev.palisade.broker;

import java.io.Serial;

/**
 * The broker cannot start: a secret source is missing, a CA file is bad, or a credential is bound
 * to a host the network allowlist does not allow. The message is meant for the user; the CLI
 * reports it and exits with status 125 before the command runs.
 */
public final class BrokerStartupException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and how to fix it
     */
    public BrokerStartupException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and how to fix it
     * @param cause the underlying failure
     */
    public BrokerStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
