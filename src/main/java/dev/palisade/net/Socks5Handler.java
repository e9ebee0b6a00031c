package dev.palisade.net;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.ConnectException;

/** Serves one SOCKS5 client connection: negotiation, one CONNECT judged by the {@link EgressPolicy}, splice. */
final class Socks5Handler {
    private static final System.Logger LOG = System.getLogger(Socks5Handler.class.getName());

    private final EgressPolicy policy;
    private final SessionQuota quota;
    private final TunnelInterceptor interceptor;

    Socks5Handler(EgressPolicy policy, SessionQuota quota, TunnelInterceptor interceptor) {
        this.policy = policy;
        this.quota = quota;
        this.interceptor = interceptor;
    }

    void serve(ClientConnection client, boolean overCap) {
        // Small buffer: the client waits for our replies, so at most its first payload bytes
        // (sent optimistically after the request) can be read ahead; they are handed on below.
        BufferedInputStream in = new BufferedInputStream(client.in(), 512);
        OutputStream out = client.out();
        try {
            Socks5.Request req;
            try {
                if (!Socks5.readGreeting(in)) {
                    out.write(new byte[] {Socks5.VERSION, (byte) 0xFF});
                    policy.deny(Verdict.Kind.MALFORMED, "(SOCKS5 greeting)", "SOCKS5 authentication methods are not supported", "");
                    return;
                }
                out.write(new byte[] {Socks5.VERSION, 0x00});
                req = Socks5.readRequest(in);
            } catch (Socks5.SocksException e) {
                policy.deny(Verdict.Kind.MALFORMED, "(SOCKS request)", e.getMessage(), "");
                if (e.reply() == Socks5.SOCKS4) {
                    out.write(Socks5.socks4Rejected());
                } else if (e.reply() >= 0) {
                    out.write(Socks5.reply(e.reply()));
                }
                return;
            }
            if (overCap) {
                policy.deny(Verdict.Kind.LIMIT, EgressPolicy.display(req.host()) + ":" + req.port(),
                        "network.maxConnections (" + quota.maxConnections() + ") reached", "raise network.maxConnections");
                out.write(Socks5.reply(Socks5.REP_GENERAL_FAILURE));
                return;
            }
            Verdict v = policy.decide(req.host(), req.port());
            switch (v) {
                case Verdict.Denied d -> out.write(Socks5.reply(switch (d.kind()) {
                    case MALFORMED, FORBIDDEN -> Socks5.REP_NOT_ALLOWED;
                    case UNRESOLVABLE -> Socks5.REP_HOST_UNREACHABLE;
                    case LIMIT -> Socks5.REP_GENERAL_FAILURE;
                }));
                case Verdict.Allowed a -> connect(client, in, out, a);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "socks connection ended: {0}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            client.close();
        }
    }

    private void connect(ClientConnection client, BufferedInputStream in, OutputStream out, Verdict.Allowed a)
            throws IOException, InterruptedException {
        byte[] early = in.readNBytes(in.available());
        if (interceptor != null && interceptor.intercepts(a.host(), a.port())) {
            out.write(Socks5.reply(Socks5.REP_SUCCEEDED));
            interceptor.serve(client.asSocket(early), a.host(), a.port(), a.address());
            return;
        }
        ClientConnection upstream;
        try {
            upstream = HttpProxyHandler.connect(a);
        } catch (ConnectException e) {
            out.write(Socks5.reply(Socks5.REP_CONNECTION_REFUSED));
            return;
        } catch (IOException e) {
            out.write(Socks5.reply(Socks5.REP_HOST_UNREACHABLE));
            return;
        }
        try {
            out.write(Socks5.reply(Socks5.REP_SUCCEEDED));
            Splice.tunnel(client, upstream, early, quota, policy, a);
        } finally {
            upstream.close();
        }
    }
}
