package dev.palisade.broker;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The secret is what a host command prints on standard output (trimmed), e.g. a keyring helper
 * or an OAuth token helper. The command is re-run when the upstream answers 401 (once per
 * request) and when the secret is older than {@code maxAge}.
 *
 * @param argv the command and its arguments (run without a shell)
 * @param maxAge how long a secret stays fresh, or {@link Duration#ZERO} for "until a 401"
 * @param timeout how long the command may run
 */
public record CommandSecret(List<String> argv, Duration maxAge, Duration timeout) implements SecretSource {
    /** Validates and copies. */
    public CommandSecret {
        argv = List.copyOf(argv);
        Objects.requireNonNull(maxAge, "maxAge");
        Objects.requireNonNull(timeout, "timeout");
        if (argv.isEmpty() || argv.getFirst().isBlank()) {
            throw new IllegalArgumentException("secret command must not be empty");
        }
        if (maxAge.isNegative()) {
            throw new IllegalArgumentException("secret maxAge must not be negative");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("secret command timeout must be positive");
        }
    }

    /**
     * A command whose secret is refreshed only on a 401, with a 30 second time limit.
     *
     * @param argv the command and its arguments
     */
    public CommandSecret(List<String> argv) {
        this(argv, Duration.ZERO, Duration.ofSeconds(30));
    }

    @Override
    public String describe() {
        return "command " + argv.getFirst();
    }
}
