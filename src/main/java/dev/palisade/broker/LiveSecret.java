package dev.palisade.broker;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The current real secret of one credential, refreshed from a command source on expiry or after
 * a 401. Other sources are read once at start.
 */
final class LiveSecret {
    private static final System.Logger LOG = System.getLogger(LiveSecret.class.getName());

    private final CredentialSpec spec;
    private final SecretReader reader;
    private final ReentrantLock refreshLock = new ReentrantLock();
    private volatile String value;
    private volatile Instant readAt;

    LiveSecret(CredentialSpec spec, SecretReader reader) throws IOException {
        this.spec = spec;
        this.reader = reader;
        this.value = reader.read(spec.source());
        this.readAt = Instant.now();
    }

    CredentialSpec spec() {
        return spec;
    }

    /** The secret to use now; re-runs an expired command first. */
    String current() {
        if (spec.source() instanceof CommandSecret c && !c.maxAge().isZero()
                && Duration.between(readAt, Instant.now()).compareTo(c.maxAge()) > 0) {
            refreshIfStill(value);
        }
        return value;
    }

    /** The secret as last read, without refreshing (for masking echoes). */
    String peek() {
        return value;
    }

    /** Whether a 401 can be answered by re-running the source. */
    boolean refreshable() {
        return spec.source() instanceof CommandSecret;
    }

    /**
     * Re-reads the secret unless another request has done so since {@code used} was handed out,
     * so that concurrent 401s run the command once.
     *
     * @param used the secret the failed request carried
     * @return the secret to retry with
     */
    String refreshIfStill(String used) {
        refreshLock.lock();
        try {
            if (value.equals(used)) {
                try {
                    value = reader.read(spec.source());
                    readAt = Instant.now();
                } catch (IOException e) {
                    // Keep the old secret: the request fails upstream with its own status.
                    LOG.log(System.Logger.Level.WARNING, "refreshing credential {0} failed: {1}",
                            spec.name(), e.getMessage());
                }
            }
            return value;
        } finally {
            refreshLock.unlock();
        }
    }
}
