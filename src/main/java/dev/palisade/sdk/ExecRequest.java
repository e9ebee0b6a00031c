package dev.palisade.sdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A command to run in a session.
 *
 * @param argv the command and its arguments, looked up on the sandbox's PATH
 * @param env extra environment variables
 * @param cwd the absolute sandbox working directory, or null for the first folder
 * @param stdinPipe whether standard input is a pipe fed by {@link SandboxProcess#writeStdin};
 *        otherwise it is /dev/null
 */
public record ExecRequest(List<String> argv, Map<String, String> env, String cwd, boolean stdinPipe) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Validates. */
    public ExecRequest {
        argv = List.copyOf(Objects.requireNonNull(argv, "argv"));
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty");
        }
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(env, "env")));
        for (var e : env.entrySet()) {
            if (!NAME.matcher(e.getKey()).matches() || e.getValue() == null) {
                throw new IllegalArgumentException("env entry must be NAME=value: '" + e.getKey() + "'");
            }
        }
        if (cwd != null && !cwd.startsWith("/")) {
            throw new IllegalArgumentException("cwd must be an absolute sandbox path: '" + cwd + "'");
        }
    }

    /**
     * A command with no extra environment, the default directory, stdin from /dev/null.
     *
     * @param argv the command and its arguments
     * @return the request
     */
    public static ExecRequest of(String... argv) {
        return new ExecRequest(List.of(argv), Map.of(), null, false);
    }

    /**
     * The same with standard input as a pipe.
     *
     * @return a new request
     */
    public ExecRequest withStdinPipe() {
        return new ExecRequest(argv, env, cwd, true);
    }

    /**
     * The same in another working directory.
     *
     * @param dir an absolute sandbox path
     * @return a new request
     */
    public ExecRequest withCwd(String dir) {
        return new ExecRequest(argv, env, dir, stdinPipe);
    }

    /**
     * The same with one more environment variable.
     *
     * @param name the name
     * @param value the value
     * @return a new request
     */
    public ExecRequest withEnv(String name, String value) {
        Map<String, String> m = new LinkedHashMap<>(env);
        m.put(name, value);
        return new ExecRequest(argv, m, cwd, stdinPipe);
    }
}
