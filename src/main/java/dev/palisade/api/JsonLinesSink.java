package dev.palisade.api;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Writes events as JSON lines to a file or a stream, flushing each line. */
public final class JsonLinesSink implements EventSink, AutoCloseable {
    private final PrintStream out;
    private final boolean owned;

    private JsonLinesSink(PrintStream out, boolean owned) {
        this.out = out;
        this.owned = owned;
    }

    /**
     * Opens a sink: {@code -} for standard output, else a file (appended to).
     *
     * @param target "-" or a file path
     * @return the sink
     * @throws IOException if the file cannot be opened
     */
    public static JsonLinesSink open(String target) throws IOException {
        if (target.equals("-")) {
            return new JsonLinesSink(System.out, false);
        }
        OutputStream os = Files.newOutputStream(Path.of(target), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new JsonLinesSink(new PrintStream(os, false, StandardCharsets.UTF_8), true);
    }

    @Override
    public synchronized void accept(Event event) {
        out.println(EventJson.toJson(event));
        out.flush();
    }

    @Override
    public void close() {
        if (owned) {
            out.close();
        }
    }
}
