package dev.palisade.daemon;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.palisade.paths.PathTranslator;

/**
 * The first filter: rewrites sandbox paths ({@code /sessions/<id>/mnt/...}) to host paths. A path
 * may be cut across two pipe reads, so a chunk's tail after its last newline is held back when it
 * holds a '/', until the next read or the end of the stream (then {@link #flush}). Only chunks
 * that contain {@code /sessions/} and decode as strict UTF-8 are rewritten; other bytes pass
 * untouched, so binary output stays exact.
 */
final class PathRewriter {
    private static final int MAX_HOLD = 8192;
    private final PathTranslator translator;
    private byte[] held = new byte[0];

    PathRewriter(PathTranslator translator) {
        this.translator = translator;
    }

    byte[] apply(byte[] chunk) {
        if (held.length == 0 && !mayHoldPath(chunk)) {
            return chunk; // the common case, binary or plain output: no copy, no decoding
        }
        byte[] all = held.length == 0 ? chunk : concat(held, chunk);
        int cut = all.length;
        int nl = lastIndexOf(all, (byte) '\n');
        if (nl + 1 < all.length && all.length - (nl + 1) < MAX_HOLD && indexOf(all, (byte) '/', nl + 1) >= 0) {
            cut = nl + 1;
        }
        held = Arrays.copyOfRange(all, cut, all.length);
        return rewrite(cut == all.length ? all : Arrays.copyOf(all, cut));
    }

    byte[] flush() {
        byte[] rest = held;
        held = new byte[0];
        return rewrite(rest);
    }

    private static final String MARK = "/sessions/";

    /**
     * Whether a chunk holds {@code /sessions/}, or ends in a proper prefix of it (a path cut by the
     * read). If neither, no path in it needs rewriting and none can be completed by the next chunk.
     * The search runs on a Latin-1 view, whose String.indexOf the JIT vectorises.
     */
    private static boolean mayHoldPath(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        if (s.indexOf(MARK) >= 0) {
            return true;
        }
        for (int i = Math.max(0, b.length - MARK.length() + 1); i < b.length; i++) {
            if (b[i] == '/' && MARK.startsWith(s.substring(i))) {
                return true;
            }
        }
        return false;
    }

    private byte[] rewrite(byte[] b) {
        if (b.length == 0 || new String(b, StandardCharsets.ISO_8859_1).indexOf(MARK) < 0) {
            return b;
        }
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            return translator.rewriteToHost(text).getBytes(StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            return b;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int lastIndexOf(byte[] a, byte v) {
        for (int i = a.length - 1; i >= 0; i--) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(byte[] a, byte v, int from) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
