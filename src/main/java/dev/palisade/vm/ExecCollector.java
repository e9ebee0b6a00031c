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
    /** Where output goes as it arrives, or null to collect it for {@link #await}. */
    private final OutputSink sink;
    /** Bytes handed to the sink per channel (with a sink nothing is kept in the buffers). */
    private long stdoutSunk;
    private long stderrSunk;
    private Frame.Exit exit;
    private IOException failure;

    ExecCollector(int stream) {
        this(stream, null);
    }

    /** A collector whose output streams to {@code sink} as it arrives instead of being kept. */
    ExecCollector(int stream, OutputSink sink) {
        this.stream = stream;
        this.sink = sink;
        attached.countDown();
    }

    /** A collector for a re-attach from these offsets: frames are dropped until ATTACHED. */
    ExecCollector(int stream, long stdoutFrom, long stderrFrom) {
        this.stream = stream;
        this.stdoutBase = stdoutFrom;
        this.stderrBase = stderrFrom;
        this.syncing = true;
        this.sink = null;
    }

    /**
     * An output chunk.
     *
     * @return whether it was taken (false: a stale frame from before ATTACHED, dropped)
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
        long have = (out ? stdoutBase : stderrBase) + target.size() + (out ? stdoutSunk : stderrSunk);
        if (o.offset() != have) {
            throw new FrameException("stream " + stream + " " + o.channel() + " chunk at offset " + o.offset()
                    + " but " + have + " bytes were received");
        }
        if (sink == null) {
            target.writeBytes(o.data());
            return true;
        }
        if (out) {
            stdoutSunk += o.data().length;
        } else {
            stderrSunk += o.data().length;
        }
        try {
            sink.output(!out, o.data());
        } catch (IOException e) {
            // The reader of our output went away (a closed pipe): the command goes on, its output
            // has nowhere to go, like a process writing to a closed terminal.
            System.getLogger(ExecCollector.class.getName()).log(System.Logger.Level.DEBUG,
                    "dropping output of stream " + stream + ": " + e.getMessage());
        }
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
        done.countDown();
        attached.countDown();
        return true;
    }

    synchronized void fail(IOException e) {
        if (exit == null && failure == null) {
            failure = e;
        }
        stdinWindow.close();
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

    /** The bytes of a channel received so far (from {@link #firstOffset}). */
    synchronized byte[] received(Frame.OutputChannel channel) {
        return (channel == Frame.OutputChannel.STDOUT ? stdout : stderr).toByteArray();
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
