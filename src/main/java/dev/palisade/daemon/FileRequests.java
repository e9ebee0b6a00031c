package dev.palisade.daemon;

import java.util.Base64;

import tools.jackson.databind.JsonNode;

/** Decodes the file.* requests (see docs/api.md, "File API") and hands them to the session's file operations. */
final class FileRequests {
    private FileRequests() {
    }

    static String dispatch(Request r, DaemonSession s) throws ProtocolException {
        FileOps ops = s.files();
        FilePaths paths = s.paths();
        return switch (r.op()) {
            case "file.stat" -> ops.stat(paths.resolve(r.text("path")));
            case "file.list" -> ops.list(paths.resolve(r.text("path")));
            case "file.read" -> {
                long offset = number(r, "offset", 0, Long.MAX_VALUE / 2, 0);
                int length = (int) number(r, "length", 0, FileOps.MAX_CHUNK, FileOps.MAX_CHUNK);
                yield ops.read(paths.resolve(r.text("path")), offset, length);
            }
            case "file.write" -> {
                String data = r.text("data");
                if (data.length() > (FileOps.MAX_CHUNK / 3 + 1) * 4) {
                    throw new ProtocolException("too-large", "at most " + FileOps.MAX_CHUNK + " bytes per write");
                }
                byte[] bytes;
                try {
                    bytes = Base64.getDecoder().decode(data);
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException("wrong-type", "field 'data' is not base64: " + e.getMessage());
                }
                if (bytes.length > FileOps.MAX_CHUNK) {
                    throw new ProtocolException("too-large", "at most " + FileOps.MAX_CHUNK + " bytes per write");
                }
                yield ops.write(paths.resolve(r.text("path")), bytes, flag(r, "append"));
            }
            case "file.mkdir" -> new FileChanges(ops).mkdir(paths.resolve(r.text("path")), flag(r, "parents"));
            case "file.move" -> new FileChanges(ops).move(paths.resolve(r.text("from")), paths.resolve(r.text("to")));
            case "file.delete" -> new FileChanges(ops).delete(paths.resolve(r.text("path")), flag(r, "recursive"));
            default -> throw new ProtocolException("unknown-op", "unknown op '" + r.op() + "'");
        };
    }

    private static boolean flag(Request r, String field) throws ProtocolException {
        JsonNode n = r.body().get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw new ProtocolException("wrong-type", "field '" + field + "' must be true or false");
        }
        return n.asBoolean();
    }

    private static long number(Request r, String field, long min, long max, long dflt) throws ProtocolException {
        JsonNode n = r.body().get(field);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw new ProtocolException("wrong-type", "field '" + field + "' must be an integer " + min + ".." + max);
        }
        return n.asLong();
    }
}
