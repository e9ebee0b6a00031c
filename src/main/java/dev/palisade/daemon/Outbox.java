package dev.palisade.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one connection has still to receive, bounded in bytes. Replies always go in; output events
 * go in only while the budget lasts, else their bytes are counted and reported as a {@code lost}
 * event as soon as there is room again. A slow reader thus never stalls a sandboxed process: the
 * pipe readers only ever append here, they never wait for the socket.
 */
final class Outbox {
    static final long BUDGET = 8L << 20;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private final Map<String, long[]> lost = new LinkedHashMap<>();
    private long queued;
    private boolean closed;

    /** Queues a reply or a control event: never dropped. */
    synchronized void put(String json) {
        if (closed) {
            return;
        }
        byte[] b = (json + "\n").getBytes(StandardCharsets.UTF_8);
        queue.add(b);
        queued += b.length;
        notifyAll();
    }

    /**
     * Queues an output event unless the budget is spent.
     *
     * @param key process and stream, for the {@code lost} count
     * @param line the event, encoded, with its newline; shared between subscribers, never modified
     * @param dataBytes how many output bytes it carries
     */
    synchronized void offer(String process, String stream, byte[] line, int dataBytes) {
        if (closed) {
            return;
        }
        if (queued + line.length > BUDGET) {
            long[] n = lost.computeIfAbsent(process + "\0" + stream, k -> new long[2]);
            n[0] += dataBytes;
            n[1]++;
            return;
        }
        flushLost();
        queue.add(line);
        queued += line.length;
        notifyAll();
    }

    private void flushLost() {
        if (lost.isEmpty()) {
            return;
        }
        for (Map.Entry<String, long[]> e : lost.entrySet()) {
            String[] k = e.getKey().split("\0", 2);
            put("{\"event\":\"lost\",\"process\":" + Json.str(k[0]) + ",\"stream\":" + Json.str(k[1])
                    + ",\"bytes\":" + e.getValue()[0] + ",\"chunks\":" + e.getValue()[1] + "}");
        }
        lost.clear();
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** Writes queued lines until closed; runs on the connection's writer thread. */
    void drainTo(OutputStream out) throws IOException, InterruptedException {
        while (true) {
            byte[] next;
            synchronized (this) {
                while (queue.isEmpty() && !closed) {
                    if (!lost.isEmpty()) {
                        flushLost();
                        continue;
                    }
                    wait();
                }
                if (queue.isEmpty()) {
                    return;
                }
                next = queue.poll();
                queued -= next.length;
            }
            out.write(next);
            synchronized (this) {
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        }
    }
}
