package dev.palisade.cli;

/** Entry point of the {@code palisade} launcher. */
public final class Main {
    private Main() {
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.out.println("palisade");
    }
}
