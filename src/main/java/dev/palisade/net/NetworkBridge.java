package dev.palisade.net;

import java.io.IOException;
import java.net.Inet6Address;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.palisade.api.EventSink;
import dev.palisade.sandbox.LaunchPlan;
import dev.palisade.sandbox.SandboxExtension;
import dev.palisade.sandbox.Tier;
import dev.palisade.sys.Libc;
import dev.palisade.sys.Namespaces;

/**
 * The network layer of a session: the proxies on the host, and the bridge that makes them
 * reachable inside the sandbox.
 *
 * <p>The sandbox has its own network namespace with only a loopback interface, and its seccomp
 * filter forbids AF_UNIX, so no forwarder can run inside it. Instead, once bwrap has created the
 * namespaces, the host starts socat in the sandbox's <em>network</em> namespace only (nsenter
 * {@code --net}, plus {@code --user} when unprivileged): it listens on 127.0.0.1:{@value #SANDBOX_HTTP_PORT}
 * and :{@value #SANDBOX_SOCKS_PORT} there and connects to the session's proxy sockets through the
 * host's file system. Sandboxed processes cannot see or signal it (other mount and pid namespaces);
 * their only way out is a TCP connection to those two ports, which the proxies judge.
 *
 * <p>In the direct tier there is no namespace: the proxies also listen on 127.0.0.1 ephemeral ports
 * and the environment points there (advisory only: a direct-tier process can ignore it).
 */
public final class NetworkBridge implements SandboxExtension {
    /** The HTTP proxy's port inside the sandbox. */
    public static final int SANDBOX_HTTP_PORT = 3128;
    /** The SOCKS5 proxy's port inside the sandbox. */
    public static final int SANDBOX_SOCKS_PORT = 1080;
    /** S_IFMT and S_IFSOCK from inode(7). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final String sessionId;
    private final EgressRules rules;
    private final Resolver resolver;
    private final EventSink events;
    private final TunnelInterceptor interceptor;
    private final Path runtimeDir;
    private final List<PortPublish> publish;
    private final List<Forwarder> forwarders = new ArrayList<>();
    private final List<Path> publishSockets = new ArrayList<>();
    private ProxyServer proxy;
    private Tier tier;

    /**
     * Creates the bridge; nothing runs until {@link #prepare}.
     *
     * @param sessionId the session
     * @param rules the network rules
     * @param resolver resolves allowed names ({@link Resolver#SYSTEM} outside tests)
     * @param events receives violations
     * @param interceptor the credential broker, or null
     * @param runtimeDir a private (0700) folder of the session for the proxy and publish sockets;
     *     it must exist, and must be short enough for Unix socket paths (about 90 bytes)
     * @param publish ports to publish from the sandbox to the host
     */
    public NetworkBridge(String sessionId, EgressRules rules, Resolver resolver, EventSink events,
            TunnelInterceptor interceptor, Path runtimeDir, List<PortPublish> publish) {
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.events = Objects.requireNonNull(events, "events");
        this.interceptor = interceptor;
        this.runtimeDir = Objects.requireNonNull(runtimeDir, "runtimeDir");
        this.publish = List.copyOf(publish);
    }

    /** Starts the proxies, sets the proxy environment, binds the allowed Unix sockets in. */
    @Override
    public void prepare(LaunchPlan plan) throws IOException {
        tier = plan.tier();
        boolean direct = tier == Tier.DIRECT;
        proxy = ProxyServer.start(sessionId, rules, resolver, events, interceptor, runtimeDir.resolve("net"), direct);
        Map<String, String> env = direct
                ? ProxyEnvironment.of("127.0.0.1:" + proxy.httpTcp().orElseThrow().getPort(), proxy.httpTcp().orElseThrow().getPort(),
                        "127.0.0.1:" + proxy.socksTcp().orElseThrow().getPort())
                : ProxyEnvironment.of("127.0.0.1:" + SANDBOX_HTTP_PORT, SANDBOX_HTTP_PORT, "127.0.0.1:" + SANDBOX_SOCKS_PORT);
        env.forEach(plan::setEnv);
        if (!direct) {
            plan.tunnel(SANDBOX_HTTP_PORT, proxy.httpSocket());
            plan.tunnel(SANDBOX_SOCKS_PORT, proxy.socksSocket());
        }
        if (tier == Tier.VM && (!rules.allowUnixSockets().isEmpty() || !publish.isEmpty())) {
            throw new IOException("network.allowUnixSockets and --publish are not available in the vm tier yet");
        }
        if (!direct) {
            for (String s : rules.allowUnixSockets()) {
                Path p = Path.of(s);
                int mode;
                try {
                    mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                } catch (IOException e) {
                    throw new IOException("network.allowUnixSockets: " + s + " does not exist", e);
                }
                if ((mode & S_IFMT) != S_IFSOCK) {
                    throw new IOException("network.allowUnixSockets: " + s + " is not a socket");
                }
                // Bound one by one at the same path, so variables like SSH_AUTH_SOCK stay valid.
                plan.addBwrapArgs("--bind", s, s);
            }
        }
    }

    /** Starts the forwarders in the sandbox's network namespace and the published ports. */
    @Override
    public void attach(long sandboxPid) throws IOException {
        if (tier == Tier.DIRECT || tier == Tier.VM) {
            // vm: the guest agent listens inside and tunnels to the proxy sockets (LaunchPlan.tunnel).
            return;
        }
        if (proxy == null) {
            throw new IllegalStateException("attach before prepare");
        }
        int userNsFd = Namespaces.openNetOwnerUserNamespace(sandboxPid);
        try {
            // nsenter opens the namespace files as it starts; the descriptor is only needed until
            // each forwarder is listening.
            String userNs = Forwarder.userNamespacePath(userNsFd);
            forwarders.add(Forwarder.start(sandboxPid, userNs, listen(SANDBOX_HTTP_PORT), "UNIX-CONNECT:" + proxy.httpSocket()));
            forwarders.add(Forwarder.start(sandboxPid, userNs, listen(SANDBOX_SOCKS_PORT), "UNIX-CONNECT:" + proxy.socksSocket()));
            int n = 0;
            for (PortPublish p : publish) {
                Path sock = runtimeDir.resolve("net").resolve("publish-" + (n++) + ".sock");
                publishSockets.add(sock);
                // Inside: a Unix socket (in the host's file system, unreachable from the sandbox)
                // that connects to the sandbox's server; outside: the host listener that feeds it.
                forwarders.add(Forwarder.start(sandboxPid, userNs, "UNIX-LISTEN:" + sock + ",fork,mode=600,unlink-early",
                        "TCP4:127.0.0.1:" + p.sandboxPort()));
                String bind = p.hostAddress() instanceof Inet6Address
                        ? "TCP6-LISTEN:" + p.hostPort() + ",bind=" + Host.literal(p.hostAddress())
                        : "TCP4-LISTEN:" + p.hostPort() + ",bind=" + p.hostAddress().getHostAddress();
                forwarders.add(Forwarder.start(0, null, bind + ",fork,reuseaddr", "UNIX-CONNECT:" + sock));
            }
        } finally {
            Libc.closeQuietly(userNsFd);
        }
    }

    private static String listen(int port) {
        return "TCP4-LISTEN:" + port + ",bind=127.0.0.1,fork,reuseaddr";
    }

    /** The running proxies (after {@link #prepare}). */
    public ProxyServer proxy() {
        return proxy;
    }

    /** Stops the forwarders and the proxies. */
    @Override
    public void close() {
        for (Forwarder f : forwarders.reversed()) {
            f.close();
        }
        forwarders.clear();
        for (Path p : publishSockets) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // the folder is removed with the session anyway
            }
        }
        publishSockets.clear();
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
    }
}
