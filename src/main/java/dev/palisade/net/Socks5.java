package dev.palisade.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The SOCKS5 wire format (RFC 1928): method negotiation and the request, parsed strictly. Only
 * "no authentication" (0x00) and CONNECT (0x01) are supported.
 */
final class Socks5 {
    static final int VERSION = 5;
    static final int REP_SUCCEEDED = 0x00;
    static final int REP_GENERAL_FAILURE = 0x01;
    static final int REP_NOT_ALLOWED = 0x02;
    static final int REP_HOST_UNREACHABLE = 0x04;
    static final int REP_CONNECTION_REFUSED = 0x05;
    static final int REP_COMMAND_NOT_SUPPORTED = 0x07;
    static final int REP_ADDRESS_TYPE_NOT_SUPPORTED = 0x08;

    private Socks5() {
    }

    /** A protocol error, answered with {@code reply} (or just a close when reply is negative). */
    static final class SocksException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int reply;

        SocksException(int reply, String message) {
            super(message);
            this.reply = reply;
        }

        int reply() {
            return reply;
        }
    }

    /**
     * A CONNECT request.
     *
     * @param host the host text for the policy: the domain as sent, or the address as a literal
     * @param port the port
     */
    record Request(String host, int port) {
    }

    /** Marker for "the client speaks SOCKS4", which gets its own refusal. */
    static final int SOCKS4 = 4;

    /**
     * Reads the greeting (RFC 1928 §3).
     *
     * @return true if the client offers "no authentication"
     * @throws SocksException with reply {@link #SOCKS4} for a SOCKS4 client, -1 for garbage
     */
    static boolean readGreeting(InputStream in) throws IOException, SocksException {
        int ver = readByte(in);
        if (ver == SOCKS4) {
            throw new SocksException(SOCKS4, "SOCKS4 is not supported");
        }
        if (ver != VERSION) {
            throw new SocksException(-1, "not a SOCKS5 client");
        }
        int n = readByte(in);
        if (n == 0) {
            throw new SocksException(-1, "no authentication methods offered");
        }
        boolean noAuth = false;
        for (int i = 0; i < n; i++) {
            noAuth |= readByte(in) == 0x00;
        }
        return noAuth;
    }

    /** Reads the request (RFC 1928 §4, §5). */
    static Request readRequest(InputStream in) throws IOException, SocksException {
        int ver = readByte(in);
        int cmd = readByte(in);
        int rsv = readByte(in);
        int atyp = readByte(in);
        if (ver != VERSION || rsv != 0) {
            throw new SocksException(REP_GENERAL_FAILURE, "malformed SOCKS5 request");
        }
        String host = switch (atyp) {
            case 0x01 -> literal(readN(in, 4));
            case 0x04 -> literal(readN(in, 16));
            case 0x03 -> {
                int len = readByte(in);
                if (len == 0) {
                    throw new SocksException(REP_GENERAL_FAILURE, "empty domain name");
                }
                byte[] name = readN(in, len);
                try {
                    yield StandardCharsets.UTF_8.newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(name)).toString();
                } catch (CharacterCodingException e) {
                    throw new SocksException(REP_NOT_ALLOWED, "domain name is not valid UTF-8");
                }
            }
            default -> throw new SocksException(REP_ADDRESS_TYPE_NOT_SUPPORTED, "address type " + atyp + " not supported");
        };
        int port = (readByte(in) << 8) | readByte(in);
        if (cmd == 0x02 || cmd == 0x03) {
            throw new SocksException(REP_COMMAND_NOT_SUPPORTED, (cmd == 0x02 ? "BIND" : "UDP ASSOCIATE") + " is not supported");
        }
        if (cmd != 0x01) {
            throw new SocksException(REP_COMMAND_NOT_SUPPORTED, "command " + cmd + " is not supported");
        }
        return new Request(host, port);
    }

    /** The reply (RFC 1928 §6) with BND.ADDR 0.0.0.0:0: the client has no use for our address. */
    static byte[] reply(int rep) {
        return new byte[] {VERSION, (byte) rep, 0, 0x01, 0, 0, 0, 0, 0, 0};
    }

    /** SOCKS4 "request rejected or failed" (0x5B), so a SOCKS4 client gets an answer it understands. */
    static byte[] socks4Rejected() {
        return new byte[] {0, 0x5B, 0, 0, 0, 0, 0, 0};
    }

    private static String literal(byte[] b) {
        try {
            return Host.literal(InetAddress.getByAddress(b));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("SOCKS client closed the connection");
        }
        return b;
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new EOFException("SOCKS client closed the connection");
        }
        return b;
    }
}
