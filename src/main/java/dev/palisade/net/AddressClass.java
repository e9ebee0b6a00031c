package dev.palisade.net;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * What kind of destination an address is. Only {@link #PUBLIC} addresses are reachable by default;
 * every other class is refused unless an explicit address rule allows it (RFC 6890 special-purpose
 * registries for IPv4 and IPv6).
 */
enum AddressClass {
    /** Globally routable unicast. */
    PUBLIC,
    /** 127.0.0.0/8, ::1. */
    LOOPBACK,
    /** 169.254.0.0/16 (cloud metadata lives here), fe80::/10. */
    LINK_LOCAL,
    /** RFC 1918, fc00::/7 unique local, fec0::/10 site local. */
    PRIVATE,
    /** 100.64.0.0/10 carrier-grade NAT (RFC 6598). */
    CGNAT,
    /** 224.0.0.0/4, ff00::/8. */
    MULTICAST,
    /** 0.0.0.0/8, ::. */
    UNSPECIFIED,
    /** Documentation, benchmarking, future use, broadcast, Teredo, deprecated IPv6 forms. */
    RESERVED;

    /** The name used in messages ("link-local"). */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Classifies an address. IPv6 forms that embed an IPv4 address (NAT64 64:ff9b::/96, 6to4
     * 2002::/16) are classified by the IPv4 address they reach.
     *
     * @param address the address
     * @return its class
     */
    static AddressClass of(InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return ofIpv4(b, 0);
        }
        return ofIpv6(b);
    }

    private static AddressClass ofIpv4(byte[] b, int off) {
        int a0 = b[off] & 0xff;
        int a1 = b[off + 1] & 0xff;
        int a2 = b[off + 2] & 0xff;
        if (a0 == 0) {
            return UNSPECIFIED;
        }
        if (a0 == 127) {
            return LOOPBACK;
        }
        if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
            return PRIVATE;
        }
        if (a0 == 100 && (a1 & 0xc0) == 64) {
            return CGNAT;
        }
        if (a0 == 169 && a1 == 254) {
            return LINK_LOCAL;
        }
        if ((a0 & 0xf0) == 224) {
            return MULTICAST;
        }
        if ((a0 & 0xf0) == 240
                || (a0 == 192 && a1 == 0 && (a2 == 0 || a2 == 2))
                || (a0 == 192 && a1 == 88 && a2 == 99)
                || (a0 == 198 && (a1 & 0xfe) == 18)
                || (a0 == 198 && a1 == 51 && a2 == 100)
                || (a0 == 203 && a1 == 0 && a2 == 113)) {
            return RESERVED;
        }
        return PUBLIC;
    }

    private static AddressClass ofIpv6(byte[] b) {
        boolean firstTwelveZero = true;
        for (int i = 0; i < 12; i++) {
            firstTwelveZero &= b[i] == 0;
        }
        if (firstTwelveZero) {
            if (b[12] == 0 && b[13] == 0 && b[14] == 0) {
                if (b[15] == 0) {
                    return UNSPECIFIED;
                }
                if (b[15] == 1) {
                    return LOOPBACK;
                }
            }
            return RESERVED; // deprecated IPv4-compatible ::a.b.c.d (RFC 4291 §2.5.5.1)
        }
        int w0 = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
        int w1 = ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        if (w0 == 0x0064 && w1 == 0xff9b) {
            for (int i = 4; i < 12; i++) {
                if (b[i] != 0) {
                    return RESERVED; // 64:ff9b:1::/48 local-use NAT64 (RFC 8215) and others
                }
            }
            return ofIpv4(b, 12); // NAT64 well-known prefix (RFC 6052)
        }
        if (w0 == 0x2002) {
            return ofIpv4(b, 2); // 6to4 (RFC 3056)
        }
        if ((w0 == 0x2001 && w1 == 0x0000) || (w0 == 0x2001 && w1 == 0x0db8) || w0 == 0x0100) {
            return RESERVED; // Teredo, documentation, discard-only
        }
        if ((w0 & 0xfe00) == 0xfc00 || (w0 & 0xffc0) == 0xfec0) {
            return PRIVATE;
        }
        if ((w0 & 0xffc0) == 0xfe80) {
            return LINK_LOCAL;
        }
        if ((w0 & 0xff00) == 0xff00) {
            return MULTICAST;
        }
        if ((w0 & 0xe000) != 0x2000) {
            return RESERVED; // outside 2000::/3, the only global unicast allocation
        }
        return PUBLIC;
    }
}
