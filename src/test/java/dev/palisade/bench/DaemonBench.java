package dev.palisade.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Client side of bench/daemon.sh (docs/benchmarks.md, "Daemon"): warm exec latency of
 * {@code true} in a live session through a running daemon against bare bwrap spawned by this JVM,
 * and stdout throughput of {@code cat} of a large file to this subscriber.
 *
 * <p>Usage: {@code DaemonBench SOCKET FOLDER FILE-NAME RUNS BARE-ARGV-FILE}; the bare argv file
 * holds one bwrap argument a line (from {@code palisade run --dry-run}).
 */
public final class DaemonBench {
    private final OutputStream out;
    private final InputStream in;
    private int ids;
    private long lost;

    private DaemonBench(SocketChannel ch) {
        out = Channels.newOutputStream(ch);
        in = Channels.newInputStream(ch);
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        Path folder = Path.of(args[1]);
        String file = args[2];
        int runs = Integer.parseInt(args[3]);
        List<String> bare = Files.readAllLines(Path.of(args[4]));
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        DaemonBench b = new DaemonBench(ch);
        String created = b.call("{\"op\":\"session.create\",\"folders\":[\"" + folder + ":ro\"]}");
        String session = field(created, "session");
        long[] daemon = new long[runs];
        long[] bwrap = new long[runs];
        for (int i = -5; i < runs; i++) { // 5 warm-up rounds, interleaved with bare bwrap
            long t0 = System.nanoTime();
            b.runToExit(session, "[\"true\"]", null);
            long t1 = System.nanoTime();
            Process p = new ProcessBuilder(bare).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("bare bwrap failed: " + bare);
            }
            long t2 = System.nanoTime();
            if (i >= 0) {
                daemon[i] = t1 - t0;
                bwrap[i] = t2 - t1;
            }
        }
        System.out.printf("warm exec of true, %d runs: daemon %s | bare bwrap %s | ratio of medians %.2f%n", runs,
                stats(daemon), stats(bwrap), median(daemon) / median(bwrap));
        long size = Files.size(folder.resolve(file));
        for (int round = 0; round < 3; round++) {
            long[] bytes = new long[1];
            b.lost = 0;
            long t0 = System.nanoTime();
            b.runToExit(session, "[\"cat\",\"" + file + "\"]", bytes);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (bytes[0] + b.lost != size) {
                throw new IllegalStateException("received " + bytes[0] + " + lost " + b.lost + " of " + size + " bytes");
            }
            System.out.printf("cat of %d MiB to a subscriber: %.2f s, %.0f MB/s delivered (%.0f MiB/s), %d bytes"
                    + " reported lost%n", size >> 20, secs, bytes[0] / secs / 1e6, bytes[0] / secs / (1 << 20), b.lost);
        }
        b.call("{\"op\":\"session.destroy\",\"session\":\"" + session + "\"}");
        ch.close();
    }

    private static double median(long[] a) {
        long[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    private static String stats(long[] ns) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return String.format("min %.1f ms, median %.1f ms, p90 %.1f ms", s[0] / 1e6, median(s) / 1e6,
                s[(int) (s.length * 0.9)] / 1e6);
    }

    /** Sends a request (an id is added) and returns its reply line; events before it are dropped. */
    private String call(String request) throws IOException {
        String id = "b" + ++ids;
        send("{\"id\":\"" + id + "\"," + request.substring(1));
        while (true) {
            String line = readLine();
            if (line.startsWith("{\"id\":\"" + id + "\"")) {
                if (!line.contains("\"ok\":true")) {
                    throw new IOException(line);
                }
                return line;
            }
        }
    }

    /** Runs a command and reads its events until the exit event; counts decoded stdout bytes. */
    private void runToExit(String session, String argv, long[] bytes) throws IOException {
        String reply = call("{\"op\":\"exec\",\"session\":\"" + session + "\",\"argv\":" + argv + "}");
        String process = field(reply, "process");
        String mine = "\"process\":\"" + process + "\"";
        Base64.Decoder dec = Base64.getDecoder();
        byte[] outputPrefix = "{\"event\":\"output\"".getBytes(StandardCharsets.US_ASCII);
        while (true) {
            int end = nextLineEnd();
            if (bytes != null && startsWith(outputPrefix)) {
                // Output events: decode the data field straight from the buffer (it ends the line: "...\"}").
                int head = Math.min(end, pos + 400);
                String start = new String(buf, pos, head - pos, StandardCharsets.ISO_8859_1);
                if (start.contains(mine)) {
                    int d = pos + start.indexOf("\"data\":\"") + 8;
                    bytes[0] += dec.decode(java.nio.ByteBuffer.wrap(buf, d, end - 2 - d)).remaining();
                }
                pos = end + 1;
                continue;
            }
            String line = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
            pos = end + 1;
            if (!line.contains(mine)) {
                continue;
            }
            if (line.startsWith("{\"event\":\"output\"")) {
                continue;
            } else if (line.startsWith("{\"event\":\"lost\"")) {
                int b = line.indexOf("\"bytes\":") + 8;
                lost += Long.parseLong(line.substring(b, line.indexOf(',', b)));
            } else if (line.startsWith("{\"event\":\"exit\"")) {
                if (!line.contains("\"status\":0")) {
                    throw new IOException(line);
                }
                return;
            }
        }
    }

    private static String field(String json, String name) {
        int i = json.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return json.substring(i, json.indexOf('"', i));
    }

    private void send(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private byte[] buf = new byte[1 << 20];
    private int pos;
    private int limit;

    private boolean startsWith(byte[] prefix) {
        return limit - pos >= prefix.length && Arrays.equals(buf, pos, pos + prefix.length, prefix, 0, prefix.length);
    }

    /** Buffers the next line; returns the index of its newline in {@code buf} (the line starts at {@code pos}). */
    private int nextLineEnd() throws IOException {
        int scanned = pos;
        while (true) {
            if (limit > scanned) {
                // A Latin-1 String view: its indexOf is vectorised, a byte loop is not.
                int nl = new String(buf, scanned, limit - scanned, StandardCharsets.ISO_8859_1).indexOf('\n');
                if (nl >= 0) {
                    return scanned + nl;
                }
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            scanned = limit;
            if (limit == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                throw new IOException("daemon closed the connection");
            }
            limit += n;
        }
    }

    /** One line; the frames are ASCII (JSON with base64 data), so ISO-8859-1 decoding is exact and fast. */
    private String readLine() throws IOException {
        while (true) {
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n') {
                    String line = new String(buf, pos, i - pos, StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    return line;
                }
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = in.read(buf, limit, buf.length - limit);
            if (n < 0) {
                throw new IOException("daemon closed the connection");
            }
            limit += n;
        }
    }
}
