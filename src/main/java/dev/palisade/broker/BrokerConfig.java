package dev.palisade.broker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the credential broker of one session needs.
 *
 * @param sessionId the session, for violation events and file names
 * @param credentials the credentials (names unique)
 * @param upstreamExtraCa a PEM file of extra CAs trusted for upstream servers besides the host
 *     trust store — for tests only; null in production
 * @param systemBundle the host's CA bundle, copied into the sandbox's bundle together with the
 *     session CA (normally {@code /etc/ssl/certs/ca-certificates.crt})
 * @param caLifetime how long the session CA and its leaves are valid
 * @param sandboxDir where the broker's trust files appear inside the sandbox
 */
public record BrokerConfig(String sessionId, List<CredentialSpec> credentials, Path upstreamExtraCa,
        Path systemBundle, Duration caLifetime, String sandboxDir) {
    /** The Debian/Ubuntu system CA bundle. */
    public static final Path SYSTEM_BUNDLE = Path.of("/etc/ssl/certs/ca-certificates.crt");
    /**
     * Default directory of the trust files inside the sandbox. Under /tmp because the launcher
     * adds extensions' mounts after remounting the root read-only, so the mount point must lie
     * in a writable tmpfs.
     */
    public static final String SANDBOX_DIR = "/tmp/.palisade-broker";

    /** Validates and copies. */
    public BrokerConfig {
        Objects.requireNonNull(sessionId, "sessionId");
        credentials = List.copyOf(credentials);
        Objects.requireNonNull(systemBundle, "systemBundle");
        Objects.requireNonNull(caLifetime, "caLifetime");
        Objects.requireNonNull(sandboxDir, "sandboxDir");
        if (caLifetime.compareTo(Duration.ofMinutes(1)) < 0 || caLifetime.compareTo(Duration.ofDays(7)) > 0) {
            throw new IllegalArgumentException("session CA lifetime must be between 1 minute and 7 days");
        }
        if (!sandboxDir.startsWith("/") || sandboxDir.contains("..")) {
            throw new IllegalArgumentException("sandboxDir must be an absolute path without '..'");
        }
        Set<String> names = new java.util.HashSet<>();
        for (CredentialSpec c : credentials) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("duplicate credential name " + c.name());
            }
        }
    }

    /**
     * A production configuration: system bundle, no extra upstream CA, a 24-hour session CA.
     *
     * @param sessionId the session
     * @param credentials the credentials
     */
    public BrokerConfig(String sessionId, List<CredentialSpec> credentials) {
        this(sessionId, credentials, null, SYSTEM_BUNDLE, Duration.ofHours(24), SANDBOX_DIR);
    }

    /** A copy trusting an extra upstream CA (tests). */
    public BrokerConfig withUpstreamExtraCa(Path caFile) {
        return new BrokerConfig(sessionId, credentials, caFile, systemBundle, caLifetime, sandboxDir);
    }
}
