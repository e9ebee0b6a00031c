package dev.palisade.broker;

import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** Terminates the sandbox client's TLS with a leaf of the session CA. */
final class ClientTls {
    private final SSLContext context;

    ClientTls(SessionCa ca) throws GeneralSecurityException {
        context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {new LeafKeyManager(ca)}, null, null);
    }

    /**
     * Performs the server side of the handshake on the tunnel's client socket.
     *
     * @param client the socket positioned after the proxy's success reply
     * @param host the tunnel's canonical host; an SNI naming anything else fails the handshake
     */
    SSLSocket accept(Socket client, String host) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(client, host, client.getPort(), true);
        s.setUseClientMode(false);
        SSLParameters p = s.getSSLParameters();
        p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        // RFC 7301: we speak HTTP/1.1 only; a client offering only h2 gets no_application_protocol.
        p.setApplicationProtocols(new String[] {"http/1.1"});
        // RFC 6066 §3: an SNI other than the CONNECT host is refused with unrecognized_name.
        p.setSNIMatchers(List.of(SNIHostName.createSNIMatcher("(?i)" + Pattern.quote(host) + "\\.?")));
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }
}
