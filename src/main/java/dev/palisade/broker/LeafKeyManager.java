package dev.palisade.broker;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Serves the session CA's leaf for the tunnel's host. The alias is the host the proxy approved
 * (the socket's peer host as set by {@link ClientTls}), never a name taken from the handshake:
 * the SNI must agree with it, which {@link ClientTls} enforces with an SNI matcher.
 */
final class LeafKeyManager extends X509ExtendedKeyManager {
    private final SessionCa ca;

    LeafKeyManager(SessionCa ca) {
        this.ca = ca;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        if (!"EC".equals(keyType) || !(socket instanceof SSLSocket s)) {
            return null;
        }
        SSLSession hs = s.getHandshakeSession();
        return hs == null ? null : hs.getPeerHost();
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return "EC".equals(keyType) ? engine.getPeerHost() : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        try {
            return new X509Certificate[] {ca.leafFor(alias), ca.certificate()};
        } catch (GeneralSecurityException e) {
            return null;
        }
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ca.leafKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
    }
}
