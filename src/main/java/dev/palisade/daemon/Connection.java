package dev.palisade.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.palisade.paths.Mount;
import dev.palisade.paths.MountValidator;
import dev.palisade.paths.PathRefusedException;
import dev.palisade.policy.MountEntry;
import dev.palisade.policy.Policy;
import dev.palisade.policy.PolicyException;
import dev.palisade.policy.PolicyParser;
import dev.palisade.sandbox.Outcome;
import dev.palisade.sandbox.SandboxException;
import dev.palisade.sandbox.SandboxSession;
import dev.palisade.sandbox.SessionIds;
import dev.palisade.sandbox.SessionSpec;
import dev.palisade.sandbox.Tier;
import tools.jackson.databind.JsonNode;

/** One client: reads requests, answers each with a reply carrying its id; events go to the outbox. */
final class Connection implements Runnable {
    private static final System.Logger LOG = System.getLogger("palisade");
    private final Daemon daemon;
    private final SocketChannel channel;
    private final Outbox outbox = new Outbox();

    Connection(Daemon daemon, SocketChannel channel) {
        this.daemon = daemon;
        this.channel = channel;
    }

    @Override
    public void run() {
        OutputStream out = Channels.newOutputStream(channel);
        Thread writer = Thread.ofVirtual().name("conn-writer").start(() -> {
            try {
                outbox.drainTo(out);
            } catch (IOException | InterruptedException e) {
                outbox.close();
            }
        });
        try (InputStream in = Channels.newInputStream(channel)) {
            FrameReader frames = new FrameReader(in);
            int len;
            while ((len = frames.next()) >= 0) {
                if (len == 0) {
                    continue;
                }
                handle(frames.buffer(), len);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "connection ended: " + e.getMessage());
        } finally {
            for (DaemonSession s : daemon.sessions.values()) {
                for (DaemonProcess p : s.processes.values()) {
                    p.unsubscribe(outbox);
                }
            }
            outbox.close();
            try {
                writer.join();
                channel.close();
            } catch (IOException | InterruptedException ignored) {
                // Closing.
            }
        }
    }

    private void handle(byte[] frame, int len) {
        Request r;
        try {
            r = RequestDecoder.decode(frame, len);
        } catch (ProtocolException e) {
            outbox.put(error(null, e));
            return;
        }
        try {
            outbox.put("{\"id\":" + Json.str(r.id()) + ",\"ok\":true,\"result\":" + dispatch(r) + "}");
        } catch (ProtocolException e) {
            outbox.put(error(r.id(), e));
        } catch (RuntimeException e) {
            outbox.put(error(r.id(), new ProtocolException("internal", String.valueOf(e))));
        }
    }

    private static String error(String id, ProtocolException e) {
        return "{\"id\":" + Json.str(id) + ",\"ok\":false,\"error\":" + Json.str(e.code()) + ",\"message\":"
                + Json.str(e.getMessage()) + "}";
    }

    private String dispatch(Request r) throws ProtocolException {
        return switch (r.op()) {
            case "session.create" -> create(r);
            case "session.list" -> list();
            case "session.inspect" -> inspect(session(r));
            case "session.destroy" -> destroy(r);
            case "exec" -> exec(r);
            case "stdin.write" -> {
                JsonNode d = r.body().get("data");
                if (d == null || !d.isString()) {
                    throw new ProtocolException("wrong-type", "field 'data' must be a base64 string");
                }
                try {
                    process(r).writeStdin(Base64.getDecoder().decode(d.asString()));
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException("wrong-type", "field 'data' is not base64: " + e.getMessage());
                }
                yield "{}";
            }
            case "stdin.close" -> {
                process(r).closeStdin();
                yield "{}";
            }
            case "signal" -> signal(r);
            case "wait" -> waitFor(process(r));
            case "subscribe" -> {
                process(r).subscribe(outbox);
                yield "{}";
            }
            case "file.stat", "file.list", "file.read", "file.write", "file.mkdir", "file.move", "file.delete" ->
                    FileRequests.dispatch(r, session(r));
            default -> throw new ProtocolException("unknown-op", "unknown op '" + r.op() + "'");
        };
    }

    private String create(Request r) throws ProtocolException {
        String id = r.optText("session");
        try {
            if (id == null) {
                id = freshId();
            } else {
                id = SessionIds.validate(id);
            }
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("bad-session-id", e.getMessage());
        }
        Path home = Path.of(System.getProperty("user.home"));
        MountValidator validator = new MountValidator(Path.of("/"), home, List.of(DaemonPaths.stateDir()));
        Policy policy = policy(r);
        List<Mount> mounts = new ArrayList<>();
        for (MountEntry e : policy.mounts()) {
            try {
                mounts.add(validator.validate(e.path(), e.access(), e.name(), e.allowSensitive()));
            } catch (PathRefusedException ex) {
                throw new ProtocolException("path-refused", ex.getMessage());
            }
        }
        JsonNode folders = r.body().get("folders");
        if (folders != null && !folders.isArray()) {
            throw new ProtocolException("wrong-type", "field 'folders' must be an array of strings PATH[:ro|:rw]");
        }
        if (folders != null) {
            for (JsonNode f : folders) {
                if (!f.isString()) {
                    throw new ProtocolException("wrong-type", "each folder must be a string PATH[:ro|:rw]");
                }
                try {
                    mounts.add(validator.validateSpec(f.asString(), false));
                } catch (PathRefusedException e) {
                    throw new ProtocolException("path-refused", e.getMessage());
                }
            }
        }
        if (daemon.sessions.containsKey(id)) {
            throw new ProtocolException("session-exists", "session " + id + " exists");
        }
        SandboxSession s = null;
        boolean generated = r.optText("session") == null;
        for (int attempt = 0; s == null; attempt++) {
            try {
                // The file guard's FUSE view is not used by the daemon yet: its rules are enforced by bind
                // masks inside and by the file API outside.
                s = SandboxSession.open(new SessionSpec(id, Tier.NAMESPACE, mounts, policy.filesystem(), home, true));
            } catch (SandboxException | IllegalArgumentException e) {
                // A generated id may be held by another palisade process (its session lock): draw again.
                if (generated && attempt < 20 && String.valueOf(e.getMessage()).contains("in use")) {
                    id = freshId();
                    continue;
                }
                throw new ProtocolException("session-failed", e.getMessage());
            }
        }
        SessionPolicy perCommand;
        try {
            perCommand = SessionPolicy.start(id, policy, dev.palisade.api.EventSink.NONE);
        } catch (ProtocolException e) {
            s.close();
            throw e;
        }
        try {
            daemon.sessions.put(id, new DaemonSession(s, perCommand));
        } catch (IOException e) {
            s.close();
            perCommand.close();
            throw new ProtocolException("session-failed", "cannot open the folders of session " + id + ": "
                    + e.getMessage());
        }
        String info = describe(daemon.sessions.get(id));
        try {
            daemon.records.record(id, info);
        } catch (IOException e) {
            throw new ProtocolException("state-failed", "cannot record session " + id + ": " + e.getMessage());
        }
        return info;
    }

    /** A generated id no session of this daemon has (a few thousand combinations: draw again on a clash). */
    private String freshId() {
        String id = SessionIds.generate();
        for (int i = 0; i < 100 && daemon.sessions.containsKey(id); i++) {
            id = SessionIds.generate();
        }
        return id;
    }

    /** The optional {@code policy} field: an object in the policy file format (docs/policy.md). */
    private static Policy policy(Request r) throws ProtocolException {
        JsonNode p = r.body().get("policy");
        if (p == null || p.isNull()) {
            return Policy.DEFAULT;
        }
        if (!p.isObject()) {
            throw new ProtocolException("wrong-type", "field 'policy' must be an object in the policy file format");
        }
        try {
            return new PolicyParser().parse(p.toString());
        } catch (PolicyException e) {
            throw new ProtocolException("bad-policy", e.getMessage());
        }
    }

    private static String describe(DaemonSession s) {
        StringBuilder b = new StringBuilder("{\"session\":").append(Json.str(s.sandbox.spec().id()))
                .append(",\"tier\":\"namespace\",\"home\":").append(Json.str(s.sandbox.translator().sessionHome()))
                .append(",\"folders\":[");
        List<Mount> ms = s.sandbox.spec().mounts();
        for (int i = 0; i < ms.size(); i++) {
            Mount m = ms.get(i);
            b.append(i > 0 ? "," : "").append("{\"host\":").append(Json.str(m.hostPath().toString()))
                    .append(",\"sandbox\":").append(Json.str(s.sandbox.translator().sandboxRoot(m)))
                    .append(",\"mode\":").append(Json.str(m.access().name().toLowerCase(java.util.Locale.ROOT))).append('}');
        }
        b.append("],\"processes\":[");
        int i = 0;
        for (DaemonProcess p : s.processes.values()) {
            Outcome o = p.outcome();
            b.append(i++ > 0 ? "," : "").append("{\"process\":").append(Json.str(p.id())).append(",\"running\":")
                    .append(o == null).append(o == null ? "" : ",\"status\":" + o.status()).append('}');
        }
        return b.append("]}").toString();
    }

    private String list() {
        StringBuilder b = new StringBuilder("{\"sessions\":[");
        int i = 0;
        for (String id : daemon.sessions.keySet()) {
            b.append(i++ > 0 ? "," : "").append(Json.str(id));
        }
        return b.append("]}").toString();
    }

    private String inspect(DaemonSession s) {
        return describe(s);
    }

    private String destroy(Request r) throws ProtocolException {
        String id = r.text("session");
        DaemonSession s = daemon.sessions.remove(id);
        if (s == null) {
            throw new ProtocolException("no-such-session", "no session " + id);
        }
        s.close();
        daemon.records.remove(id);
        return "{}";
    }

    private DaemonSession session(Request r) throws ProtocolException {
        String id = r.text("session");
        DaemonSession s = daemon.sessions.get(id);
        if (s == null) {
            throw new ProtocolException("no-such-session", "no session " + id);
        }
        return s;
    }

    private DaemonProcess process(Request r) throws ProtocolException {
        String pid = r.text("process");
        int slash = pid.indexOf('/');
        DaemonSession s = slash < 0 ? null : daemon.sessions.get(pid.substring(0, slash));
        DaemonProcess p = s == null ? null : s.processes.get(pid);
        if (p == null) {
            throw new ProtocolException("no-such-process", "no process " + pid);
        }
        return p;
    }

    private String exec(Request r) throws ProtocolException {
        DaemonSession s = session(r);
        JsonNode argvNode = r.body().get("argv");
        if (argvNode == null || !argvNode.isArray() || argvNode.isEmpty()) {
            throw new ProtocolException("wrong-type", "field 'argv' must be a non-empty array of strings");
        }
        List<String> argv = new ArrayList<>();
        for (JsonNode a : argvNode) {
            if (!a.isString()) {
                throw new ProtocolException("wrong-type", "field 'argv' must hold strings only");
            }
            argv.add(a.asString());
        }
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode envNode = r.body().get("env");
        if (envNode != null && !envNode.isNull()) {
            if (!envNode.isObject()) {
                throw new ProtocolException("wrong-type", "field 'env' must be an object of strings");
            }
            for (var e : envNode.properties()) {
                if (!e.getValue().isString() || !e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new ProtocolException("wrong-type", "env entry '" + e.getKey() + "' must be NAME: string");
                }
                env.put(e.getKey(), e.getValue().asString());
            }
        }
        String cwd = r.optText("cwd");
        if (cwd != null && !cwd.startsWith("/")) {
            throw new ProtocolException("bad-cwd", "field 'cwd' must be an absolute sandbox path");
        }
        String stdin = r.optText("stdin");
        if (stdin != null && !stdin.equals("pipe") && !stdin.equals("null")) {
            throw new ProtocolException("wrong-type", "field 'stdin' must be \"pipe\" or \"null\"");
        }
        JsonNode sub = r.body().get("subscribe");
        boolean subscribe = sub == null || sub.isNull() || sub.asBoolean();
        String pid = s.nextProcessId();
        try {
            DaemonProcess p = new DaemonProcess(pid, s, argv, env, cwd, "pipe".equals(stdin),
                    subscribe ? outbox : null);
            s.processes.put(pid, p);
        } catch (IOException e) {
            throw new ProtocolException("exec-failed", e.getMessage());
        }
        return "{\"process\":" + Json.str(pid) + "}";
    }

    private String signal(Request r) throws ProtocolException {
        DaemonProcess p = process(r);
        JsonNode sig = r.body().get("signal");
        if (sig == null || !sig.isIntegralNumber() || sig.asInt() < 1 || sig.asInt() > 64) {
            throw new ProtocolException("wrong-type", "field 'signal' must be a signal number 1..64");
        }
        return "{\"signalled\":" + p.signal(sig.asInt(), false) + "}";
    }

    private String waitFor(DaemonProcess p) throws ProtocolException {
        try {
            Outcome o = p.await();
            return "{\"process\":" + Json.str(p.id()) + ",\"status\":" + o.status() + ",\"signal\":" + o.signal()
                    + ",\"reason\":" + Json.str(o.reason()) + "}";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException("interrupted", "wait interrupted");
        }
    }
}
