package dev.palisade.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * Copies bytes both ways between a client and an upstream until both directions end, counting
 * them against the session's byte cap. One direction runs on a second virtual thread; EOF on one
 * side is passed on as a half-close so request/response protocols finish cleanly.
 */
final class Splice {
    private static final int BUFFER = 64 * 1024;

    private Splice() {
    }

    /**
     * Splices until both directions are done or the byte cap is reached.
     *
     * @param client the client
     * @param clientIn the client's input (may have bytes put back in front)
     * @param upstream the upstream socket
     * @param quota the session's quota
     * @param onCap run once, before both sides are closed, if the byte cap stops the splice
     */
    static void run(ClientConnection client, InputStream clientIn, Socket upstream, SessionQuota quota, Runnable onCap)
            throws IOException, InterruptedException {
        boolean[] capped = new boolean[2];
        java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
        OutputStream upOut = upstream.getOutputStream();
        InputStream upIn = upstream.getInputStream();
        Thread up = Thread.ofVirtual().name("splice-up").start(() -> {
            capped[0] = copy(clientIn, upOut, quota);
            if (capped[0]) {
                if (reported.compareAndSet(false, true)) {
                    onCap.run();
                }
                closeQuietly(upstream);
                client.close();
            } else {
                try {
                    upstream.shutdownOutput();
                } catch (IOException ignored) {
                    // the upstream is gone; the other direction ends on its own
                }
            }
        });
        capped[1] = copy(upIn, client.out(), quota);
        if (capped[1]) {
            if (reported.compareAndSet(false, true)) {
                onCap.run();
            }
            closeQuietly(upstream);
            client.close();
        } else {
            client.shutdownOutput();
        }
        up.join();
    }

    /** Copies until EOF or error; returns true if it stopped because of the byte cap. */
    private static boolean copy(InputStream in, OutputStream out, SessionQuota quota) {
        byte[] buf = new byte[BUFFER];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (!quota.addBytes(n)) {
                    return true;
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // a reset or close on either side ends this direction; the caller closes both
        }
        return false;
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // best effort
        }
    }
}
