package dev.palisade.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the command before the sandbox starts, so that "not found" (127) and "not executable" (126)
 * are told apart from the command's own failures with a clear message. The lookup runs on the
 * host through the sandbox's view: system folders are the host's own, mounted folders are
 * translated back to their host paths.
 */
final class CommandResolver {
    /** The PATH inside every sandbox. */
    static final String SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";

    /** The outcome of a lookup: found, or the status and message to fail with. */
    record Resolution(int failureStatus, String message) {
        static final Resolution FOUND = new Resolution(0, "");

        boolean found() {
            return failureStatus == 0;
        }
    }

    private CommandResolver() {
    }

    /**
     * Looks a command up.
     *
     * @param command argv[0]
     * @param cwd the working directory inside
     * @param path the PATH inside
     * @param toHost maps an absolute path inside to the host file it shows, if any
     * @return the resolution
     */
    static Resolution resolve(String command, String cwd, String path, Function<String, Optional<Path>> toHost) {
        if (command.isEmpty()) {
            return new Resolution(ExitStatus.NOT_FOUND, "empty command");
        }
        if (command.contains("/")) {
            String inside = command.startsWith("/") ? command : cwd + "/" + command;
            Optional<Path> host = toHost.apply(Path.of(inside).normalize().toString());
            if (host.isEmpty() || !Files.exists(host.get())) {
                return new Resolution(ExitStatus.NOT_FOUND, command + ": no such file in the sandbox");
            }
            return executable(host.get(), command);
        }
        for (String dir : path.split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Optional<Path> host = toHost.apply(dir + "/" + command);
            if (host.isPresent() && Files.exists(host.get()) && !Files.isDirectory(host.get())) {
                return executable(host.get(), command);
            }
        }
        return new Resolution(ExitStatus.NOT_FOUND, command + ": command not found in the sandbox (PATH=" + path + ")");
    }

    private static Resolution executable(Path host, String command) {
        if (Files.isDirectory(host)) {
            return new Resolution(ExitStatus.NOT_EXECUTABLE, command + ": is a directory");
        }
        if (!Files.isExecutable(host)) {
            return new Resolution(ExitStatus.NOT_EXECUTABLE, command + ": permission denied (not executable)");
        }
        return Resolution.FOUND;
    }
}
