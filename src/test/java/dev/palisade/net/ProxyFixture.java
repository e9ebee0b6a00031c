package dev.palisade.net;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.palisade.api.Event;
import dev.palisade.api.ViolationEvent;

/**
 * Real proxies and real loopback upstreams: {@code allowed.test} and {@code other.test} reach the
 * "allowed" upstream on 127.0.0.1; {@code denied.test} (and the suffix tricks) resolve to the
 * "denied" upstream on 127.0.0.3, which must never receive anything; {@code internal.test} is
 * allowed by name but resolves to 127.0.0.2, which is not an allowed private address;
 * {@code rebind.test} answers 127.0.0.1 first and 127.0.0.3 after.
 */
final class ProxyFixture implements AutoCloseable {
    final TestUpstream allowed;
    final TestUpstream denied;
    final TestUpstream internal;
    final ProxyServer proxy;
    final List<Event> events = new CopyOnWriteArrayList<>();
    final AtomicInteger rebindLookups = new AtomicInteger();
    final AtomicInteger lookups = new AtomicInteger();

    final EgressRules rules;
    final Resolver resolver;

    ProxyFixture(Path dir, int maxConnections, long maxBytes, TunnelInterceptor interceptor) throws IOException {
        this(dir, maxConnections, maxBytes, interceptor, true);
    }

    ProxyFixture(Path dir, int maxConnections, long maxBytes, TunnelInterceptor interceptor, boolean startProxy)
            throws IOException {
        allowed = new TestUpstream("allowed", "127.0.0.1");
        denied = new TestUpstream("denied", "127.0.0.3");
        internal = new TestUpstream("internal", "127.0.0.2");
        rules = new EgressRules(List.of("allowed.test", "other.test", "internal.test", "rebind.test"),
                List.of(), List.of("127.0.0.1/32", "127.0.0.3/32"), List.of(), maxConnections, maxBytes);
        resolver = name -> {
            lookups.incrementAndGet();
            return switch (name) {
                case "allowed.test", "other.test" -> List.of(ip("127.0.0.1"));
                case "internal.test" -> List.of(ip("127.0.0.2"));
                case "rebind.test" -> List.of(ip(rebindLookups.getAndIncrement() == 0 ? "127.0.0.1" : "127.0.0.3"));
                case "denied.test", "allowed.test.evil.test", "evilallowed.test" -> List.of(ip("127.0.0.3"));
                default -> throw new UnknownHostException(name);
            };
        };
        proxy = startProxy
                ? ProxyServer.start("fixture-session", rules, resolver, events::add, interceptor, dir.resolve("proxy"), true)
                : null;
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    List<ViolationEvent> violations() {
        return events.stream().filter(e -> e instanceof ViolationEvent).map(e -> (ViolationEvent) e).toList();
    }

    SocketChannel openHttp() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(proxy.httpSocket()));
    }

    SocketChannel openSocks() throws IOException {
        return SocketChannel.open(UnixDomainSocketAddress.of(proxy.socksSocket()));
    }

    static void send(SocketChannel ch, String s) throws IOException {
        send(ch, s.getBytes(StandardCharsets.ISO_8859_1));
    }

    static void send(SocketChannel ch, byte[] b) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(b);
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
    }

    /** Reads until the peer closes. */
    static String readAll(SocketChannel ch) throws IOException {
        return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    /** Reads one HTTP response with a Content-Length body (or none) from the stream. */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            sb.append((char) b);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        String head = sb.toString();
        String lower = head.toLowerCase(java.util.Locale.ROOT);
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int end = lower.indexOf("\r\n", cl + 2);
            int n = Integer.parseInt(lower.substring(cl + 17, end).trim());
            head += new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
        }
        return head;
    }

    @Override
    public void close() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        allowed.close();
        denied.close();
        internal.close();
    }
}
