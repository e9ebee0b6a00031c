package dev.palisade.broker;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Detects the session's placeholders in a stream that arrives in pieces (a request body), without
 * holding anything back: the last bytes of each piece are kept only to find a placeholder split
 * across pieces.
 */
final class PlaceholderScanner {
    private final byte[][] needles;
    private final int keep;
    private byte[] tail = new byte[0];
    private boolean found;

    PlaceholderScanner(List<String> placeholders) {
        needles = placeholders.stream().map(p -> p.getBytes(StandardCharsets.US_ASCII)).toArray(byte[][]::new);
        keep = Arrays.stream(needles).mapToInt(n -> n.length).max().orElse(1) - 1;
    }

    boolean found() {
        return found;
    }

    void update(byte[] b, int off, int len) {
        if (found || needles.length == 0) {
            return;
        }
        byte[] data = Arrays.copyOf(tail, tail.length + len);
        System.arraycopy(b, off, data, tail.length, len);
        for (byte[] n : needles) {
            if (indexOf(data, n) >= 0) {
                found = true;
                return;
            }
        }
        tail = Arrays.copyOfRange(data, Math.max(0, data.length - keep), data.length);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
