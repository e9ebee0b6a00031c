package dev.palisade.broker;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One credential of a policy's {@code credentials} key.
 *
 * @param name the environment variable that holds the placeholder inside the sandbox
 * @param hosts the hosts the real secret may be sent to
 * @param ports the ports on those hosts whose tunnels are intercepted (usually 443)
 * @param source where the real secret comes from on the host
 * @param injection where the secret goes in a request
 * @param onMissing what to do with a request to a bound host without the placeholder
 */
public record CredentialSpec(String name, List<HostPattern> hosts, Set<Integer> ports, SecretSource source,
        Injection injection, MissingPlaceholder onMissing) {
    /** Validates and copies. */
    public CredentialSpec {
        Objects.requireNonNull(name, "name");
        hosts = List.copyOf(hosts);
        ports = Set.copyOf(ports);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(injection, "injection");
        Objects.requireNonNull(onMissing, "onMissing");
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("credential name must be an environment variable name: '" + name + "'");
        }
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("credential " + name + " is bound to no host");
        }
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("credential " + name + " has no port");
        }
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("credential " + name + ": port out of range: " + p);
            }
        }
    }

    /** Whether this credential's secret may go to {@code host}:{@code port}. */
    public boolean boundTo(String host, int port) {
        return ports.contains(port) && hosts.stream().anyMatch(h -> h.matches(host));
    }
}
