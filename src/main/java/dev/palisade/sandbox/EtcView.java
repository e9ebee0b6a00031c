package dev.palisade.sandbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The sandbox's /etc: an allowlist of host entries that programs need to run (dynamic loader,
 * certificates, locale, tool configuration), read-only, and synthetic passwd, group, hosts and
 * hostname files that name only the sandbox user. Never shadow, sudoers, ssh host keys,
 * machine-id or anything else that identifies the host or holds a secret.
 */
final class EtcView {
    /** Host /etc entries shared read-only when they exist. Anything not listed stays invisible. */
    static final List<String> ALLOWED = List.of(
            "alternatives", "bash.bashrc", "ca-certificates", "ca-certificates.conf", "debian_version",
            "environment", "fonts", "gai.conf", "gitconfig", "host.conf", "inputrc", "ld.so.cache", "ld.so.conf",
            "ld.so.conf.d", "locale.alias", "locale.conf", "localtime", "magic", "magic.mime", "manpath.config",
            "mime.types", "nanorc", "nsswitch.conf", "os-release", "perl", "profile", "protocols", "python3",
            "python3.11", "python3.12", "python3.13", "rpc", "services", "shells", "ssl", "terminfo", "timezone",
            "vim", "wgetrc", "xdg", "java-17-openjdk", "java-21-openjdk", "java-25-openjdk", "maven", "npmrc",
            "pip.conf", "mke2fs.conf");

    private EtcView() {
    }

    /**
     * Adds the /etc mounts to a bwrap argument list and writes the synthetic files.
     *
     * @param args the bwrap arguments being built
     * @param runtimeDir the session's private runtime folder (synthetic files go there)
     * @param uid the uid inside the sandbox
     * @param gid the gid inside the sandbox
     * @param home the sandbox home
     * @param hostname the sandbox host name
     * @throws IOException if the synthetic files cannot be written
     */
    static void addTo(List<String> args, Path runtimeDir, int uid, int gid, String home, String hostname)
            throws IOException {
        args.add("--dir");
        args.add("/etc");
        Path etc = Path.of("/etc");
        for (String name : ALLOWED) {
            Path p = etc.resolve(name);
            if (Files.isSymbolicLink(p)) {
                args.add("--symlink");
                args.add(Files.readSymbolicLink(p).toString());
                args.add(p.toString());
            } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                args.add("--ro-bind");
                args.add(p.toString());
                args.add(p.toString());
            }
        }
        if (Files.isDirectory(etc.resolve("ssl/private"), LinkOption.NOFOLLOW_LINKS)) {
            // TLS private keys of host services: readable to root on the host, never to a sandbox.
            args.add("--tmpfs");
            args.add("/etc/ssl/private");
        }
        String user = uid == 0 ? "root" : "user";
        StringBuilder passwd = new StringBuilder();
        StringBuilder group = new StringBuilder();
        if (uid != 0) {
            passwd.append("root:x:0:0:root:/root:/bin/sh\n");
        }
        if (gid != 0) {
            group.append("root:x:0:\n");
        }
        passwd.append(user).append(":x:").append(uid).append(':').append(gid).append(":sandbox user:")
                .append(home).append(":/bin/bash\n");
        passwd.append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
        group.append(uid == 0 ? "root" : "user").append(":x:").append(gid).append(":\n");
        group.append("nogroup:x:65534:\n");
        synthetic(args, runtimeDir, "passwd", passwd.toString());
        synthetic(args, runtimeDir, "group", group.toString());
        synthetic(args, runtimeDir, "hostname", hostname + "\n");
        synthetic(args, runtimeDir, "hosts", "127.0.0.1 localhost " + hostname + "\n::1 localhost ip6-localhost\n");
        // No resolver: name lookups inside fail at once; egress goes through the proxies by name.
        synthetic(args, runtimeDir, "resolv.conf", "# no DNS inside a Palisade sandbox; use the proxy\n");
    }

    private static void synthetic(List<String> args, Path dir, String name, String content) throws IOException {
        Path file = dir.resolve("etc-" + name);
        Files.writeString(file, content);
        args.add("--ro-bind");
        args.add(file.toString());
        args.add("/etc/" + name);
    }
}
