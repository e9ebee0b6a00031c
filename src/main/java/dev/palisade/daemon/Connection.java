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
                s.events.unfollow(outbox);
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
            String result = dispatch(r);
            if (result != null) { // null: answered later (wait)
                outbox.put("{\"id\":" + Json.str(r.id()) + ",\"ok\":true,\"result\":" + result + "}");
            }
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
            case "wait" -> waitFor(r, process(r));
            case "resize" -> {
                DaemonProcess p = process(r);
                int[] size = size(r.body());
                p.resize(size[0], size[1]);
                yield "{}";
            }
            case "subscribe" -> {
                DaemonProcess p = process(r);
                boolean running = sessionOf(p).events.subscribe(p, outbox);
                yield running ? "{\"running\":true}" : "{\"running\":false," + outcome(p).substring(1);
            }
            case "session.subscribe" -> {
                DaemonSession s = session(r);
                JsonNode replay = r.body().get("replay");
                if (replay != null && !replay.isNull() && !replay.isBoolean()) {
                    throw new ProtocolException("wrong-type", "field 'replay' must be true or false");
                }
                s.events.follow(outbox, replay != null && replay.asBoolean());
                yield "{}";
            }
            case "file.stat", "file.list", "file.read", "file.write", "file.mkdir", "file.move", "file.delete" ->
                    file(r, session(r));
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
        Tier tier = tier(r, policy);
        if (tier == Tier.VM) {
            // Before the VM boots: what the vm tier cannot enforce is refused, as by palisade run --tier vm.
            java.util.Optional<String> refused = dev.palisade.sandbox.VmRefusals.of(policy.limits(), policy.seccomp());
            if (refused.isPresent()) {
                throw new ProtocolException("session-failed", refused.get());
            }
        }
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
        SessionEvents events = null;
        for (int attempt = 0; s == null; attempt++) {
            events = new SessionEvents(id);
            try {
                s = open(id, tier, mounts, policy, home, events);
            } catch (SandboxException | IllegalArgumentException | IOException e) {
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
            perCommand = SessionPolicy.start(id, policy, tier, events::accept);
        } catch (ProtocolException e) {
            s.close();
            throw e;
        }
        try {
            daemon.sessions.put(id, new DaemonSession(s, perCommand, events));
        } catch (IOException e) {
            s.close();
            perCommand.close();
            throw new ProtocolException("session-failed", "cannot open the folders of session " + id + ": "
                    + e.getMessage());
        }
        JsonNode follow = r.body().get("subscribe");
        if (follow != null && follow.asBoolean(false)) {
            events.follow(outbox, false);
        }
        events.state("created");
        String info = describe(daemon.sessions.get(id));
        try {
            daemon.records.record(id, info);
        } catch (IOException e) {
            throw new ProtocolException("state-failed", "cannot record session " + id + ": " + e.getMessage());
        }
        return info;
    }

    /**
     * Opens the sandbox session. Namespace tier: the file guard's FUSE view is not used by the
     * daemon yet; its rules are enforced by bind masks inside and by the file API outside. Vm
     * tier: as {@code palisade run --tier vm} opens it (the same image selection and snapshot
     * cache, read-write folders shared through the file guard, whose events the session's
     * followers get), with the VM's failures and restarts pushed to them too.
     */
    private SandboxSession open(String id, Tier tier, List<Mount> mounts, Policy policy, Path home,
            SessionEvents events) throws SandboxException, IOException {
        if (tier == Tier.NAMESPACE) {
            return SandboxSession.open(new SessionSpec(id, Tier.NAMESPACE, mounts, policy.filesystem(), home, true));
        }
        dev.palisade.policy.FilesystemPolicy fs = policy.filesystem();
        dev.palisade.sandbox.FolderGuard guard = null;
        if (fs.guard() && mounts.stream().anyMatch(m -> m.access() == dev.palisade.paths.Access.RW)) {
            Path history = dev.palisade.sandbox.StateDirs.session(id).resolve("history");
            guard = new dev.palisade.sandbox.FolderGuard(fs.blockedFileTypes(), fs.keepHistoryBytes(), history,
                    events::accept);
        }
        dev.palisade.vm.VmSettings settings = daemon.vmSettings(policy.vmImage());
        SandboxSession s = SandboxSession.open(new SessionSpec(id, Tier.VM, mounts, fs, home, false,
                dev.palisade.sandbox.TmpfsSizes.DEFAULT, guard), settings,
                w -> LOG.log(System.Logger.Level.WARNING, "session " + id + ": " + w));
        s.vmEvents(events::accept);
        return s;
    }

    /** The session's tier: the top-level {@code tier} field, else the policy's. */
    private static Tier tier(Request r, Policy policy) throws ProtocolException {
        String t = r.optText("tier");
        Tier tier = policy.tier();
        if (t != null) {
            tier = switch (t) {
                case "namespace" -> Tier.NAMESPACE;
                case "vm" -> Tier.VM;
                default -> throw new ProtocolException("wrong-type", "field 'tier' must be \"namespace\" or \"vm\"");
            };
        }
        if (tier == Tier.DIRECT) {
            throw new ProtocolException("session-failed", "the daemon runs namespace- and vm-tier sessions only (tier "
                    + tier.cliName() + ")");
        }
        return tier;
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
                .append(",\"tier\":").append(Json.str(s.sandbox.spec().tier().cliName()));
        s.sandbox.vm().ifPresent(vm -> b.append(",\"restarts\":").append(vm.supervisor().restarts())
                .append(",\"lastCause\":").append(Json.str(vm.supervisor().lastCause())));
        b.append(",\"home\":").append(Json.str(s.sandbox.translator().sessionHome()))
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
        int[] tty = null;
        JsonNode t = r.body().get("tty");
        if (t != null && !t.isNull()) {
            if (s.sandbox.spec().tier() == Tier.VM) {
                // The guest agent runs commands on pipes; a host pty would not reach the guest's process.
                throw new ProtocolException("not-supported", "tty is not supported in vm-tier sessions yet; use pipes");
            }
            tty = size(t);
        }
        String pid = s.nextProcessId();
        try {
            DaemonProcess p = new DaemonProcess(pid, s, argv, env, cwd, "pipe".equals(stdin), tty);
            s.events.started(p, subscribe ? outbox : null);
            p.start();
        } catch (IOException e) {
            throw new ProtocolException("exec-failed", e.getMessage());
        }
        return "{\"process\":" + Json.str(pid) + "}";
    }

    /** {@code {"rows":R,"cols":C}}, each 1..65535. */
    private static int[] size(JsonNode t) throws ProtocolException {
        JsonNode rows = t.get("rows");
        JsonNode cols = t.get("cols");
        if (!t.isObject() || rows == null || cols == null || !rows.isIntegralNumber() || !cols.isIntegralNumber()
                || rows.asInt() < 1 || rows.asInt() > 65535 || cols.asInt() < 1 || cols.asInt() > 65535) {
            throw new ProtocolException("wrong-type", "tty size must be {\"rows\":1..65535,\"cols\":1..65535}");
        }
        return new int[] {rows.asInt(), cols.asInt()};
    }

    private String signal(Request r) throws ProtocolException {
        DaemonProcess p = process(r);
        JsonNode sig = r.body().get("signal");
        if (sig == null || !sig.isIntegralNumber() || sig.asInt() < 1 || sig.asInt() > 64) {
            throw new ProtocolException("wrong-type", "field 'signal' must be a signal number 1..64");
        }
        return "{\"signalled\":" + p.signal(sig.asInt(), false) + "}";
    }

    /**
     * Answers {@code wait} from its own virtual thread when the process ends, so a long wait never
     * holds up the connection's other requests.
     */
    private String waitFor(Request r, DaemonProcess p) {
        Thread.ofVirtual().name("wait-" + p.id()).start(() -> {
            try {
                p.await();
                outbox.put("{\"id\":" + Json.str(r.id()) + ",\"ok\":true,\"result\":" + outcome(p) + "}");
            } catch (InterruptedException e) {
                outbox.put(error(r.id(), new ProtocolException("interrupted", "wait interrupted")));
            }
        });
        return null;
    }

    private static String outcome(DaemonProcess p) {
        Outcome o = p.outcome();
        return "{\"process\":" + Json.str(p.id()) + ",\"status\":" + o.status() + ",\"signal\":" + o.signal()
                + ",\"reason\":" + Json.str(o.reason()) + "}";
    }

    private DaemonSession sessionOf(DaemonProcess p) throws ProtocolException {
        DaemonSession s = daemon.sessions.get(p.id().substring(0, p.id().indexOf('/')));
        if (s == null) {
            throw new ProtocolException("no-such-process", "no process " + p.id());
        }
        return s;
    }

    /** Path refusals the policy or the validator made: each is also a violation event of the session. */
    private static final java.util.Set<String> REFUSALS = java.util.Set.of("path-traversal", "path-outside", "symlink",
            "hardlink", "protected-path", "deny-read", "blocked-file-type", "read-only");

    private static String file(Request r, DaemonSession s) throws ProtocolException {
        try {
            return FileRequests.dispatch(r, s);
        } catch (ProtocolException e) {
            if (REFUSALS.contains(e.code())) {
                String target = r.optText("path") != null ? r.optText("path")
                        : r.optText("from") + " -> " + r.optText("to");
                s.events.violation(null, new dev.palisade.api.ViolationEvent(java.time.Instant.now(), s.events.sessionId(),
                        "file-api", r.op().substring("file.".length()), target, e.code() + ": " + e.getMessage()));
            }
            throw e;
        }
    }
}
