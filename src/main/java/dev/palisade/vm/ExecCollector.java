package dev.palisade.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Gathers one command's output and exit on the host. Output chunks must arrive at exactly the
 * offset already received: a gap would be silent loss and an overlap duplication, so both are
 * protocol errors. Also holds the stream's credit windows: output received (counted, credit granted
 * back as it is stored) and standard input sent.
 *
 * <p>With an {@link OutputSink}, output is handed to it as it arrives instead of being kept, by
 * a thread of the stream's own: a slow sink holds up its own stream (credit is granted back only
 * as the sink takes the bytes), never the channel's reader or other streams. EXIT is reported after
 * the sink has taken everything before it.
 *
 * <p>A collector made by a re-attach starts at the host's offsets and drops every frame of its
 * stream until the guest's ATTACHED (those were sent to the previous connection); ATTACHED says
 * where the replay starts, and a later start than asked is recorded as expired bytes.
 */
final class ExecCollector {
    private final int stream;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch attached = new CountDownLatch(1);
    final ReceiveWindow outputWindow = new ReceiveWindow("OUTPUT");
    final SendWindow stdinWindow = new SendWindow();
    private long stdoutBase;
    private long stderrBase;
    private long stdoutExpired;
    private long stderrExpired;
    private long stdinSent;
    private boolean syncing;
    private Frame.Exit exit;
    private IOException failure;
    /** Where output goes as it arrives, or null to collect it for {@link #await}. */
    private final OutputSink sink;
    /** Sends CREDIT for bytes the sink took (sink mode only). */
    private final FrameSink credits;
    private final java.util.concurrent.LinkedBlockingQueue<Object> toSink = new java.util.concurrent.LinkedBlockingQueue<>();
    private long stdoutSize;
    private long stderrSize;

    ExecCollector(int stream) {
        this(stream, null, null);
    }

    /**
     * @param sink where output goes as it arrives, or null to collect it
     * @param credits where CREDIT frames go as the sink takes bytes (required with a sink)
     */
    ExecCollector(int stream, OutputSink sink, FrameSink credits) {
        this.stream = stream;
        this.sink = sink;
        this.credits = credits;
        attached.countDown();
        if (sink != null) {
            java.util.Objects.requireNonNull(credits, "credits");
            Thread.ofVirtual().name("vm-output-" + stream).start(this::deliver);
        }
    }

    /** Whether output is handed to a sink (whose thread grants credit) rather than collected. */
    boolean streaming() {
        return sink != null;
    }

    /** The sink's thread: hands over chunks in order, grants credit, then reports the end. */
    private void deliver() {
        try {
            while (true) {
                Object item = toSink.take();
                if (item instanceof Frame.Output o) {
                    try {
                        sink.output(o.channel() == Frame.OutputChannel.STDERR, o.data());
                    } catch (IOException e) {
                        // The reader of our output went away (a closed pipe): the command goes on,
                        // its output has nowhere to go, like a process writing to a closed terminal.
                        System.getLogger(ExecCollector.class.getName()).log(System.Logger.Level.DEBUG,
                                "dropping output of stream " + stream + ": " + e.getMessage());
                    }
                    int grant = outputWindow.consumed(o.data().length);
                    if (grant > 0) {
                        try {
                            credits.send(new Frame.Credit(stream, grant));
                        } catch (IOException e) {
                            // The channel failed; the collector is failed by the reader.
                        }
                    }
                } else {
                    done.countDown();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A collector for a re-attach from these offsets: frames are dropped until ATTACHED. */
    ExecCollector(int stream, long stdoutFrom, long stderrFrom) {
        this.stream = stream;
        this.sink = null;
        this.credits = null;
        this.stdoutBase = stdoutFrom;
        this.stderrBase = stderrFrom;
        this.syncing = true;
    }

    /**
     * An output chunk.
     *
     * @return whether it was stored and the caller should count it as consumed for credit (false:
     *     a stale frame from before ATTACHED, dropped; or handed to the sink's thread, which
     *     grants the credit itself)
     */
    synchronized boolean output(Frame.Output o) throws FrameException {
        if (syncing) {
            return false;
        }
        outputWindow.receive(stream, o.data().length);
        ByteArrayOutputStream target = switch (o.channel()) {
            case STDOUT -> stdout;
            case STDERR -> stderr;
        };
        boolean out = o.channel() == Frame.OutputChannel.STDOUT;
        long have = (out ? stdoutBase + stdoutSize : stderrBase + stderrSize);
        if (o.offset() != have) {
            throw new FrameException("stream " + stream + " " + o.channel() + " chunk at offset " + o.offset()
                    + " but " + have + " bytes were received");
        }
        if (out) {
            stdoutSize += o.data().length;
        } else {
            stderrSize += o.data().length;
        }
        if (sink != null) {
            toSink.add(o);
            return false;
        }
        target.writeBytes(o.data());
        return true;
    }

    /** Whether the stream is still waiting for ATTACHED (its frames are stale). */
    synchronized boolean syncing() {
        return syncing;
    }

    /** The guest's answer to ATTACH: the replay starts here. */
    synchronized void attached(Frame.Attached a) throws FrameException {
        if (!syncing) {
            throw new FrameException("ATTACHED on stream " + stream + ", which the host did not attach");
        }
        if (a.stdout() < stdoutBase || a.stderr() < stderrBase) {
            throw new FrameException("ATTACHED on stream " + stream + " replays from before the offsets asked for");
        }
        stdoutExpired = a.stdout() - stdoutBase;
        stderrExpired = a.stderr() - stderrBase;
        stdoutBase = a.stdout();
        stderrBase = a.stderr();
        stdinSent = a.stdin();
        syncing = false;
        outputWindow.reset();
        stdinWindow.reset();
        attached.countDown();
    }

    synchronized boolean exit(Frame.Exit e) {
        if (syncing) {
            return false;
        }
        exit = e;
        stdinWindow.close();
        if (sink != null) {
            // Reported once the sink has taken everything before it.
            toSink.add(e);
        } else {
            done.countDown();
        }
        attached.countDown();
        return true;
    }

    synchronized void fail(IOException e) {
        if (exit == null && failure == null) {
            failure = e;
        }
        stdinWindow.close();
        toSink.add(e);
        done.countDown();
        attached.countDown();
    }

    /** Waits for ATTACHED (or the end); immediate for a collector that was not re-attached. */
    void awaitAttached(Duration timeout) throws IOException, InterruptedException {
        if (!attached.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IOException("no ATTACHED for stream " + stream + " within " + timeout);
        }
        synchronized (this) {
            if (failure != null) {
                throw new IOException("attaching to stream " + stream + " failed: " + failure.getMessage(), failure);
            }
        }
    }

    synchronized void countStdin(int n) {
        stdinSent += n;
    }

    /** Stdin bytes the guest has received (as of ATTACHED) plus those sent since. */
    synchronized long stdinOffset() {
        return stdinSent;
    }

    /** The bytes of a channel received so far (from {@link #firstOffset}); empty with a sink. */
    synchronized byte[] received(Frame.OutputChannel channel) {
        return (channel == Frame.OutputChannel.STDOUT ? stdout : stderr).toByteArray();
    }

    /** The absolute offset after the last byte of a channel received. */
    synchronized long offset(Frame.OutputChannel channel) {
        return channel == Frame.OutputChannel.STDOUT ? stdoutBase + stdoutSize : stderrBase + stderrSize;
    }

    /** The offset of the first byte this collector holds of a channel. */
    synchronized long firstOffset(Frame.OutputChannel channel) {
        return channel == Frame.OutputChannel.STDOUT ? stdoutBase : stderrBase;
    }

    /** Bytes the guest reported expired at the re-attach (asked for but no longer held). */
    synchronized long expired(Frame.OutputChannel channel) {
        return channel == Frame.OutputChannel.STDOUT ? stdoutExpired : stderrExpired;
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
