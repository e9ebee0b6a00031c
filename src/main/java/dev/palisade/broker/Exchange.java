package dev.palisade.broker;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.net.ssl.SSLSocket;

/**
 * One intercepted tunnel: HTTP/1.1 requests from the sandbox client, each rewritten and sent to
 * the pinned upstream over verified TLS, each response passed back with echoes of the secret
 * masked. Requests are handled one at a time (RFC 9112 §9.3 pipelining is served in order).
 */
final class Exchange {
    /** Request and response bodies up to this size are buffered (so a 401 can be retried). */
    static final int MAX_BUFFERED = 1024 * 1024;
    static final int CLIENT_IDLE_TIMEOUT_MS = 300_000;
    static final int UPSTREAM_IDLE_TIMEOUT_MS = 600_000;
    private static final int PIECE = 16 * 1024;

    private final BrokerCore core;
    private final SSLSocket client;
    private final String host;
    private final int port;
    private final InetAddress address;
    private final InputStream cin;
    private final OutputStream cout;
    private SSLSocket upstream;
    private InputStream uin;
    private OutputStream uout;

    Exchange(BrokerCore core, SSLSocket client, String host, int port, InetAddress address) throws IOException {
        this.core = core;
        this.client = client;
        this.host = host;
        this.port = port;
        this.address = address;
        client.setSoTimeout(CLIENT_IDLE_TIMEOUT_MS);
        cin = new BufferedInputStream(client.getInputStream(), PIECE);
        cout = new BufferedOutputStream(client.getOutputStream(), PIECE);
    }

    void run() throws IOException {
        try {
            while (handleOne()) {
                // next request on the kept-alive connection
            }
        } finally {
            closeUpstream();
            client.close();
        }
    }

    /** Handles one request; returns whether the client connection stays open. */
    private boolean handleOne() throws IOException {
        HttpHead req;
        Framing framing;
        try {
            req = HttpWire.readHead(cin, true);
            if (req == null) {
                return false;
            }
            String[] parts = req.startParts();
            if (parts.length != 3 || !(parts[2].equals("HTTP/1.1") || parts[2].equals("HTTP/1.0"))) {
                throw new HttpWire.BadMessage("not an HTTP/1.x request line");
            }
            if (req.method().equals("CONNECT")) {
                throw new HttpWire.BadMessage("CONNECT inside an intercepted tunnel");
            }
            framing = HttpWire.requestFraming(req);
        } catch (HttpWire.BadMessage e) {
            sendError(400, "Bad Request", e.getMessage());
            return false;
        }
        boolean http10 = req.requestVersion().equals("HTTP/1.0");
        boolean clientClose = req.hasToken("Connection", "close") || (http10 && !req.hasToken("Connection", "keep-alive"));
        List<String> expect = req.values("Expect");
        if (!expect.isEmpty() && !(expect.size() == 1 && expect.getFirst().equalsIgnoreCase("100-continue"))) {
            sendError(417, "Expectation Failed", "only Expect: 100-continue is supported");
            return false;
        }
        HttpHead original = req.without("Expect").without("Proxy-Connection");
        Rewrite rw = core.rewriter().apply(original, host, port);
        String target = host + ":" + port;
        for (String where : rw.misplaced()) {
            core.violations().report("send-placeholder", target + " (" + where + ")",
                    "placeholder not replaced: the credential is not bound to this place or host");
        }
        if (rw.refusal() != null) {
            core.violations().report("send-request", target, rw.refusal());
            sendError(rw.refusalStatus(), rw.refusalStatus() == 421 ? "Misdirected Request" : "Forbidden",
                    "palisade credential broker: " + rw.refusal());
            return false;
        }
        if (!expect.isEmpty()) {
            // We answer the expectation ourselves (RFC 9110 §10.1.1) and do not forward it, so
            // that the body can be buffered for a retry after a 401.
            cout.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            cout.flush();
        }
        byte[] body = null;
        PlaceholderScanner scanner = core.scanner();
        if (framing.kind() == Framing.Kind.NONE) {
            body = new byte[0];
        } else if (framing.kind() == Framing.Kind.LENGTH && framing.length() <= MAX_BUFFERED) {
            body = HttpWire.readExactly(cin, (int) framing.length());
            scanner.update(body, 0, body.length);
        }
        boolean keep = forward(original, rw, framing, body, scanner);
        if (scanner.found()) {
            core.violations().report("send-placeholder", target + " (request body)",
                    "placeholder not replaced: secrets are only put in their configured header or query parameter");
        }
        return keep && !clientClose;
    }

    /** Sends the request upstream (retrying once on a stale connection or a 401) and relays the answer. */
    private boolean forward(HttpHead original, Rewrite first, Framing framing, byte[] body, PlaceholderScanner scanner)
            throws IOException {
        Rewrite rw = first;
        boolean refreshed = false;
        boolean reconnected = false;
        String method = original.method();
        while (true) {
            boolean reused = upstream != null;
            HttpHead resp;
            try {
                if (upstream == null) {
                    openUpstream();
                }
                rw.head().writeTo(uout);
                if (body != null) {
                    uout.write(body);
                } else {
                    streamRequestBody(framing, scanner);
                }
                uout.flush();
                resp = HttpWire.readHead(uin, false);
                if (resp == null) {
                    throw new SocketException("upstream closed the connection");
                }
            } catch (HttpWire.BadMessage e) {
                closeUpstream();
                sendError(502, "Bad Gateway", "upstream sent a malformed response: " + e.getMessage());
                return false;
            } catch (IOException e) {
                closeUpstream();
                if (reused && body != null && !reconnected) {
                    reconnected = true; // the kept-alive upstream connection had gone stale
                    continue;
                }
                sendError(502, "Bad Gateway", "upstream " + host + ":" + port + " failed: " + e.getMessage());
                return false;
            }
            int status;
            try {
                while ((status = resp.status()) >= 100 && status < 200 && status != 101) {
                    mask(resp).writeTo(cout); // interim responses, e.g. 103 Early Hints
                    cout.flush();
                    resp = HttpWire.readHead(uin, false);
                    if (resp == null) {
                        throw new SocketException("upstream closed after an interim response");
                    }
                }
            } catch (IOException e) {
                closeUpstream();
                sendError(502, "Bad Gateway", "upstream failed: " + e.getMessage());
                return false;
            }
            if (status == 101) {
                mask(resp).writeTo(cout);
                cout.flush();
                splice();
                return false;
            }
            if (status == 401 && !refreshed && body != null && refreshable(rw)) {
                refreshed = true;
                try {
                    drain(resp, method);
                } catch (IOException e) {
                    closeUpstream(); // the retry opens a new connection
                }
                for (Map.Entry<Binding, String> e : rw.injected().entrySet()) {
                    if (e.getKey().secret().refreshable()) {
                        e.getKey().secret().refreshIfStill(e.getValue());
                    }
                }
                rw = core.rewriter().apply(original, host, port);
                continue;
            }
            return relay(resp, method, original.requestVersion().equals("HTTP/1.0"));
        }
    }

    private static boolean refreshable(Rewrite rw) {
        return rw.injected().keySet().stream().anyMatch(b -> b.secret().refreshable());
    }

    private void openUpstream() throws IOException {
        upstream = core.upstreamTls().connect(host, port, address);
        // Long enough for a quiet event stream, short enough that a dead upstream frees the tunnel.
        upstream.setSoTimeout(UPSTREAM_IDLE_TIMEOUT_MS);
        uin = new BufferedInputStream(upstream.getInputStream(), PIECE);
        uout = new BufferedOutputStream(upstream.getOutputStream(), PIECE);
    }

    private void closeUpstream() {
        if (upstream != null) {
            try {
                upstream.close();
            } catch (IOException ignored) {
                // nothing to do: the connection is being dropped
            }
            upstream = null;
        }
    }

    private void streamRequestBody(Framing framing, PlaceholderScanner scanner) throws IOException {
        byte[] buf = new byte[PIECE];
        if (framing.kind() == Framing.Kind.LENGTH) {
            long left = framing.length();
            while (left > 0) {
                int n = cin.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new SocketException("client closed in the middle of a request body");
                }
                scanner.update(buf, 0, n);
                uout.write(buf, 0, n);
                left -= n;
            }
            return;
        }
        // Chunked: re-encoded chunk by chunk, trailers passed on.
        while (true) {
            long size = HttpWire.readChunkSize(cin, true);
            if (size == 0) {
                List<HttpField> trailers = HttpWire.readTrailers(cin, true);
                HttpWire.writeLastChunk(uout, trailers);
                return;
            }
            long left = size;
            while (left > 0) {
                int n = cin.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new SocketException("client closed in the middle of a chunk");
                }
                scanner.update(buf, 0, n);
                HttpWire.writeChunk(uout, buf, 0, n);
                left -= n;
            }
            HttpWire.readChunkEnd(cin, true);
            uout.flush(); // keep a streaming upload streaming
        }
    }

    /** Reads and discards a response body (the 401 before a retry). */
    private void drain(HttpHead resp, String method) throws IOException {
        Framing f = HttpWire.responseFraming(resp, method);
        switch (f.kind()) {
            case NONE -> { }
            case LENGTH -> uin.skipNBytes(f.length());
            case CHUNKED -> {
                long size;
                while ((size = HttpWire.readChunkSize(uin, false)) > 0) {
                    uin.skipNBytes(size);
                    HttpWire.readChunkEnd(uin, false);
                }
                HttpWire.readTrailers(uin, false);
            }
            case UNTIL_CLOSE -> closeUpstream();
        }
        if (resp.hasToken("Connection", "close")) {
            closeUpstream();
        }
    }

    /** Passes a final response back to the client; returns whether both sides may be kept alive. */
    private boolean relay(HttpHead resp, String method, boolean http10Client) throws IOException {
        Framing f;
        try {
            f = HttpWire.responseFraming(resp, method);
        } catch (HttpWire.BadMessage e) {
            closeUpstream();
            sendError(502, "Bad Gateway", "upstream sent an ambiguous response: " + e.getMessage());
            return false;
        }
        StreamReplacer masker = core.masker();
        HttpHead head = mask(resp).without("Connection").without("Keep-Alive");
        boolean upstreamClose = resp.hasToken("Connection", "close")
                || (resp.startLine().startsWith("HTTP/1.0") && !resp.hasToken("Connection", "keep-alive"));
        boolean keepClient = true;
        byte[] buf = new byte[PIECE];
        switch (f.kind()) {
            case NONE -> writeHead(head, true);
            case LENGTH -> {
                if (f.length() <= MAX_BUFFERED) {
                    byte[] body = HttpWire.readExactly(uin, (int) f.length());
                    byte[] a = masker.update(body, 0, body.length);
                    byte[] b = masker.finish();
                    writeHead(head.without("Content-Length").with("Content-Length", String.valueOf(a.length + b.length)),
                            true);
                    cout.write(a);
                    cout.write(b);
                } else {
                    // The masked length is unknown in advance: re-frame as chunked (or close-delimited).
                    keepClient = !http10Client;
                    HttpHead h = head.without("Content-Length");
                    writeHead(keepClient ? h.with("Transfer-Encoding", "chunked") : h, keepClient);
                    long left = f.length();
                    while (left > 0) {
                        int n = uin.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new SocketException("upstream closed in the middle of a body");
                        }
                        left -= n;
                        sendPiece(masker.update(buf, 0, n), keepClient);
                    }
                    sendPiece(masker.finish(), keepClient);
                    if (keepClient) {
                        HttpWire.writeLastChunk(cout, List.of());
                    }
                }
            }
            case CHUNKED -> {
                if (http10Client) {
                    throw new SocketException("chunked response to an HTTP/1.0 client"); // not sent by sane servers
                }
                writeHead(head, true);
                long size;
                while ((size = HttpWire.readChunkSize(uin, false)) > 0) {
                    long left = size;
                    while (left > 0) {
                        int n = uin.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new SocketException("upstream closed in the middle of a chunk");
                        }
                        left -= n;
                        sendPiece(masker.update(buf, 0, n), true);
                    }
                    HttpWire.readChunkEnd(uin, false);
                }
                List<HttpField> trailers = new ArrayList<>();
                for (HttpField t : HttpWire.readTrailers(uin, false)) {
                    trailers.add(new HttpField(t.name(), maskString(t.value())));
                }
                sendPiece(masker.finish(), true);
                HttpWire.writeLastChunk(cout, trailers);
            }
            case UNTIL_CLOSE -> {
                keepClient = false;
                upstreamClose = true;
                writeHead(head, false);
                int n;
                while ((n = uin.read(buf)) >= 0) {
                    sendPiece(masker.update(buf, 0, n), false);
                }
                sendPiece(masker.finish(), false);
            }
        }
        cout.flush();
        if (upstreamClose) {
            closeUpstream();
        }
        return keepClient;
    }

    private void writeHead(HttpHead head, boolean keepAlive) throws IOException {
        (keepAlive ? head : head.with("Connection", "close")).writeTo(cout);
    }

    /** Writes masked bytes as a chunk (or raw) and flushes, so that each event reaches the client now. */
    private void sendPiece(byte[] data, boolean chunked) throws IOException {
        if (data.length == 0) {
            return;
        }
        if (chunked) {
            HttpWire.writeChunk(cout, data, 0, data.length);
        } else {
            cout.write(data);
        }
        cout.flush();
    }

    private HttpHead mask(HttpHead h) {
        return h.mapValues(this::maskString);
    }

    private String maskString(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        StreamReplacer r = core.masker();
        byte[] a = r.update(b, 0, b.length);
        byte[] c = r.finish();
        if (r.replacements() == 0) {
            return s;
        }
        return new String(a, StandardCharsets.ISO_8859_1) + new String(c, StandardCharsets.ISO_8859_1);
    }

    /** After 101 Switching Protocols: bytes both ways, untouched, until either side closes. */
    private void splice() throws IOException {
        InputStream fromClient = cin;
        OutputStream toUpstream = uout;
        Thread up = Thread.ofVirtual().name("broker-splice-" + host).start(() -> {
            try {
                fromClient.transferTo(toUpstream);
                toUpstream.flush();
                upstream.shutdownOutput();
            } catch (IOException | UnsupportedOperationException ignored) {
                // either side closed; the other direction ends on its own
            }
        });
        try {
            byte[] buf = new byte[PIECE];
            int n;
            while ((n = uin.read(buf)) >= 0) {
                cout.write(buf, 0, n);
                cout.flush();
            }
        } finally {
            closeUpstream();
            client.close();
            up.interrupt();
        }
    }

    private void sendError(int status, String reason, String message) {
        byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n";
        try {
            cout.write(head.getBytes(StandardCharsets.ISO_8859_1));
            cout.write(body);
            cout.flush();
        } catch (IOException ignored) {
            // the client has gone; nothing to tell it
        }
    }
}
