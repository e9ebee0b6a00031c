package dev.palisade.vm;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A minimal client of the QEMU Machine Protocol (docs/interop/qmp-spec.rst): read the greeting,
 * negotiate capabilities, then one command at a time; asynchronous events are skipped.
 */
final class Qmp implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final SocketChannel channel;
    private final BufferedReader in;
    private final OutputStream out;

    Qmp(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.in = new BufferedReader(new InputStreamReader(ChannelStreams.in(channel), StandardCharsets.UTF_8));
        this.out = ChannelStreams.out(channel);
        JsonNode greeting = readMessage();
        if (!greeting.has("QMP")) {
            throw new IOException("QMP greeting expected, got " + greeting);
        }
        execute("qmp_capabilities", Map.of());
    }

    private JsonNode readMessage() throws IOException {
        String line = in.readLine();
        if (line == null) {
            throw new IOException("QMP connection closed");
        }
        try {
            return JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IOException("QMP sent invalid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Runs a command and returns its "return" value.
     *
     * @throws IOException with QMP's error description when the command fails
     */
    synchronized JsonNode execute(String command, Map<String, Object> arguments) throws IOException {
        Map<String, Object> request = arguments.isEmpty() ? Map.of("execute", command)
                : Map.of("execute", command, "arguments", arguments);
        out.write(JSON.writeValueAsBytes(request));
        out.write('\n');
        while (true) {
            JsonNode m = readMessage();
            if (m.has("return")) {
                return m.get("return");
            }
            if (m.has("error")) {
                throw new IOException("QMP " + command + " failed: " + m.get("error").path("desc").asString());
            }
            // An asynchronous event ({"event": ...}); not the answer.
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
