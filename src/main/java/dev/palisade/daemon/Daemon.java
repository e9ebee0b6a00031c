package dev.palisade.daemon;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.palisade.sandbox.RuntimeDirs;
import dev.palisade.sys.Libc;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The daemon: a Unix socket (unix(7)) that only its own uid may use, one virtual thread per
 * connection, sessions shared by all connections.
 */
public final class Daemon implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("palisade");
    final Map<String, DaemonSession> sessions = new ConcurrentHashMap<>();
    final StateRecords records;
    private final Path socket;
    private final ServerSocketChannel server;
    private final List<String> recovered;
    private volatile boolean closed;
    /** The vm tier's settings for every vm session, or null for this user's defaults (tests set a private store). */
    volatile dev.palisade.vm.VmSettings vmSettings;

    private Daemon(Path socket, ServerSocketChannel server, StateRecords records, List<String> recovered) {
        this.socket = socket;
        this.server = server;
        this.records = records;
        this.recovered = recovered;
    }

    /**
     * Binds the socket and clears what a crashed predecessor left.
     *
     * @param socket the socket path; its folder is made 0700
     * @param stateDir the state folder
     * @return the daemon, not yet accepting
     * @throws IOException if another daemon listens there, or the socket cannot be made
     */
    public static Daemon bind(Path socket, Path stateDir) throws IOException {
        Files.createDirectories(socket.getParent().getParent());
        RuntimeDirs.privateDir(socket.getParent());
        if (Files.exists(socket)) {
            boolean live;
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                live = probe.isConnected();
            } catch (IOException e) {
                live = false;
            }
            if (live) {
                throw new IOException("a daemon already listens on " + socket);
            }
            Files.delete(socket); // stale socket of a dead daemon
        }
        StateRecords records = new StateRecords(stateDir);
        List<String> stale = records.recover();
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        return new Daemon(socket, server, records, stale);
    }

    /**
     * The vm tier's settings for a session, as {@code palisade run --tier vm} takes them: this
     * user's image store and snapshot cache, the policy's image or the default one.
     */
    dev.palisade.vm.VmSettings vmSettings(String image) {
        dev.palisade.vm.VmSettings fixed = vmSettings;
        return fixed != null ? fixed : dev.palisade.vm.VmSettings.defaults(image);
    }

    /** Session ids a crashed predecessor had open, cleared at bind. */
    public List<String> recovered() {
        return recovered;
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    /** Accepts connections until closed. */
    public void serve() throws IOException {
        int uid = Libc.geteuid();
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                throw e;
            }
            // SO_PEERCRED (socket(7)): the uid the kernel recorded for the peer at connect time.
            UnixDomainPrincipal peer = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
            int peerUid = Integer.parseInt(peer.user().getName().chars().allMatch(Character::isDigit)
                    ? peer.user().getName() : Integer.toString(uidOf(peer.user().getName())));
            if (peerUid != uid) {
                LOG.log(System.Logger.Level.WARNING, "refused a connection from uid " + peerUid);
                try (ch) {
                    ch.write(java.nio.ByteBuffer.wrap(("{\"event\":\"refused\",\"error\":\"peer-uid\",\"message\":"
                            + "\"this daemon serves uid " + uid + " only\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                } catch (IOException ignored) {
                    // The refusal is the point; its message is a courtesy.
                }
                continue;
            }
            Thread.ofVirtual().name("conn").start(new Connection(this, ch));
        }
    }

    private static int uidOf(String user) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 2 && f[0].equals(user)) {
                return Integer.parseInt(f[2]);
            }
        }
        throw new IOException("unknown peer user " + user);
    }

    /** Stops accepting, closes every session (killing its commands), removes the socket. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing anyway.
        }
        for (String id : List.copyOf(sessions.keySet())) {
            DaemonSession s = sessions.remove(id);
            if (s != null) {
                s.close();
                records.remove(id);
            }
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // Next start removes a stale socket.
        }
    }
}
