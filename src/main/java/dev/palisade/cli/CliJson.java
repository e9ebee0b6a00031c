package dev.palisade.cli;

import java.util.Base64;

import dev.palisade.sdk.ExitStatus;
import dev.palisade.sdk.Folder;
import dev.palisade.sdk.LostOutput;
import dev.palisade.sdk.OutputChunk;
import dev.palisade.sdk.ProcessInfo;
import dev.palisade.sdk.SessionInfo;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The {@code --json} forms of the client commands: one JSON value a line, for scripts. */
final class CliJson {
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private CliJson() {
    }

    static ObjectNode session(SessionInfo s) {
        ObjectNode o = JSON.createObjectNode();
        o.put("session", s.id());
        o.put("tier", s.tier());
        o.put("home", s.home());
        ArrayNode folders = o.putArray("folders");
        for (Folder f : s.folders()) {
            folders.addObject().put("host", f.host()).put("sandbox", f.sandbox()).put("mode", f.writable() ? "rw" : "ro");
        }
        ArrayNode procs = o.putArray("processes");
        for (ProcessInfo p : s.processes()) {
            ObjectNode po = procs.addObject().put("process", p.id()).put("running", p.running());
            p.status().ifPresent(st -> po.put("status", st));
        }
        return o;
    }

    static String output(OutputChunk c) {
        return JSON.createObjectNode().put("type", "output").put("process", c.process())
                .put("stream", c.stream().name().toLowerCase(java.util.Locale.ROOT)).put("seq", c.seq())
                .put("offset", c.offset()).put("data", Base64.getEncoder().encodeToString(c.bytes())).toString();
    }

    static String lost(LostOutput l) {
        return JSON.createObjectNode().put("type", "lost").put("process", l.process())
                .put("stream", l.stream().name().toLowerCase(java.util.Locale.ROOT)).put("bytes", l.bytes())
                .put("chunks", l.chunks()).toString();
    }

    static String exit(ExitStatus x) {
        return JSON.createObjectNode().put("type", "exit").put("process", x.process()).put("status", x.status())
                .put("signal", x.signal()).put("reason", x.reason()).put("message", x.message()).toString();
    }

    static String start(String process) {
        return JSON.createObjectNode().put("type", "start").put("process", process).toString();
    }
}
