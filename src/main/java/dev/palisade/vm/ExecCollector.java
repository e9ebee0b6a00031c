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
    /** Where output goes as it arrives, or null to collect it for {@link #await}. */
    private final OutputSink sink;
    private long stdoutSize;
    private long stderrSize;
    private Frame.Exit exit;
    private IOException failure;

    ExecCollector(int stream) {
        this(stream, null);
    }

    ExecCollector(int stream, OutputSink sink) {
        this.stream = stream;
        this.sink = sink;
    }

    synchronized void output(Frame.Output o) throws FrameException {
        boolean err = switch (o.channel()) {
            case STDOUT -> false;
            case STDERR -> true;
        };
        long have = err ? stderrSize : stdoutSize;
        if (o.offset() != have) {
            throw new FrameException("stream " + stream + " " + o.channel() + " chunk at offset " + o.offset()
                    + " but " + have + " bytes were received");
        }
        if (err) {
            stderrSize += o.data().length;
        } else {
            stdoutSize += o.data().length;
        }
        if (sink == null) {
            (err ? stderr : stdout).writeBytes(o.data());
            return;
        }
        try {
            sink.output(err, o.data());
        } catch (IOException e) {
            // The reader of our output went away (a closed pipe): the command goes on, its output
            // has nowhere to go, like a process writing to a closed terminal.
            System.getLogger(ExecCollector.class.getName()).log(System.Logger.Level.DEBUG,
                    "dropping output of stream " + stream + ": " + e.getMessage());
        }
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
