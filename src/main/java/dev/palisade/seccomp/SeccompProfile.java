package dev.palisade.seccomp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.palisade.sandbox.Tier;

/**
 * A seccomp profile in the OCI / Docker seccomp JSON format, parsed and resolved for this machine
 * (rules whose Docker {@code includes}/{@code excludes} do not apply here are already dropped).
 *
 * @param source where it came from ("default" or the file path), used in messages
 * @param defaultAction what happens to syscalls no rule matches
 * @param architectures the OCI architecture names the filter covers besides the native one
 * @param rules the rules, in profile order
 */
public record SeccompProfile(String source, SeccompAction defaultAction, List<String> architectures,
        List<SyscallRule> rules) {
    /** The policy value naming the built-in profile. */
    public static final String DEFAULT = "default";
    /** The policy value turning the filter off (only with tier direct). */
    public static final String NONE = "none";

    private static final String DEFAULT_RESOURCE = "default.json";
    private static final String NO_UNIX_RESOURCE = "no-unix-sockets.json";
    /** The built-in profiles, parsed once per process (a daemon launches many sandboxes). */
    private static final java.util.Map<String, SeccompProfile> BUILT_IN = new java.util.concurrent.ConcurrentHashMap<>();

    /** Validates and copies. */
    public SeccompProfile {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(defaultAction, "defaultAction");
        architectures = List.copyOf(architectures);
        rules = List.copyOf(rules);
    }

    /**
     * Resolves the policy's {@code seccomp} value for a tier: {@code "default"}, {@code "none"}, or
     * a profile file. The profile is parsed and compiled once here, so every error (malformed
     * JSON, unknown syscall name, bad action) surfaces while the policy is read.
     *
     * @param spec the policy value
     * @param tier the tier being launched
     * @param baseDir the directory a relative profile path is resolved against (the policy
     *        file's directory)
     * @return the profile, or empty when the filter is off ({@code "none"} with tier direct; the
     *         direct tier has no sandbox to filter, so any profile is also returned as empty)
     * @throws SeccompException naming the problem; {@code "none"} with another tier is refused
     */
    public static Optional<SeccompProfile> forPolicy(String spec, Tier tier, Path baseDir) throws SeccompException {
        Objects.requireNonNull(spec, "spec");
        if (spec.equals(NONE)) {
            return switch (tier) {
                case DIRECT -> Optional.empty();
                case NAMESPACE, VM -> throw new SeccompException(
                        "seccomp: 'none' is only allowed with tier direct (tier is " + tier.cliName() + ")");
            };
        }
        SeccompProfile p = spec.equals(DEFAULT) ? defaultProfile() : load(baseDir.resolve(spec));
        return switch (tier) {
            case DIRECT -> Optional.empty();
            case NAMESPACE, VM -> Optional.of(p);
        };
    }

    /**
     * Loads {@code "default"} or a profile file (relative paths against the working directory).
     *
     * @param spec {@code "default"} or a path
     * @return the checked profile
     * @throws SeccompException naming the problem ({@code "none"} is not a profile)
     */
    public static SeccompProfile load(String spec) throws SeccompException {
        if (spec.equals(NONE)) {
            throw new SeccompException("seccomp: 'none' is not a profile");
        }
        return spec.equals(DEFAULT) ? defaultProfile() : load(Path.of(spec));
    }

    /**
     * Loads and checks a profile file.
     *
     * @param file the JSON file
     * @return the checked profile
     * @throws SeccompException naming the file and the problem
     */
    public static SeccompProfile load(Path file) throws SeccompException {
        return parse(file.toString(), new String(readProfileFile(file), StandardCharsets.UTF_8));
    }

    /**
     * Parses and checks profile JSON text (compiles it once against libseccomp, which knows the
     * syscall names).
     *
     * @param source a name for messages
     * @param json the profile
     * @return the profile
     * @throws SeccompException naming the source and the problem
     */
    public static SeccompProfile parse(String source, String json) throws SeccompException {
        SeccompProfile p = ProfileParser.parse(source, json);
        BpfCompiler.compile(p);
        return p;
    }

    /**
     * The built-in default profile (resource {@code dev/palisade/seccomp/default.json}; every rule
     * carries its reason in its {@code comment}).
     *
     * @return the profile
     * @throws SeccompException if the resource is broken (a build error)
     */
    public static SeccompProfile defaultProfile() throws SeccompException {
        return resource(DEFAULT_RESOURCE, DEFAULT);
    }

    /** The built-in default profile's JSON text. */
    static byte[] defaultProfileText() throws SeccompException {
        return resourceText(DEFAULT_RESOURCE);
    }

    /** The JSON text of Palisade's own no-named-Unix-sockets filter. */
    static byte[] noUnixSocketsText() throws SeccompException {
        return resourceText(NO_UNIX_RESOURCE);
    }

    static byte[] readProfileFile(Path file) throws SeccompException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SeccompException("seccomp profile " + file + ": no such file", e);
        } catch (IOException e) {
            throw new SeccompException("seccomp profile " + file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static byte[] resourceText(String name) throws SeccompException {
        try (InputStream in = SeccompProfile.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new SeccompException("seccomp: built-in profile resource " + name + " missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new SeccompException("seccomp: cannot read built-in profile " + name, e);
        }
    }

    /** Palisade's own filter denying named Unix sockets, installed unless the policy allows them. */
    static SeccompProfile noUnixSockets() throws SeccompException {
        return resource(NO_UNIX_RESOURCE, "palisade:no-unix-sockets");
    }

    private static SeccompProfile resource(String name, String source) throws SeccompException {
        SeccompProfile cached = BUILT_IN.get(name);
        if (cached != null) {
            return cached;
        }
        SeccompProfile p = readResource(name, source);
        BUILT_IN.putIfAbsent(name, p);
        return p;
    }

    private static SeccompProfile readResource(String name, String source) throws SeccompException {
        return parse(source, new String(resourceText(name), StandardCharsets.UTF_8));
    }
}
