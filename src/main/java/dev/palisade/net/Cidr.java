package dev.palisade.net;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address range: a network address and a prefix length. IPv4 ranges never contain IPv6
 * addresses and vice versa (IPv4-mapped IPv6 is already IPv4 by the time it gets here).
 *
 * @param network the network address, host bits zero
 * @param prefix the prefix length
 */
record Cidr(InetAddress network, int prefix) {
    Cidr {
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix length out of range: " + prefix);
        }
        byte[] b = network.getAddress();
        byte[] masked = mask(b, prefix);
        if (!Arrays.equals(b, masked)) {
            throw new IllegalArgumentException("host bits set in " + Host.literal(network) + "/" + prefix);
        }
    }

    /**
     * Parses {@code ADDRESS[/PREFIX]} with the strict literal parser.
     *
     * @param text e.g. {@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code fd00::/8}, {@code [::1]}
     * @return the range
     * @throws IllegalArgumentException naming the entry
     */
    static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress a;
        try {
            a = IpLiterals.parse(addr);
        } catch (MalformedTargetException e) {
            throw new IllegalArgumentException("invalid address '" + text + "': " + e.getMessage(), e);
        }
        if (a == null) {
            throw new IllegalArgumentException("not an address: '" + text + "'");
        }
        int bits = a.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}")) {
                throw new IllegalArgumentException("invalid prefix length in '" + text + "'");
            }
            prefix = Integer.parseInt(p);
        }
        try {
            return new Cidr(a, prefix);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid range '" + text + "': " + e.getMessage(), e);
        }
    }

    /** Whether the range contains the address. */
    boolean contains(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == network.getAddress().length && Arrays.equals(mask(b, prefix), network.getAddress());
    }

    private static byte[] mask(byte[] b, int prefix) {
        byte[] m = b.clone();
        for (int i = 0; i < m.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            m[i] &= (byte) (0xff << (8 - keep));
        }
        return m;
    }

    @Override
    public String toString() {
        return Host.literal(network) + "/" + prefix;
    }
}
