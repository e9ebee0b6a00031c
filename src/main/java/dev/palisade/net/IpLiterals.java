package dev.palisade.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The one strict parser for IP literals. Every host string that a resolver or a browser could read
 * as an address is read as an address here, so that it is judged as an IP and never as a name:
 * inet_aton(3) forms ({@code 127.1}, {@code 0x7f.1}, {@code 2130706433}, octal {@code 0177.0.0.1}),
 * and RFC 4291 §2.2 IPv6 text with an optional trailing dotted quad. Zone ids (RFC 6874) are refused.
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * Parses a host that may be an IP literal. IPv6 may be bracketed or bare.
     *
     * @param host a lower-case host with any single trailing dot already removed
     * @return the address, or null when the host is not IP-like at all (a name)
     * @throws MalformedTargetException if it is IP-like but not a valid address, or is a name
     *     whose last label is numeric (ambiguous, as WHATWG URL treats it as IPv4)
     */
    static InetAddress parse(String host) throws MalformedTargetException {
        if (host.startsWith("[") || host.endsWith("]")) {
            if (!host.startsWith("[") || !host.endsWith("]") || host.length() < 3) {
                throw new MalformedTargetException("unbalanced brackets in host");
            }
            return address(parseIpv6(host.substring(1, host.length() - 1)));
        }
        if (host.indexOf(':') >= 0) {
            return address(parseIpv6(host));
        }
        String[] parts = host.split("\\.", -1);
        boolean allNumeric = true;
        for (String p : parts) {
            allNumeric &= isNumericPart(p);
        }
        if (allNumeric) {
            return address(parseInetAton(parts));
        }
        if (isNumericPart(parts[parts.length - 1])) {
            throw new MalformedTargetException("host name ends in a numeric label: " + host);
        }
        return null;
    }

    /** Whether a label is a number in inet_aton's eyes: decimal, octal or 0x-hex. */
    private static boolean isNumericPart(String p) {
        if (p.isEmpty()) {
            return false;
        }
        if (p.startsWith("0x")) {
            for (int i = 2; i < p.length(); i++) {
                if (Character.digit(p.charAt(i), 16) < 0) {
                    return false;
                }
            }
            return true;
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** inet_aton(3): a, a.b (8.24), a.b.c (8.8.16), a.b.c.d; each part decimal, 0-octal or 0x-hex. */
    private static byte[] parseInetAton(String[] parts) throws MalformedTargetException {
        if (parts.length > 4) {
            throw new MalformedTargetException("too many parts in IPv4 literal");
        }
        long[] v = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = numericValue(parts[i]);
        }
        long value = 0;
        for (int i = 0; i < parts.length - 1; i++) {
            if (v[i] > 255) {
                throw new MalformedTargetException("IPv4 literal part out of range");
            }
            value = (value << 8) | v[i];
        }
        int lastBits = 8 * (5 - parts.length);
        long last = v[parts.length - 1];
        if (last >= (1L << lastBits)) {
            throw new MalformedTargetException("IPv4 literal part out of range");
        }
        value = (value << lastBits) | last;
        return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value};
    }

    private static long numericValue(String p) throws MalformedTargetException {
        int radix = 10;
        String digits = p;
        if (p.startsWith("0x")) {
            radix = 16;
            digits = p.substring(2);
        } else if (p.length() > 1 && p.charAt(0) == '0') {
            radix = 8;
            digits = p.substring(1);
        }
        long v = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = Character.digit(digits.charAt(i), radix);
            if (d < 0) {
                throw new MalformedTargetException("invalid digit in IPv4 literal");
            }
            v = v * radix + d;
            if (v > 0xFFFF_FFFFL) {
                throw new MalformedTargetException("IPv4 literal part out of range");
            }
        }
        return v;
    }

    /** RFC 4291 §2.2: eight 16-bit hex groups, one "::", optional trailing dotted-decimal IPv4. */
    static byte[] parseIpv6(String s) throws MalformedTargetException {
        if (s.indexOf('%') >= 0) {
            throw new MalformedTargetException("IPv6 zone ids are not allowed");
        }
        if (s.length() > 45) {
            throw new MalformedTargetException("IPv6 literal too long");
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            throw new MalformedTargetException("more than one :: in IPv6 literal");
        }
        byte[] out = new byte[16];
        if (dbl < 0) {
            int n = parseGroups(s, out, 0, true);
            if (n != 16) {
                throw new MalformedTargetException("IPv6 literal has too few groups");
            }
            return out;
        }
        byte[] head = new byte[16];
        byte[] tail = new byte[16];
        String left = s.substring(0, dbl);
        String right = s.substring(dbl + 2);
        int h = left.isEmpty() ? 0 : parseGroups(left, head, 0, false);
        int t = right.isEmpty() ? 0 : parseGroups(right, tail, 0, true);
        if (h + t > 14) {
            throw new MalformedTargetException("IPv6 literal has too many groups");
        }
        System.arraycopy(head, 0, out, 0, h);
        System.arraycopy(tail, 0, out, 16 - t, t);
        return out;
    }

    /** Parses colon-separated groups into {@code out}; returns the number of bytes written. */
    private static int parseGroups(String s, byte[] out, int pos, boolean allowDottedTail)
            throws MalformedTargetException {
        String[] groups = s.split(":", -1);
        for (int i = 0; i < groups.length; i++) {
            String g = groups[i];
            if (i == groups.length - 1 && allowDottedTail && g.indexOf('.') >= 0) {
                if (pos + 4 > 16) {
                    throw new MalformedTargetException("IPv6 literal has too many groups");
                }
                System.arraycopy(parseDottedQuad(g), 0, out, pos, 4);
                return pos + 4;
            }
            if (g.isEmpty() || g.length() > 4) {
                throw new MalformedTargetException("invalid IPv6 group");
            }
            int v = 0;
            for (int k = 0; k < g.length(); k++) {
                int d = Character.digit(g.charAt(k), 16);
                if (d < 0 || g.charAt(k) > 'f') {
                    throw new MalformedTargetException("invalid IPv6 group");
                }
                v = (v << 4) | d;
            }
            if (pos + 2 > 16) {
                throw new MalformedTargetException("IPv6 literal has too many groups");
            }
            out[pos++] = (byte) (v >>> 8);
            out[pos++] = (byte) v;
        }
        return pos;
    }

    /** Strict dotted decimal (four parts, 0-255, no leading zeros) as embedded in IPv6 text. */
    private static byte[] parseDottedQuad(String s) throws MalformedTargetException {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            throw new MalformedTargetException("invalid IPv4 part in IPv6 literal");
        }
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String x = p[i];
            if (x.isEmpty() || x.length() > 3 || (x.length() > 1 && x.charAt(0) == '0')) {
                throw new MalformedTargetException("invalid IPv4 part in IPv6 literal");
            }
            int v = 0;
            for (int k = 0; k < x.length(); k++) {
                char c = x.charAt(k);
                if (c < '0' || c > '9') {
                    throw new MalformedTargetException("invalid IPv4 part in IPv6 literal");
                }
                v = v * 10 + (c - '0');
            }
            if (v > 255) {
                throw new MalformedTargetException("invalid IPv4 part in IPv6 literal");
            }
            b[i] = (byte) v;
        }
        return b;
    }

    /**
     * Builds the address without any lookup. Note that {@link InetAddress#getByAddress(byte[])}
     * turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4 address, which is what we
     * want: it is judged as the IPv4 address it reaches.
     */
    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of length " + bytes.length, e);
        }
    }
}
