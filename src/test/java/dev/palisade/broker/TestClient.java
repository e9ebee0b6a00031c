package dev.palisade.broker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A raw HTTP/1.1-over-TLS client that reaches its target through a CONNECT proxy. */
final class TestClient implements AutoCloseable {
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    final SSLSocket socket;
    final String authority;
    final InputStream in;
    final OutputStream out;

    TestClient(int proxyPort, String host, int port, SSLContext trust, String sni) throws IOException {
        authority = host + ":" + port;
        Socket raw = new Socket(InetAddress.getLoopbackAddress(), proxyPort);
        raw.setSoTimeout(20_000);
        raw.setTcpNoDelay(true);
        OutputStream o = raw.getOutputStream();
        o.write(("CONNECT " + host + ":" + port + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
        InputStream i = raw.getInputStream();
        String status = TestUpstream.readLine(i);
        if (!status.contains(" 200 ")) {
            throw new IOException("proxy said " + status);
        }
        while (!TestUpstream.readLine(i).isEmpty()) {
            // headers
        }
        socket = (SSLSocket) trust.getSocketFactory().createSocket(raw, sni, port, true);
        SSLParameters p = socket.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(sni)));
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setApplicationProtocols(new String[] {"http/1.1"});
        socket.setSSLParameters(p);
        socket.startHandshake();
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    TestClient(int proxyPort, String host, int port, SSLContext trust) throws IOException {
        this(proxyPort, host, port, trust, host);
    }

    void send(String request) throws IOException {
        out.write(request.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    Response get(String path, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader() + "\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        send(sb.append("\r\n").toString());
        return read();
    }

    String hostHeader() {
        return authority;
    }

    Response read() throws IOException {
        String line = TestUpstream.readLine(in);
        if (line == null) {
            throw new IOException("connection closed");
        }
        int status = Integer.parseInt(line.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        String h;
        while (!(h = TestUpstream.readLine(in)).isEmpty()) {
            int c = h.indexOf(':');
            headers.put(h.substring(0, c).toLowerCase(Locale.ROOT), h.substring(c + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equals(headers.get("transfer-encoding"))) {
            int size;
            while ((size = Integer.parseInt(TestUpstream.readLine(in), 16)) > 0) {
                body.write(in.readNBytes(size));
                TestUpstream.readLine(in);
            }
            while (!TestUpstream.readLine(in).isEmpty()) {
                // trailers
            }
        } else if ("close".equals(headers.get("connection"))) {
            in.transferTo(body);
        }
        return new Response(status, headers, body.toByteArray());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
