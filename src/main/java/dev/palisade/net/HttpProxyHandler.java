package dev.palisade.net;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * Serves one client connection of the HTTP proxy: CONNECT tunnels (RFC 9110 §9.3.6) and
 * absolute-form plain HTTP requests, each request judged on its own by the {@link EgressPolicy}.
 * The upstream connection of plain requests is pinned to the approved host and address; a request
 * for anything else opens a new one. Redirects are passed to the client, never followed.
 */
final class HttpProxyHandler {
    private static final System.Logger LOG = System.getLogger(HttpProxyHandler.class.getName());
    static final int CONNECT_TIMEOUT_MS = 10_000;

    private final EgressPolicy policy;
    private final SessionQuota quota;
    private final TunnelInterceptor interceptor;

    HttpProxyHandler(EgressPolicy policy, SessionQuota quota, TunnelInterceptor interceptor) {
        this.policy = policy;
        this.quota = quota;
        this.interceptor = interceptor;
    }

    /** The upstream connection currently pinned to one approved host, port and address. */
    private record Upstream(Verdict.Allowed target, ClientConnection socket, HttpReader in, OutputStream out) {
        boolean serves(Verdict.Allowed a) {
            return target.host().equals(a.host()) && target.port() == a.port() && target.address().equals(a.address());
        }
    }

    void serve(ClientConnection client, boolean overCap) {
        HttpReader in = new HttpReader(client.in());
        OutputStream out = new BufferedOutputStream(client.out(), 16 * 1024);
        Upstream up = null;
        try {
            while (true) {
                HttpMessages.Request req;
                try {
                    req = HttpMessages.readRequest(in);
                } catch (HttpException e) {
                    policy.deny(Verdict.Kind.MALFORMED, "(unparsed HTTP request)", "malformed HTTP request: " + e.getMessage(), "");
                    error(out, e.status(), "Palisade refused a malformed request: " + e.getMessage() + "\n", null);
                    return;
                }
                if (req == null) {
                    return;
                }
                if (overCap) {
                    Verdict.Denied d = policy.deny(Verdict.Kind.LIMIT, EgressPolicy.display(req.host()) + ":" + req.port(),
                            "network.maxConnections (" + quota.maxConnections() + ") reached", "raise network.maxConnections");
                    denied(out, d);
                    return;
                }
                Verdict v = policy.decide(req.host(), req.port());
                switch (v) {
                    case Verdict.Denied d -> {
                        denied(out, d);
                        return;
                    }
                    case Verdict.Allowed a -> {
                        if (req.isConnect()) {
                            if (up != null) {
                                up.socket().close();
                                up = null;
                            }
                            tunnel(client, in, out, a);
                            return;
                        }
                        up = forward(req, a, in, out, up);
                        if (up == null || !req.keepAlive()) {
                            return;
                        }
                    }
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "http proxy connection ended: {0}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (up != null) {
                up.socket().close();
            }
            client.close();
        }
    }

    private void tunnel(ClientConnection client, HttpReader in, OutputStream out, Verdict.Allowed a)
            throws IOException, InterruptedException {
        if (interceptor != null && interceptor.intercepts(a.host(), a.port())) {
            writeAscii(out, "HTTP/1.1 200 Connection established\r\n\r\n");
            out.flush();
            interceptor.serve(client.asSocket(in.drainBuffered()), a.host(), a.port(), a.address());
            return;
        }
        ClientConnection upstream;
        try {
            upstream = connect(a);
        } catch (IOException e) {
            error(out, 502, "Palisade could not connect to " + a.host() + ":" + a.port() + ": " + e.getMessage() + "\n", null);
            return;
        }
        try {
            writeAscii(out, "HTTP/1.1 200 Connection established\r\n\r\n");
            out.flush();
            byte[] early = in.drainBuffered();
            Splice.tunnel(client, upstream, early, quota, policy, a);
        } finally {
            upstream.close();
        }
    }

    /** Forwards one plain request; returns the upstream to keep, or null when the client must be closed. */
    private Upstream forward(HttpMessages.Request req, Verdict.Allowed a, HttpReader in, OutputStream out, Upstream up)
            throws IOException {
        if (up != null && !up.serves(a)) {
            up.socket().close();
            up = null;
        }
        if (up == null) {
            ClientConnection s;
            try {
                s = connect(a);
            } catch (IOException e) {
                error(out, 502, "Palisade could not connect to " + a.host() + ":" + a.port() + ": " + e.getMessage() + "\n", null);
                return null;
            }
            up = new Upstream(a, s, new HttpReader(s.in()), new BufferedOutputStream(s.out(), 16 * 1024));
        }
        try {
            if (req.expectsContinue() && req.version().equals("HTTP/1.1")) {
                writeAscii(out, "HTTP/1.1 100 Continue\r\n\r\n");
                out.flush();
            }
            StringBuilder head = new StringBuilder();
            head.append(req.method()).append(' ').append(req.path()).append(' ').append(req.version()).append("\r\n");
            head.append("Host: ").append(a.host()).append(a.port() == 80 ? "" : ":" + a.port()).append("\r\n");
            for (HttpMessages.Header h : req.headers()) {
                if (!h.name().equalsIgnoreCase("host") && !HttpMessages.isHopByHop(h.name(), req.headers())) {
                    head.append(h.name()).append(": ").append(h.value()).append("\r\n");
                }
            }
            if (req.framing().kind() == HttpMessages.BodyKind.CHUNKED) {
                head.append("Transfer-Encoding: chunked\r\n");
            }
            head.append("\r\n");
            writeAscii(up.out(), head.toString());
            try {
                Bodies.relay(in, up.out(), req.framing(), quota);
            } catch (HttpException e) {
                up.socket().close();
                policy.deny(Verdict.Kind.MALFORMED, a.host() + ":" + a.port(), "malformed HTTP request body: " + e.getMessage(), "");
                error(out, e.status(), "Palisade refused the request body: " + e.getMessage() + "\n", null);
                return null;
            }
            up.out().flush();
            HttpMessages.Response resp;
            while (true) {
                resp = HttpMessages.readResponse(up.in(), req.method());
                if (resp.status() >= 200 || resp.status() == 101) {
                    break;
                }
                if (resp.status() != 100 || !req.expectsContinue()) {
                    writeResponseHead(out, resp, false, req);
                    out.flush();
                }
            }
            if (resp.status() == 101) {
                throw new HttpException(502, "upstream switched protocols without an Upgrade request");
            }
            boolean closeAfter = resp.close() || !req.keepAlive() || resp.framing().kind() == HttpMessages.BodyKind.UNTIL_CLOSE;
            writeResponseHead(out, resp, closeAfter, req);
            Bodies.relay(up.in(), out, resp.framing(), quota);
            out.flush();
            if (closeAfter) {
                up.socket().close();
                return null;
            }
            return up;
        } catch (HttpException e) {
            up.socket().close();
            error(out, e.status() == 503 ? 503 : 502, "Palisade: bad upstream response: " + e.getMessage() + "\n", null);
            return null;
        } catch (IOException e) {
            up.socket().close();
            throw e;
        }
    }

    private static void writeResponseHead(OutputStream out, HttpMessages.Response resp, boolean close,
            HttpMessages.Request req) throws IOException {
        StringBuilder sb = new StringBuilder(resp.statusLine()).append("\r\n");
        for (HttpMessages.Header h : resp.headers()) {
            if (!HttpMessages.isHopByHop(h.name(), resp.headers())) {
                sb.append(h.name()).append(": ").append(h.value()).append("\r\n");
            }
        }
        if (resp.framing().kind() == HttpMessages.BodyKind.CHUNKED) {
            sb.append("Transfer-Encoding: chunked\r\n");
        }
        if (close) {
            sb.append("Connection: close\r\n");
        } else if (req.version().equals("HTTP/1.0")) {
            sb.append("Connection: keep-alive\r\n");
        }
        sb.append("\r\n");
        writeAscii(out, sb.toString());
    }

    private void denied(OutputStream out, Verdict.Denied d) throws IOException {
        int status = switch (d.kind()) {
            case MALFORMED -> 400;
            case FORBIDDEN -> 403;
            case UNRESOLVABLE -> 502;
            case LIMIT -> 503;
        };
        StringBuilder body = new StringBuilder();
        body.append("Palisade blocked a connection to ").append(d.target()).append(".\n");
        body.append("Rule: ").append(d.rule()).append('\n');
        if (!d.advice().isEmpty()) {
            body.append("To allow it: ").append(d.advice()).append(".\n");
        }
        error(out, status, body.toString(), d.rule());
    }

    static void error(OutputStream out, int status, String body, String rule) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder();
        sb.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        sb.append("Content-Type: text/plain; charset=utf-8\r\n");
        sb.append("Content-Length: ").append(b.length).append("\r\n");
        if (rule != null) {
            sb.append("X-Palisade-Rule: ").append(EgressPolicy.display(rule).replace("\\u0020", " ")).append("\r\n");
        }
        sb.append("Connection: close\r\n\r\n");
        writeAscii(out, sb.toString());
        out.write(b);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 431 -> "Request Header Fields Too Large";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Error";
        };
    }

    /** Connects to exactly the checked address, with a timeout. */
    static ClientConnection connect(Verdict.Allowed a) throws IOException {
        SocketChannel ch = SocketChannel.open();
        try {
            ch.socket().connect(new InetSocketAddress(a.address(), a.port()), CONNECT_TIMEOUT_MS);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return new ClientConnection(ch);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    private static void writeAscii(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    }

}
