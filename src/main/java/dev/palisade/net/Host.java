package dev.palisade.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.IDN;
import java.util.Locale;

/**
 * A canonical connection host: either a domain name (lower case, IDNA/punycode, no trailing dot)
 * or an IP address. Every host a client names goes through {@link #parse} before any rule sees it.
 */
sealed interface Host {
    /** The longest host name DNS can carry (RFC 1035 §2.3.4). */
    int MAX_NAME = 253;

    /**
     * A canonical domain name.
     *
     * @param name lower-case ASCII (punycode) labels, no trailing dot
     */
    record Name(String name) implements Host {
        @Override
        public String text() {
            return name;
        }
    }

    /**
     * An IP address given literally.
     *
     * @param address the address
     */
    record Address(InetAddress address) implements Host {
        @Override
        public String text() {
            return literal(address);
        }
    }

    /** The canonical text: the name, or the address in its standard form (IPv6 in brackets). */
    String text();

    /** The standard literal form of an address; IPv6 bracketed in RFC 5952 form, without scope. */
    static String literal(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        // RFC 5952 §4.2: compress the longest run (at least two) of zero groups, the first if tied.
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8;) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 1 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.append(']').toString();
    }

    /**
     * Canonicalizes a host exactly as a client sent it.
     *
     * <p>Refused: empty, control characters, spaces, {@code %} escapes, userinfo {@code @}, path or
     * query characters, zone ids, non-ASCII that fails IDNA (RFC 3490 via {@link IDN}), labels
     * outside letters/digits/hyphen/underscore, more than one trailing dot. Names whose labels are
     * all numeric are IP literals in any inet_aton spelling. IDNA runs first, so full-width digits
     * and ideographic dots cannot disguise an address as a name.
     *
     * @param raw the host as received (brackets around IPv6 allowed)
     * @return the canonical host
     * @throws MalformedTargetException naming what is wrong
     */
    static Host parse(String raw) throws MalformedTargetException {
        if (raw == null || raw.isEmpty()) {
            throw new MalformedTargetException("empty host");
        }
        if (raw.length() > 1024) {
            throw new MalformedTargetException("host too long");
        }
        boolean ascii = true;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c <= 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || Character.isWhitespace(c)
                    || Character.getType(c) == Character.FORMAT) {
                throw new MalformedTargetException("control, format or space character in host");
            }
            switch (c) {
                case '%' -> throw new MalformedTargetException("percent escapes and zone ids are not allowed in host");
                case '@' -> throw new MalformedTargetException("userinfo is not allowed in host");
                case '/', '\\', '?', '#', '"', '<', '>', '`', '{', '}', '|', '^', ',', ';', '=', '!', '$', '&',
                        '\'', '(', ')', '+', '~' -> throw new MalformedTargetException("invalid character '" + c + "' in host");
                default -> {
                    if (c >= 0x80) {
                        ascii = false;
                    }
                }
            }
        }
        String host = raw;
        if (host.startsWith("[")) {
            InetAddress a = IpLiterals.parse(host.toLowerCase(Locale.ROOT));
            return new Address(a);
        }
        if (!ascii) {
            try {
                host = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new MalformedTargetException("host fails IDNA: " + e.getMessage());
            }
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (host.isEmpty() || host.startsWith(".") || host.endsWith(".") || host.contains("..")) {
            throw new MalformedTargetException("empty label in host");
        }
        InetAddress a = IpLiterals.parse(host);
        if (a != null) {
            return new Address(a);
        }
        if (host.length() > MAX_NAME) {
            throw new MalformedTargetException("host name longer than 253 characters");
        }
        for (String label : host.split("\\.", -1)) {
            checkLabel(label);
        }
        return new Name(host);
    }

    private static void checkLabel(String label) throws MalformedTargetException {
        if (label.isEmpty() || label.length() > 63) {
            throw new MalformedTargetException("host label of invalid length");
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                throw new MalformedTargetException("invalid character in host label");
            }
        }
        if (label.startsWith("-") || label.endsWith("-")) {
            throw new MalformedTargetException("host label starts or ends with a hyphen");
        }
        if (label.startsWith("xn--")) {
            // A punycode label must decode to something IDNA accepts, or it is an attempt to
            // smuggle an unvalidated name past the IDNA step.
            String unicode = IDN.toUnicode(label, IDN.USE_STD3_ASCII_RULES);
            if (unicode.equals(label)) {
                throw new MalformedTargetException("invalid punycode label");
            }
            try {
                if (!IDN.toASCII(unicode, IDN.USE_STD3_ASCII_RULES).equalsIgnoreCase(label)) {
                    throw new MalformedTargetException("non-canonical punycode label");
                }
            } catch (IllegalArgumentException e) {
                throw new MalformedTargetException("invalid punycode label");
            }
        }
    }

    /**
     * Strict port parsing: 1 to 5 ASCII digits, no sign, no leading zero, 1..65535.
     *
     * @param raw the port text
     * @return the port
     * @throws MalformedTargetException if it is not a valid port
     */
    static int parsePort(String raw) throws MalformedTargetException {
        if (raw == null || raw.isEmpty() || raw.length() > 5 || raw.charAt(0) == '0') {
            throw new MalformedTargetException("invalid port");
        }
        int v = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c < '0' || c > '9') {
                throw new MalformedTargetException("invalid port");
            }
            v = v * 10 + (c - '0');
        }
        if (v > 65535) {
            throw new MalformedTargetException("invalid port");
        }
        return v;
    }
}
