package dev.palisade.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.palisade.daemon.Daemon;
import dev.palisade.testing.Cli;
import dev.palisade.testing.SandboxPrerequisites;

/**
 * The ```java blocks of docs/sdk.md compile against the built classes (lint clean), and each example's
 * main runs, in its own JVM, against a real daemon on the default socket path that
 * {@code XDG_RUNTIME_DIR} points to.
 */
@Tag("sandbox")
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class DocExamplesTest {
    private static final Pattern BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS = Pattern.compile("public class (\\w+)");
    /** What each example must print when it runs: proof it did its job, not just that it ended. */
    private static final Map<String, List<String>> EXPECT = Map.of(
            "QuickStart", List.of("STDOUT hello from the sandbox", "STDERR oops", "exited 3", "status 3"),
            "StdinAndSignals", List.of("QUIET WORDS", "sleep ended with 143"),
            "Filters", List.of("password is *******"),
            "FileApi", List.of("big.bin FILE 3000000 bytes", "todo.txt FILE 11 bytes", "streamed 3000000 bytes",
                    "write docs", "refused: path-traversal"));

    @TempDir
    Path tmp;

    static Map<String, String> examples() throws Exception {
        String md = Files.readString(Path.of("docs/sdk.md"));
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = BLOCK.matcher(md);
        while (m.find()) {
            Matcher c = CLASS.matcher(m.group(1));
            assertThat(c.find()).as("a ```java block in docs/sdk.md declares a public class:%n%s", m.group(1)).isTrue();
            out.put(c.group(1), m.group(1));
        }
        return out;
    }

    @Test
    void everyJavaBlockInTheSdkDocCompilesAndRunsAgainstARealDaemon() throws Exception {
        Map<String, String> examples = examples();
        assertThat(examples.keySet()).containsExactlyInAnyOrderElementsOf(EXPECT.keySet());
        Path classes = Files.createDirectory(tmp.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> sources = new ArrayList<>();
        for (var e : examples.entrySet()) {
            sources.add(new SimpleJavaFileObject(java.net.URI.create("string:///" + e.getKey() + ".java"), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return e.getValue();
                }
            });
        }
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null, List.of("-classpath", System.getProperty("java.class.path"),
                "-d", classes.toString(), "-Xlint:all", "-Werror", "-proc:none"), null, sources).call();
        assertThat(ok).as("docs/sdk.md examples compile:%n%s", diagnostics).isTrue();

        SandboxPrerequisites.requireBwrap();
        Path xdg = Files.createDirectory(tmp.resolve("xdg"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Daemon daemon = Daemon.bind(xdg.resolve("palisade/api.sock"), tmp.resolve("state"));
        Thread serving = null;
        try {
            serving = Thread.ofVirtual().start(() -> {
                try {
                    daemon.serve();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            for (String name : examples.keySet()) {
                List<String> cmd = Cli.javaCommand();
                cmd.set(cmd.indexOf("-cp") + 1, System.getProperty("java.class.path") + java.io.File.pathSeparator + classes);
                cmd.set(cmd.size() - 1, name);
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true);
                pb.environment().put("XDG_RUNTIME_DIR", xdg.toString());
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(name).isTrue();
                assertThat(p.exitValue()).as("%s printed:%n%s", name, out).isZero();
                assertThat(out).as(name).contains(EXPECT.get(name));
                if (name.equals("QuickStart")) {
                    assertThat(out).contains(work.toRealPath() + "\n"); // pwd, translated back to the host path
                }
                if (name.equals("Filters")) {
                    assertThat(out).doesNotContain("hunter2").doesNotContain("debug:");
                }
            }
        } finally {
            daemon.close();
            if (serving != null) {
                serving.join(java.time.Duration.ofSeconds(10));
            }
        }
    }
}
