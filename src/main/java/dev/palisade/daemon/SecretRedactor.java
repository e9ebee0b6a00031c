package dev.palisade.daemon;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The second output filter: replaces every known secret value (a credential's real secret and its
 * placeholder) with {@code [REDACTED:<name>]}. Works on bytes, so binary output around a secret
 * stays exact. A secret may be cut across two pipe reads: the longest tail of a chunk that is the
 * start of some secret is held back until the next chunk or {@link #flush} (at most the longest
 * secret's length minus one byte), so a split secret is still found whole.
 */
final class SecretRedactor {
    private record Secret(byte[] value, byte[] replacement) {
    }

    private final List<Secret> secrets = new ArrayList<>();
    private byte[] held = new byte[0];

    /**
     * @param values per credential name, the strings to hide (empty strings are ignored)
     */
    SecretRedactor(Map<String, List<String>> values) {
        for (var e : values.entrySet()) {
            byte[] replacement = ("[REDACTED:" + e.getKey() + "]").getBytes(StandardCharsets.UTF_8);
            for (String v : e.getValue()) {
                if (!v.isEmpty()) {
                    byte[] b = v.getBytes(StandardCharsets.UTF_8);
                    secrets.add(new Secret(b, replacement));
                }
            }
        }
        // Longest first: a secret that contains another is replaced whole.
        secrets.sort(Comparator.comparingInt((Secret s) -> -s.value().length));
    }

    boolean isEmpty() {
        return secrets.isEmpty();
    }

    byte[] apply(byte[] chunk) {
        byte[] all = held.length == 0 ? chunk : concat(held, chunk);
        byte[] out = replace(all);
        int keep = heldTail(out);
        held = Arrays.copyOfRange(out, out.length - keep, out.length);
        return keep == 0 ? out : Arrays.copyOf(out, out.length - keep);
    }

    byte[] flush() {
        byte[] rest = held;
        held = new byte[0];
        return rest;
    }

    /**
     * The length of the longest suffix of {@code b} that is a proper prefix of a secret: for each
     * secret, the first position (from the earliest that could matter) holding the secret's first
     * byte where the rest of {@code b} matches; linear in the secret's length for random secrets.
     */
    private int heldTail(byte[] b) {
        int best = 0;
        for (Secret s : secrets) {
            byte[] v = s.value();
            byte first = v[0];
            for (int i = Math.max(0, b.length - v.length + 1); i < b.length - best; i++) {
                if (b[i] == first && Arrays.equals(b, i, b.length, v, 0, b.length - i)) {
                    best = b.length - i;
                    break;
                }
            }
        }
        return best;
    }

    private byte[] replace(byte[] b) {
        byte[] cur = b;
        for (Secret s : secrets) {
            cur = replaceAll(cur, s.value(), s.replacement());
        }
        return cur;
    }

    private static byte[] replaceAll(byte[] in, byte[] needle, byte[] with) {
        int at = indexOf(in, needle, 0);
        if (at < 0) {
            return in;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(in.length);
        int from = 0;
        while (at >= 0) {
            out.write(in, from, at - from);
            out.write(with, 0, with.length);
            from = at + needle.length;
            at = indexOf(in, needle, from);
        }
        out.write(in, from, in.length - from);
        return out.toByteArray();
    }

    private static int indexOf(byte[] a, byte[] needle, int from) {
        byte first = needle[0];
        int last = a.length - needle.length;
        for (int i = from; i <= last; i++) {
            if (a[i] == first && Arrays.equals(a, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
