package dev.palisade.vm;

/**
 * How a command in the guest ended, with its collected output.
 *
 * @param code the exit code (0 when killed by a signal)
 * @param signal the signal that killed it, or 0
 * @param stdout everything it wrote to standard output
 * @param stderr everything it wrote to standard error
 */
public record ExecResult(int code, int signal, byte[] stdout, byte[] stderr) {
    /** The shell's convention: the code, or 128 + the signal. */
    public int status() {
        return signal == 0 ? code : 128 + signal;
    }

    /** Standard output as UTF-8 text. */
    public String stdoutText() {
        return new String(stdout, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Standard error as UTF-8 text. */
    public String stderrText() {
        return new String(stderr, java.nio.charset.StandardCharsets.UTF_8);
    }
}
