package dev.palisade.net;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies bytes both ways between a client and an upstream until both directions end, counting
 * them against the session's byte cap. One direction runs on a second virtual thread; EOF on one
 * side is passed on as a half-close so request/response protocols finish cleanly. Direct buffers
 * on both channels spare the copy through a heap array.
 */
final class Splice {
    private static final int BUFFER = 128 * 1024;
    private static final int POOL_MAX = 256;
    /**
     * Direct buffers are costly to allocate and are freed only by GC, so a burst of new tunnels
     * would otherwise run into the direct-memory limit; idle ones are kept for reuse.
     */
    private static final ConcurrentLinkedDeque<ByteBuffer> POOL = new ConcurrentLinkedDeque<>();
    private static final AtomicInteger POOLED = new AtomicInteger();

    private Splice() {
    }

    /**
     * Finishes an allowed tunnel for either proxy: forwards what the client sent before the proxy's
     * reply (counted against the session's bytes), then splices both directions, reporting a
     * {@code network.maxBytes} violation for the target when the cap stops it.
     */
    static void tunnel(ClientConnection client, ClientConnection upstream, byte[] early, SessionQuota quota,
            EgressPolicy policy, Verdict.Allowed a) throws IOException, InterruptedException {
        if (early.length > 0) {
            if (!quota.addBytes(early.length)) {
                return;
            }
            upstream.out().write(early);
        }
        run(client, upstream, quota, () -> policy.deny(Verdict.Kind.LIMIT, a.host() + ":" + a.port(),
                "network.maxBytes (" + quota.maxBytes() + ") reached", ""));
    }

    /**
     * Splices until both directions are done or the byte cap is reached.
     *
     * @param client the client
     * @param upstream the upstream
     * @param quota the session's quota
     * @param onCap run once, before both sides are closed, if the byte cap stops the splice
     */
    static void run(ClientConnection client, ClientConnection upstream, SessionQuota quota, Runnable onCap)
            throws InterruptedException {
        AtomicBoolean reported = new AtomicBoolean();
        Thread up = Thread.ofVirtual().name("splice-up").start(
                () -> direction(client, upstream, quota, onCap, reported));
        direction(upstream, client, quota, onCap, reported);
        up.join();
    }

    private static void direction(ClientConnection from, ClientConnection to, SessionQuota quota, Runnable onCap,
            AtomicBoolean reported) {
        if (copy(from.channel(), to.channel(), quota)) {
            if (reported.compareAndSet(false, true)) {
                onCap.run();
            }
            from.close();
            to.close();
        } else {
            to.shutdownOutput();
        }
    }

    /** Copies until EOF or error; returns true if it stopped because of the byte cap. */
    private static boolean copy(SocketChannel in, SocketChannel out, SessionQuota quota) {
        ByteBuffer buf = take();
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!quota.addBytes(n)) {
                    return true;
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            // a reset or close on either side ends this direction; the other ends on its own
        } finally {
            give(buf);
        }
        return false;
    }

    private static ByteBuffer take() {
        ByteBuffer b = POOL.pollFirst();
        if (b == null) {
            return ByteBuffer.allocateDirect(BUFFER);
        }
        POOLED.decrementAndGet();
        return b;
    }

    private static void give(ByteBuffer b) {
        if (POOLED.incrementAndGet() <= POOL_MAX) {
            b.clear();
            POOL.addFirst(b);
        } else {
            POOLED.decrementAndGet();
        }
    }
}
