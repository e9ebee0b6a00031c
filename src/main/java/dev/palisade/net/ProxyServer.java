package dev.palisade.net;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

import dev.palisade.api.EventSink;

/**
 * A session's HTTP and SOCKS5 proxies. Each listens on its own Unix domain socket in a directory
 * only the session owner can enter (mode 0700), so one session cannot reach another session's
 * proxies; for the direct tier they can also listen on 127.0.0.1 ephemeral TCP ports. One virtual
 * thread accepts on each listener, and one more serves each connection.
 */
public final class ProxyServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ProxyServer.class.getName());

    private final Path socketDir;
    private final Path httpSocket;
    private final Path socksSocket;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final Set<ClientConnection> live = ConcurrentHashMap.newKeySet();
    private final SessionQuota quota;
    private final EgressPolicy policy;
    private InetSocketAddress httpTcp;
    private InetSocketAddress socksTcp;
    private volatile boolean closed;

    private ProxyServer(Path socketDir, EgressPolicy policy, SessionQuota quota) {
        this.socketDir = socketDir;
        this.httpSocket = socketDir.resolve("http.sock");
        this.socksSocket = socketDir.resolve("socks.sock");
        this.policy = policy;
        this.quota = quota;
    }

    /**
     * Starts both proxies for a session.
     *
     * @param sessionId the session (for violation events)
     * @param rules its network rules
     * @param resolver resolves allowed names
     * @param events receives violations
     * @param interceptor takes over allowed tunnels it claims, or null
     * @param socketDir a directory to create (mode 0700) for the two sockets; must not exist
     * @param tcp whether to also listen on 127.0.0.1 ephemeral ports (direct tier only)
     * @return the running proxies
     * @throws IOException if a socket cannot be bound
     */
    public static ProxyServer start(String sessionId, EgressRules rules, Resolver resolver, EventSink events,
            TunnelInterceptor interceptor, Path socketDir, boolean tcp) throws IOException {
        Objects.requireNonNull(sessionId, "sessionId");
        Files.createDirectories(socketDir.getParent());
        Files.createDirectory(socketDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        SessionQuota quota = new SessionQuota(rules.maxConnections(), rules.maxBytes());
        EgressPolicy policy = new EgressPolicy(rules, resolver, events, sessionId);
        ProxyServer server = new ProxyServer(socketDir, policy, quota);
        HttpProxyHandler http = new HttpProxyHandler(policy, quota, interceptor);
        Socks5Handler socks = new Socks5Handler(policy, quota, interceptor);
        try {
            server.listen(server.unix(server.httpSocket), http::serve, "http");
            server.listen(server.unix(server.socksSocket), socks::serve, "socks");
            if (tcp) {
                server.httpTcp = server.listen(server.loopback(), http::serve, "http-tcp");
                server.socksTcp = server.listen(server.loopback(), socks::serve, "socks-tcp");
            }
        } catch (IOException | RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    private ServerSocketChannel unix(Path path) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listeners.add(ch);
        ch.bind(UnixDomainSocketAddress.of(path), 128);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return ch;
    }

    private ServerSocketChannel loopback() throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
        listeners.add(ch);
        ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        return ch;
    }

    private InetSocketAddress listen(ServerSocketChannel ch, BiConsumer<ClientConnection, Boolean> handler, String name)
            throws IOException {
        Thread.ofVirtual().name("palisade-proxy-accept-" + name).start(() -> acceptLoop(ch, handler));
        return ch.getLocalAddress() instanceof InetSocketAddress isa ? isa : null;
    }

    private void acceptLoop(ServerSocketChannel server, BiConsumer<ClientConnection, Boolean> handler) {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "proxy accept failed: {0}", e.toString());
                continue;
            }
            ClientConnection conn = new ClientConnection(ch);
            live.add(conn);
            boolean slot = quota.acquire();
            Thread.ofVirtual().name("palisade-proxy-conn").start(() -> {
                try {
                    handler.accept(conn, !slot);
                } finally {
                    if (slot) {
                        quota.release();
                    }
                    live.remove(conn);
                    conn.close();
                }
            });
        }
    }

    /** The HTTP proxy's Unix socket. */
    public Path httpSocket() {
        return httpSocket;
    }

    /** The SOCKS5 proxy's Unix socket. */
    public Path socksSocket() {
        return socksSocket;
    }

    /** The HTTP proxy's TCP address, when started with {@code tcp}. */
    public Optional<InetSocketAddress> httpTcp() {
        return Optional.ofNullable(httpTcp);
    }

    /** The SOCKS5 proxy's TCP address, when started with {@code tcp}. */
    public Optional<InetSocketAddress> socksTcp() {
        return Optional.ofNullable(socksTcp);
    }

    /** The policy both proxies use. */
    public EgressPolicy policy() {
        return policy;
    }

    /** Connections currently open. */
    int openConnections() {
        return quota.open();
    }

    /** Stops listening, closes every open connection and removes the sockets. */
    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel ch : listeners) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a listener cannot meaningfully fail
            }
        }
        live.forEach(ClientConnection::close);
        try {
            Files.deleteIfExists(httpSocket);
            Files.deleteIfExists(socksSocket);
            Files.deleteIfExists(socketDir);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove proxy sockets in {0}: {1}", socketDir, e.toString());
        }
    }
}
