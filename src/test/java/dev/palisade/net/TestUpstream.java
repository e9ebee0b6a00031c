package dev.palisade.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP/1.1 origin server on a loopback address for tests. It records every byte it
 * receives and every connection, so a test can assert that a denied upstream received nothing.
 * Paths: {@code /redirect} answers 302 to http://denied.test/, {@code /chunked} answers chunked,
 * {@code /close} answers close-delimited; anything else answers "hello from NAME PATH".
 */
final class TestUpstream implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();

    TestUpstream(String name, String address) throws IOException {
        this.name = name;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return requests.get();
    }

    String received() {
        synchronized (received) {
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                requests.incrementAndGet();
                String lower = head.toLowerCase(java.util.Locale.ROOT);
                int cl = lower.indexOf("\r\ncontent-length:");
                String body = "";
                if (cl >= 0) {
                    int end = lower.indexOf("\r\n", cl + 2);
                    int n = Integer.parseInt(lower.substring(cl + 17, end).trim());
                    body = new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
                    record(body.getBytes(StandardCharsets.ISO_8859_1));
                } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                    body = readChunked(in);
                }
                String path = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                String text = "hello from " + name + " " + path + (body.isEmpty() ? "" : " body=" + body.length());
                if (path.equals("/redirect")) {
                    write(out, "HTTP/1.1 302 Found\r\nLocation: http://denied.test/\r\nContent-Length: 0\r\n\r\n");
                } else if (path.equals("/chunked")) {
                    write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n"
                            + Integer.toHexString(text.length()) + "\r\n" + text + "\r\n0\r\nTrailer: x\r\n\r\n");
                } else if (path.equals("/close")) {
                    write(out, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + text);
                    return;
                } else {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + text.length() + "\r\nX-Upstream: " + name + "\r\n\r\n" + text);
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private String readChunked(InputStream in) throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String line = readLine(in);
            int size = Integer.parseInt(line, 16);
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers
                }
                return all.toString();
            }
            byte[] data = in.readNBytes(size);
            record(data);
            all.append(new String(data, StandardCharsets.ISO_8859_1));
            readLine(in);
        }
    }

    private String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            record(new byte[] {(byte) b});
            if (b == '\n') {
                return sb.toString().replaceAll("\r$", "");
            }
            sb.append((char) b);
        }
        throw new IOException("eof");
    }

    private String readHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            record(new byte[] {(byte) b});
            sb.append((char) b);
            if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
                return sb.toString();
            }
        }
        return null;
    }

    private void record(byte[] b) {
        synchronized (received) {
            received.write(b, 0, b.length);
        }
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
