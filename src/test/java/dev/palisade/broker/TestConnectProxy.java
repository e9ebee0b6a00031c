package dev.palisade.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import dev.palisade.net.TunnelInterceptor;

/**
 * A stand-in for the network helper's HTTP proxy, doing exactly what the {@link TunnelInterceptor}
 * contract promises: answer CONNECT with 200, then hand intercepted tunnels to the interceptor with
 * the approved address (always 127.0.0.1 here) and splice the others.
 */
final class TestConnectProxy implements AutoCloseable {
    private final ServerSocket server;
    private final TunnelInterceptor interceptor;

    TestConnectProxy(TunnelInterceptor interceptor) throws IOException {
        this.interceptor = interceptor;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                c.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> handle(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket c) {
        try {
            InputStream in = c.getInputStream(); // unbuffered: the TLS hello must stay unread
            String line = readLine(in);
            while (!readLine(in).isEmpty()) {
                // headers ignored
            }
            String[] p = line.split(" ");
            String authority = p[1];
            int colon = authority.lastIndexOf(':');
            String host = authority.substring(0, colon).toLowerCase(Locale.ROOT);
            int port = Integer.parseInt(authority.substring(colon + 1));
            OutputStream out = c.getOutputStream();
            out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InetAddress approved = InetAddress.getLoopbackAddress();
            if (interceptor.intercepts(host, port)) {
                interceptor.serve(c, host, port, approved);
            } else {
                try (c; Socket up = new Socket(approved, port)) {
                    up.setTcpNoDelay(true);
                    Thread t = Thread.ofVirtual().start(() -> {
                        try {
                            in.transferTo(up.getOutputStream());
                            up.shutdownOutput();
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    up.getInputStream().transferTo(out);
                    t.join(5000);
                }
            }
        } catch (Exception e) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closed
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            b.write(ch);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
