package dev.palisade.sdk;

import java.nio.file.Path;

/** Run as another uid by {@link SdkForeignUidTest}: connects through the SDK and prints the outcome. */
public final class ForeignClient {
    private ForeignClient() {
    }

    /**
     * Connects to the socket in {@code args[0]}; prints {@code connected} or {@code refused CODE}.
     *
     * @param args the socket path
     */
    public static void main(String[] args) {
        try (Palisade p = Palisade.connect(Path.of(args[0]))) {
            System.out.println("connected, sessions " + p.sessions());
        } catch (PalisadeException e) {
            System.out.println("refused " + e.code() + " " + e.getMessage());
        }
    }
}
