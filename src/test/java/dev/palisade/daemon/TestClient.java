package dev.palisade.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import tools.jackson.databind.JsonNode;

/** A raw protocol client for tests: writes frames, reads one JSON object a line. */
final class TestClient implements AutoCloseable {
    private final SocketChannel ch;
    private final OutputStream out;
    private final BufferedReader in;

    TestClient(Path socket) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        out = Channels.newOutputStream(ch);
        in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
    }

    void send(String frame) throws IOException {
        out.write((frame + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void sendRaw(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    private final java.util.ArrayDeque<JsonNode> skipped = new java.util.ArrayDeque<>();

    /** The next line (first those {@link #reply} stepped over), or null at end of stream. */
    JsonNode next() throws IOException {
        if (!skipped.isEmpty()) {
            return skipped.poll();
        }
        return read();
    }

    private JsonNode read() throws IOException {
        String line = in.readLine();
        return line == null ? null : RequestDecoder.JSON.readTree(line);
    }

    /** Reads until the reply with this id; other lines are kept for {@link #next}. */
    JsonNode reply(String id) throws IOException {
        while (true) {
            JsonNode n = read();
            if (n == null) {
                throw new IOException("connection closed before reply " + id);
            }
            if (n.has("id") && id.equals(n.get("id").asString())) {
                return n;
            }
            skipped.add(n);
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
