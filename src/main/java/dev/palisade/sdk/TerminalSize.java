package dev.palisade.sdk;

/**
 * The size of a command's pseudo-terminal.
 *
 * @param rows rows, 1..65535
 * @param cols columns, 1..65535
 */
public record TerminalSize(int rows, int cols) {
    /** Validates. */
    public TerminalSize {
        if (rows < 1 || rows > 65535 || cols < 1 || cols > 65535) {
            throw new IllegalArgumentException("terminal size out of 1..65535: " + rows + "x" + cols);
        }
    }
}
