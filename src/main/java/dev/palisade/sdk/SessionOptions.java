package dev.palisade.sdk;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a new session gets.
 *
 * @param id the session id ({@code [a-z0-9][a-z0-9-]*}, at most 63 characters), or null for a fresh
 *        adjective-scientist id chosen by the daemon
 * @param folders host folders to mount, each {@code PATH[:ro|:rw]} (read-only by default), validated
 *        by the daemon like {@code palisade run --mount}
 * @param policy a policy in the policy file's JSON format (docs/policy.md), or null for the default
 *        policy; the daemon parses it ({@code bad-policy} on an error)
 * @param tier {@code "namespace"} or {@code "vm"}, or null for the policy's tier (else namespace)
 */
public record SessionOptions(String id, List<String> folders, String policy, String tier) {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
    private static final Pattern MODE = Pattern.compile(".*:(ro|rw)$");

    /** Validates. */
    public SessionOptions {
        if (id != null && !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("session id must match [a-z0-9][a-z0-9-]{0,62}: '" + id + "'");
        }
        folders = List.copyOf(Objects.requireNonNull(folders, "folders"));
        for (String f : folders) {
            String path = MODE.matcher(f).matches() ? f.substring(0, f.length() - 3) : f;
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("folder must be an absolute PATH[:ro|:rw]: '" + f + "'");
            }
        }
        if (policy != null && !policy.strip().startsWith("{")) {
            throw new IllegalArgumentException("policy must be a JSON object (the policy file's content)");
        }
        if (tier != null && !tier.equals("namespace") && !tier.equals("vm")) {
            throw new IllegalArgumentException("tier must be namespace or vm (a daemon never runs direct): '" + tier + "'");
        }
    }

    /**
     * Options with a policy, on the policy's tier.
     *
     * @param id the session id, or null
     * @param folders {@code PATH[:ro|:rw]} each
     * @param policy the policy file's content (JSON), or null
     */
    public SessionOptions(String id, List<String> folders, String policy) {
        this(id, folders, policy, null);
    }

    /**
     * Options without a policy.
     *
     * @param id the session id, or null
     * @param folders {@code PATH[:ro|:rw]} each
     */
    public SessionOptions(String id, List<String> folders) {
        this(id, folders, null);
    }

    /**
     * A session with a generated id and these folders.
     *
     * @param folders {@code PATH[:ro|:rw]} each
     * @return the options
     */
    public static SessionOptions of(String... folders) {
        return new SessionOptions(null, List.of(folders));
    }

    /**
     * The same with a chosen id.
     *
     * @param sessionId the id
     * @return new options
     */
    public SessionOptions withId(String sessionId) {
        return new SessionOptions(sessionId, folders, policy, tier);
    }

    /**
     * The same with a policy.
     *
     * @param policyJson the policy file's content (JSON)
     * @return new options
     */
    public SessionOptions withPolicy(String policyJson) {
        return new SessionOptions(id, folders, policyJson, tier);
    }

    /**
     * The same on a tier.
     *
     * @param isolation {@code "namespace"} or {@code "vm"}
     * @return new options
     */
    public SessionOptions withTier(String isolation) {
        return new SessionOptions(id, folders, policy, isolation);
    }
}
