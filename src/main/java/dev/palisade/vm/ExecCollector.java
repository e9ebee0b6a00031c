package dev.palisade.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Gathers one command's output and exit. Output chunks must arrive at exactly the offset already
 * received: a gap would be silent loss and an overlap duplication, so both are protocol errors.
 */
final class ExecCollector {
    private final int stream;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CountDownLatch done = new CountDownLatch(1);
    private Frame.Exit exit;
    private IOException failure;

    ExecCollector(int stream) {
        this.stream = stream;
    }

    synchronized void output(Frame.Output o) throws FrameException {
        ByteArrayOutputStream target = switch (o.channel()) {
            case STDOUT -> stdout;
            case STDERR -> stderr;
        };
        if (o.offset() != target.size()) {
            throw new FrameException("stream " + stream + " " + o.channel() + " chunk at offset " + o.offset()
                    + " but " + target.size() + " bytes were received");
        }
        target.writeBytes(o.data());
    }

    synchronized void exit(Frame.Exit e) {
        exit = e;
        done.countDown();
    }

    synchronized void fail(IOException e) {
        if (exit == null && failure == null) {
            failure = e;
        }
        done.countDown();
    }

    ExecResult await(Duration timeout) throws IOException, InterruptedException {
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("command on stream " + stream + " did not finish within " + timeout);
        }
        synchronized (this) {
            if (exit == null) {
                throw new IOException("command on stream " + stream + " failed: " + failure.getMessage(), failure);
            }
            return new ExecResult(exit.code(), exit.signal(), stdout.toByteArray(), stderr.toByteArray());
        }
    }
}
