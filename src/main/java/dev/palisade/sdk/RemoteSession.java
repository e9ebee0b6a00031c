package dev.palisade.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A session reached through a {@link Client}; the file calls follow FILE-API-SPEC (docs/api.md). */
final class RemoteSession implements Session {
    /** The largest chunk the daemon reads or writes in one request. */
    static final int CHUNK = 512 * 1024;
    private final Client client;
    private final String id;

    RemoteSession(Client client, String id) {
        this.client = client;
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    private ObjectNode request() {
        ObjectNode r = client.object();
        r.put("session", id);
        return r;
    }

    private ObjectNode request(String path) {
        ObjectNode r = request();
        r.put("path", java.util.Objects.requireNonNull(path, "path"));
        return r;
    }

    @Override
    public SessionInfo info() throws PalisadeException {
        JsonNode r = client.call("session.inspect", request());
        List<Folder> folders = new ArrayList<>();
        for (JsonNode f : r.path("folders")) {
            folders.add(new Folder(f.path("host").asString(), f.path("sandbox").asString(),
                    "rw".equals(f.path("mode").asString(""))));
        }
        List<ProcessInfo> procs = new ArrayList<>();
        for (JsonNode p : r.path("processes")) {
            boolean running = p.path("running").asBoolean();
            procs.add(new ProcessInfo(p.path("process").asString(), running,
                    running ? OptionalInt.empty() : OptionalInt.of(p.path("status").asInt())));
        }
        return new SessionInfo(r.path("session").asString(id), r.path("tier").asString(""), r.path("home").asString(""),
                folders, procs);
    }

    @Override
    public SandboxProcess exec(ExecRequest request) throws PalisadeException {
        ObjectNode r = request();
        var argv = r.putArray("argv");
        request.argv().forEach(argv::add);
        if (!request.env().isEmpty()) {
            ObjectNode env = r.putObject("env");
            request.env().forEach(env::put);
        }
        if (request.cwd() != null) {
            r.put("cwd", request.cwd());
        }
        r.put("stdin", request.stdinPipe() ? "pipe" : "null");
        return client.claim(client.call("exec", r).path("process").asString());
    }

    @Override
    public SandboxProcess follow(String processId) throws PalisadeException {
        if (!processId.startsWith(id + "/")) {
            throw new PalisadeException("no-such-process", "process " + processId + " is not in session " + id);
        }
        ObjectNode r = client.object();
        r.put("process", processId);
        client.call("subscribe", r);
        RemoteProcess p = client.claim(processId);
        // The daemon sends an exit only to subscribers it had when the process ended: if it ended
        // before our subscription, the session's description is the only place that says so.
        for (ProcessInfo pi : info().processes()) {
            if (pi.id().equals(processId) && !pi.running()) {
                int status = pi.status().orElseThrow();
                p.exit(new ExitStatus(processId, status, status > 128 && status < 128 + 65 ? status - 128 : 0,
                        "ended-before-follow", "the process had ended when it was followed"));
            }
        }
        return p;
    }

    @Override
    public FileInfo stat(String path) throws PalisadeException {
        JsonNode r = client.call("file.stat", request(path));
        return info(r.path("path").asString(path), r.path("host").asString(""), r);
    }

    private static FileInfo info(String path, String host, JsonNode n) throws PalisadeException {
        FileType type = switch (n.path("type").asString("")) {
            case "file" -> FileType.FILE;
            case "dir" -> FileType.DIR;
            case "symlink" -> FileType.SYMLINK;
            case "other" -> FileType.OTHER;
            default -> throw new PalisadeException("bad-reply", "unknown file type in " + n);
        };
        int mode;
        try {
            mode = Integer.parseInt(n.path("mode").asString("0"), 8);
        } catch (NumberFormatException e) {
            throw new PalisadeException("bad-reply", "mode is not octal in " + n, e);
        }
        return new FileInfo(path, host, type, n.path("size").asLong(), mode, Instant.ofEpochMilli(n.path("mtime").asLong()));
    }

    @Override
    public List<FileInfo> list(String path) throws PalisadeException {
        JsonNode r = client.call("file.list", request(path));
        String dir = r.path("path").asString(path);
        String host = r.path("host").asString("");
        List<FileInfo> out = new ArrayList<>();
        for (JsonNode e : r.path("entries")) {
            String name = e.path("name").asString();
            out.add(info(join(dir, name), host.isEmpty() ? "" : join(host, name), e));
        }
        return out;
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    /** One {@code file.read}: the bytes at {@code offset}, and whether they reach the end. */
    record Chunk(byte[] data, boolean eof) {
    }

    Chunk readChunk(String path, long offset) throws PalisadeException {
        ObjectNode r = request(path);
        r.put("offset", offset);
        r.put("length", CHUNK);
        JsonNode n = client.call("file.read", r);
        byte[] data;
        try {
            data = Base64.getDecoder().decode(n.path("data").asString(""));
        } catch (IllegalArgumentException e) {
            throw new PalisadeException("bad-reply", "file.read data is not base64", e);
        }
        return new Chunk(data, n.path("eof").asBoolean(data.length == 0));
    }

    @Override
    public byte[] read(String path) throws PalisadeException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = 0;
        while (true) {
            Chunk c = readChunk(path, offset);
            out.write(c.data(), 0, c.data().length);
            offset += c.data().length;
            if (c.eof() || c.data().length == 0) {
                return out.toByteArray();
            }
        }
    }

    @Override
    public InputStream open(String path) throws PalisadeException {
        return new ChunkedInput(this, path, readChunk(path, 0));
    }

    @Override
    public void write(String path, byte[] data) throws PalisadeException {
        int off = 0;
        do {
            int n = Math.min(CHUNK, data.length - off);
            writeChunk(path, java.util.Arrays.copyOfRange(data, off, off + n), off > 0);
            off += n;
        } while (off < data.length);
    }

    @Override
    public void write(String path, InputStream data) throws PalisadeException {
        boolean append = false;
        while (true) {
            byte[] chunk;
            try {
                chunk = data.readNBytes(CHUNK);
            } catch (IOException e) {
                throw new PalisadeException("io-error", "reading the data for " + path + ": " + e.getMessage(), e);
            }
            if (chunk.length > 0 || !append) {
                writeChunk(path, chunk, append);
            }
            append = true;
            if (chunk.length < CHUNK) {
                return;
            }
        }
    }

    private void writeChunk(String path, byte[] chunk, boolean append) throws PalisadeException {
        ObjectNode r = request(path);
        r.put("data", Base64.getEncoder().encodeToString(chunk));
        r.put("append", append);
        client.call("file.write", r);
    }

    @Override
    public void mkdir(String path, boolean parents) throws PalisadeException {
        ObjectNode r = request(path);
        r.put("parents", parents);
        client.call("file.mkdir", r);
    }

    @Override
    public void move(String from, String to) throws PalisadeException {
        ObjectNode r = request();
        r.put("from", java.util.Objects.requireNonNull(from, "from"));
        r.put("to", java.util.Objects.requireNonNull(to, "to"));
        client.call("file.move", r);
    }

    @Override
    public void delete(String path, boolean recursive) throws PalisadeException {
        ObjectNode r = request(path);
        r.put("recursive", recursive);
        client.call("file.delete", r);
    }

    @Override
    public void destroy() throws PalisadeException {
        client.call("session.destroy", request());
    }

    @Override
    public void close() {
        try {
            destroy();
        } catch (PalisadeException e) {
            // Already destroyed, or the connection is gone (an embedded daemon then closes it anyway).
        }
    }

    @Override
    public String toString() {
        return "Session[" + id + "]";
    }
}
