package dev.palisade.broker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A TLS server on 127.0.0.1 standing in for a real API: records every request it receives (with
 * its own small parser, independent of the broker's) and answers through a handler.
 */
final class TestUpstream implements AutoCloseable {
    record Request(int connection, String line, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : v.getFirst();
        }

        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    interface Handler {
        void handle(Request req, OutputStream out) throws Exception;
    }

    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    final AtomicInteger connections = new AtomicInteger();
    private final ServerSocket server;
    private final Handler handler;
    private final Thread acceptor;

    TestUpstream(SSLContext ctx, Handler handler) throws IOException {
        this.handler = handler;
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server = s;
        acceptor = Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                c.setTcpNoDelay(true);
                int id = connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(c, id));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket c, int id) {
        try (c) {
            InputStream in = new BufferedInputStream(c.getInputStream());
            OutputStream out = c.getOutputStream();
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                Map<String, List<String>> headers = new LinkedHashMap<>();
                String h;
                while (!(h = readLine(in)).isEmpty()) {
                    int colon = h.indexOf(':');
                    headers.computeIfAbsent(h.substring(0, colon).toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                            .add(h.substring(colon + 1).strip());
                }
                byte[] body = readBody(in, headers);
                Request r = new Request(id, line, headers, body);
                requests.add(r);
                handler.handle(r, out);
                out.flush();
                if (headers.getOrDefault("connection", List.of()).contains("close")) {
                    return;
                }
            }
        } catch (Exception e) {
            // connection ended
        }
    }

    private static byte[] readBody(InputStream in, Map<String, List<String>> headers) throws IOException {
        List<String> cl = headers.get("content-length");
        if (cl != null) {
            return in.readNBytes(Integer.parseInt(cl.getFirst()));
        }
        if (headers.getOrDefault("transfer-encoding", List.of()).contains("chunked")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int size;
            while ((size = Integer.parseInt(readLine(in).split(";")[0].strip(), 16)) > 0) {
                b.write(in.readNBytes(size));
                readLine(in);
            }
            while (!readLine(in).isEmpty()) {
                // trailers
            }
            return b.toByteArray();
        }
        return new byte[0];
    }

    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Writes a complete response with a Content-Length body. */
    static void respond(OutputStream out, int status, String body, String... headers) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("HTTP/1.1 " + status + " X\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(b.length).append("\r\n\r\n");
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
        all.writeBytes(b);
        out.write(all.toByteArray()); // one write, one TLS record
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
    }
}
