package dev.palisade.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark of the proxies against direct loopback (run by {@code bench/net-proxy.sh}): 1 GiB
 * download throughput, connect+first-byte latency p50/p99, and N concurrent tunnels. Traffic stays
 * on 127.0.0.1. Lives in the net package to reach package-private plumbing; not a unit test.
 */
public final class ProxyBench {
    private static final byte[] CHUNK = new byte[256 * 1024];

    private ProxyBench() {
    }

    /** Where the client connects and how it asks for the upstream. */
    enum Route {
        DIRECT, HTTP_CONNECT, SOCKS5
    }

    /**
     * Runs the benchmark.
     *
     * @param args [bytes] [latency samples] [concurrent tunnels]
     */
    public static void main(String[] args) throws Exception {
        long bytes = args.length > 0 ? Long.parseLong(args[0]) : 1L << 30;
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        int concurrent = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 4096);
        Thread.ofVirtual().start(() -> serve(server));
        int port = server.getLocalPort();
        Path dir = Files.createTempDirectory("palisade-bench");
        EgressRules rules = new EgressRules(List.of("bench.test"), List.of(), List.of("127.0.0.1/32"), List.of(), concurrent + 64,
                Long.MAX_VALUE);
        Resolver resolver = name -> List.of(InetAddress.getByName("127.0.0.1"));
        try (ProxyServer proxy = ProxyServer.start("bench", rules, resolver, e -> { }, null, dir.resolve("p"), true)) {
            int http = proxy.httpTcp().orElseThrow().getPort();
            int socks = proxy.socksTcp().orElseThrow().getPort();
            System.out.printf("# %d bytes, %d latency samples, %d concurrent tunnels, %s%n", bytes, samples, concurrent,
                    Runtime.version());
            for (Route p : Route.values()) {
                throughput(p, port, http, socks, Math.min(bytes, 64L << 20)); // warm-up
                double mbps = throughput(p, port, http, socks, bytes);
                System.out.printf("throughput %-12s %8.0f MiB/s%n", p, mbps);
            }
            for (Route p : Route.values()) {
                latency(p, port, http, socks, samples / 4); // warm-up
                long[] ns = latency(p, port, http, socks, samples);
                System.out.printf("connect+echo %-12s p50 %6.1f us  p99 %6.1f us%n", p, ns[ns.length / 2] / 1e3,
                        ns[(int) (ns.length * 0.99)] / 1e3);
            }
            for (Route p : List.of(Route.HTTP_CONNECT, Route.SOCKS5)) {
                int errors = concurrentTunnels(p, port, http, socks, concurrent);
                System.out.printf("concurrent %-12s %d tunnels open at once, %d errors%n", p, concurrent, errors);
            }
        } finally {
            server.close();
            Files.deleteIfExists(dir);
        }
    }

    /** The upstream: first byte is the command: 'D' + 8-byte length = download, 'E' = echo one byte. */
    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (s) {
                        s.setTcpNoDelay(true);
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        int cmd = in.read();
                        if (cmd == 'D') {
                            long n = new java.io.DataInputStream(in).readLong();
                            while (n > 0) {
                                int k = (int) Math.min(CHUNK.length, n);
                                out.write(CHUNK, 0, k);
                                n -= k;
                            }
                            out.flush();
                        } else if (cmd == 'E') {
                            out.write('e');
                            out.flush();
                            in.read(); // hold until the client closes
                        }
                    } catch (IOException ignored) {
                        // client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static Socket open(Route p, int port, int http, int socks) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        switch (p) {
            case DIRECT -> s.connect(new InetSocketAddress(lo, port));
            case HTTP_CONNECT -> {
                s.connect(new InetSocketAddress(lo, http));
                s.getOutputStream().write(("CONNECT bench.test:" + port + " HTTP/1.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                byte[] expect = "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
                byte[] got = s.getInputStream().readNBytes(expect.length);
                if (!Arrays.equals(expect, got)) {
                    throw new IOException("proxy refused: " + new String(got, StandardCharsets.ISO_8859_1));
                }
            }
            case SOCKS5 -> {
                s.connect(new InetSocketAddress(lo, socks));
                byte[] name = "bench.test".getBytes(StandardCharsets.US_ASCII);
                byte[] req = new byte[3 + 5 + name.length + 2];
                System.arraycopy(new byte[] {5, 1, 0, 5, 1, 0, 3, (byte) name.length}, 0, req, 0, 8);
                System.arraycopy(name, 0, req, 8, name.length);
                req[req.length - 2] = (byte) (port >> 8);
                req[req.length - 1] = (byte) port;
                s.getOutputStream().write(req);
                byte[] resp = s.getInputStream().readNBytes(12);
                if (resp.length != 12 || resp[3] != 0) {
                    throw new IOException("socks refused: " + Arrays.toString(resp));
                }
            }
        }
        return s;
    }

    private static double throughput(Route p, int port, int http, int socks, long bytes) throws IOException {
        try (Socket s = open(p, port, http, socks)) {
            long start = System.nanoTime();
            java.io.DataOutputStream out = new java.io.DataOutputStream(s.getOutputStream());
            out.write('D');
            out.writeLong(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[256 * 1024];
            long got = 0;
            int n;
            while (got < bytes && (n = in.read(buf)) >= 0) {
                got += n;
            }
            if (got != bytes) {
                throw new IOException("short read " + got);
            }
            return bytes / (1024.0 * 1024.0) / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static long[] latency(Route p, int port, int http, int socks, int samples) throws IOException {
        long[] ns = new long[samples];
        for (int i = 0; i < samples; i++) {
            long start = System.nanoTime();
            try (Socket s = open(p, port, http, socks)) {
                s.getOutputStream().write('E');
                if (s.getInputStream().read() != 'e') {
                    throw new IOException("no echo");
                }
                ns[i] = System.nanoTime() - start;
            }
        }
        Arrays.sort(ns);
        return ns;
    }

    private static int concurrentTunnels(Route p, int port, int http, int socks, int n) throws InterruptedException {
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch opened = new CountDownLatch(n);
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try (Socket s = open(p, port, http, socks)) {
                    s.getOutputStream().write('E');
                    if (s.getInputStream().read() != 'e') {
                        errors.incrementAndGet();
                    }
                    opened.countDown();
                    release.await();
                } catch (IOException | InterruptedException e) {
                    errors.incrementAndGet();
                    opened.countDown();
                }
            }));
        }
        opened.await();
        release.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return errors.get();
    }
}
