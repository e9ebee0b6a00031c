package dev.palisade.guard;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A file guard in its own JVM, for tests that kill the server: mounts {@code args[0]} with history
 * in {@code args[1]} and denyWrite patterns {@code args[2..]}, prints the mount point and then
 * every event as a line on stdout, and unmounts when stdin closes.
 */
public final class GuardServerMain {
    private GuardServerMain() {
    }

    public static void main(String[] args) throws IOException {
        List<String> deny = Arrays.asList(args).subList(2, args.length);
        GuardRules rules = GuardRules.defaults().withDenyWrite(deny);
        try (GuardedFolder g = GuardedFolder.mount("test-session", Path.of(args[0]), rules, Path.of(args[1]),
                e -> {
                    synchronized (System.out) {
                        System.out.println("EVENT " + e);
                        System.out.flush();
                    }
                })) {
            synchronized (System.out) {
                System.out.println("MOUNTED " + g.mountpoint());
                System.out.flush();
            }
            while (System.in.read() >= 0) {
                // wait for EOF
            }
        }
    }
}
