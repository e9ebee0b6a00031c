package dev.palisade.net;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** A session's caps on open proxied connections and on bytes moved, shared by both proxies. */
final class SessionQuota {
    private final int maxConnections;
    private final long maxBytes;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    SessionQuota(int maxConnections, long maxBytes) {
        this.maxConnections = maxConnections;
        this.maxBytes = maxBytes;
    }

    /** Takes a connection slot; false when the session already has {@code maxConnections}. */
    boolean acquire() {
        while (true) {
            int n = open.get();
            if (n >= maxConnections) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    void release() {
        open.decrementAndGet();
    }

    /** Counts bytes; false once the session has moved more than {@code maxBytes}. */
    boolean addBytes(long n) {
        return bytes.addAndGet(n) <= maxBytes;
    }

    int open() {
        return open.get();
    }

    long bytes() {
        return bytes.get();
    }

    int maxConnections() {
        return maxConnections;
    }

    long maxBytes() {
        return maxBytes;
    }
}
