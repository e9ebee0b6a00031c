package dev.palisade.daemon;

import java.util.ArrayDeque;

import dev.palisade.sys.Libc;
import dev.palisade.sys.NativeException;

/**
 * Writes a process's standard input on its own thread, so that a command that does not read
 * never blocks the connection that sent the data. {@code stdin.write} only queues: up to
 * {@link #MAX_QUEUED} bytes may wait; beyond that the request is refused with {@code stdin-full}
 * and the client tries again later (nothing is dropped silently). A platform thread, because a
 * write(2) blocked on a full pipe would pin a virtual thread's carrier.
 */
final class StdinPump {
    /** Most bytes queued and not yet written. */
    static final int MAX_QUEUED = 1 << 20;
    private final String processId;
    private final int fd;
    private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
    private long queued;
    private boolean closing;
    private String failure;

    StdinPump(String processId, int fd) {
        this.processId = processId;
        this.fd = fd;
        Thread.ofPlatform().daemon(true).name("stdin-" + processId).start(this::pump);
    }

    synchronized void offer(byte[] data) throws ProtocolException {
        if (failure != null) {
            throw new ProtocolException("stdin-failed", "writing to " + processId + ": " + failure);
        }
        if (closing) {
            throw new ProtocolException("stdin-closed", "the standard input of " + processId + " is closed");
        }
        if (queued + data.length > MAX_QUEUED) {
            throw new ProtocolException("stdin-full", processId + " has " + queued + " bytes of input not yet read;"
                    + " at most " + MAX_QUEUED + " may wait: retry later");
        }
        if (data.length > 0) {
            queue.add(data);
            queued += data.length;
            notifyAll();
        }
    }

    /** Closes the pipe once everything queued has been written. */
    synchronized void close() {
        closing = true;
        notifyAll();
    }

    /** Bytes waiting to be written. */
    synchronized long queued() {
        return queued;
    }

    private void pump() {
        try {
            while (true) {
                byte[] next;
                synchronized (this) {
                    while (queue.isEmpty() && !closing) {
                        wait();
                    }
                    if (queue.isEmpty()) {
                        return;
                    }
                    next = queue.peek();
                }
                try {
                    Libc.writeAll(fd, next);
                } catch (NativeException e) {
                    // EPIPE: the command closed its input or ended; later writes are refused.
                    synchronized (this) {
                        failure = e.getMessage();
                        queue.clear();
                        queued = 0;
                    }
                    return;
                }
                synchronized (this) {
                    queue.poll();
                    queued -= next.length;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Libc.closeQuietly(fd);
        }
    }
}
