package dev.palisade.net;

import java.net.InetAddress;
import java.util.Objects;

/**
 * One {@code --publish [HOST_IP:]HOST_PORT:SANDBOX_PORT}: a server listening on
 * 127.0.0.1:SANDBOX_PORT inside the sandbox becomes reachable on the host at HOST_IP:HOST_PORT
 * (loopback unless an address is given). Never the other way round.
 *
 * @param hostAddress where the host side listens
 * @param hostPort the host port
 * @param sandboxPort the port inside the sandbox's network namespace
 */
public record PortPublish(InetAddress hostAddress, int hostPort, int sandboxPort) {
    /** Validates. */
    public PortPublish {
        Objects.requireNonNull(hostAddress, "hostAddress");
        if (hostPort < 1 || hostPort > 65535 || sandboxPort < 1 || sandboxPort > 65535) {
            throw new IllegalArgumentException("--publish ports must be 1-65535");
        }
    }

    /**
     * Parses the command-line form.
     *
     * @param spec {@code 8080:80}, {@code 127.0.0.1:8080:80} or {@code [::1]:8080:80}
     * @return the publication
     * @throws IllegalArgumentException naming the spec
     */
    public static PortPublish parse(String spec) {
        String host = "127.0.0.1";
        String rest = spec;
        if (spec.startsWith("[")) {
            int close = spec.indexOf("]:");
            if (close < 0) {
                throw new IllegalArgumentException("--publish '" + spec + "': expected [HOST_IP:]HOST_PORT:SANDBOX_PORT");
            }
            host = spec.substring(0, close + 1);
            rest = spec.substring(close + 2);
        } else {
            int colons = (int) spec.chars().filter(c -> c == ':').count();
            if (colons == 2) {
                host = spec.substring(0, spec.indexOf(':'));
                rest = spec.substring(spec.indexOf(':') + 1);
            } else if (colons != 1) {
                throw new IllegalArgumentException("--publish '" + spec + "': expected [HOST_IP:]HOST_PORT:SANDBOX_PORT");
            }
        }
        String[] ports = rest.split(":", -1);
        if (ports.length != 2) {
            throw new IllegalArgumentException("--publish '" + spec + "': expected [HOST_IP:]HOST_PORT:SANDBOX_PORT");
        }
        try {
            InetAddress a = IpLiterals.parse(host);
            if (a == null) {
                throw new IllegalArgumentException("--publish '" + spec + "': the host side must be an IP address");
            }
            return new PortPublish(a, Host.parsePort(ports[0]), Host.parsePort(ports[1]));
        } catch (MalformedTargetException e) {
            throw new IllegalArgumentException("--publish '" + spec + "': " + e.getMessage(), e);
        }
    }
}
