package dev.palisade.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

/**
 * Takes over an allowed tunnel instead of splicing it to the upstream: the credential broker
 * terminates TLS for the hosts a credential is bound to. The proxy has already decided that the
 * target is allowed, resolved it once, and answered the client (CONNECT 200 or SOCKS success);
 * the interceptor must connect only to {@code approvedAddress} (no second DNS lookup).
 */
public interface TunnelInterceptor {
    /**
     * Whether this tunnel is to be intercepted.
     *
     * @param canonicalHost the canonical (lower-case, punycode, no trailing dot) host name
     * @param port the target port
     * @return true to hand the tunnel to {@link #serve}
     */
    boolean intercepts(String canonicalHost, int port);

    /**
     * Serves the client side of a tunnel until either side closes. Blocks; called on the
     * connection's own virtual thread.
     *
     * @param client the client's socket, positioned after the proxy's success reply
     * @param canonicalHost the host the client asked for
     * @param port the port the client asked for
     * @param approvedAddress the address the proxy resolved and checked
     * @throws IOException on an I/O failure of either side
     */
    void serve(Socket client, String canonicalHost, int port, InetAddress approvedAddress) throws IOException;
}
