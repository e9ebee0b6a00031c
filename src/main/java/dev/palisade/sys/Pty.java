package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * A pseudo-terminal pair (pty(7)): the master stays with Palisade, the slave becomes a command's
 * stdin, stdout and stderr. Opened with posix_openpt(3), grantpt(3), unlockpt(3), ptsname_r(3);
 * the window size is set with ioctl(2) TIOCSWINSZ (ioctl_tty(2)). Both ends are close-on-exec and
 * the slave is opened O_NOCTTY: it never becomes the controlling terminal of the JVM.
 *
 * @param master the master descriptor
 * @param slave the slave descriptor
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public record Pty(int master, int slave) {
    private static final int O_RDWR = 02;
    private static final int O_NOCTTY = 0400;
    /** ioctl_tty(2): set window size (asm-generic/ioctls.h). */
    private static final long TIOCSWINSZ = 0x5414;
    /** ioctl_tty(2): get window size. */
    private static final long TIOCGWINSZ = 0x5413;
    private static final MethodHandle OPENPT = Libc.errnoCall("posix_openpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GRANTPT = Libc.errnoCall("grantpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle UNLOCKPT = Libc.errnoCall("unlockpt", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    /** ptsname_r returns the error number itself (0 on success), not -1 and errno. */
    private static final MethodHandle PTSNAME_R = Libc.plainCall("ptsname_r",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG));
    /** ioctl(int, unsigned long, ...): the third argument is variadic. */
    private static final MethodHandle IOCTL = Libc.LINKER.downcallHandle(
            Libc.LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    /**
     * Opens a pair with the given window size.
     *
     * @param rows rows, 1..65535
     * @param cols columns, 1..65535
     * @return the pair; the caller closes both descriptors
     * @throws NativeException on failure
     */
    public static Pty open(int rows, int cols) throws NativeException {
        int master = -1;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newState(arena);
            master = (int) OPENPT.invokeExact(state, O_RDWR | O_NOCTTY | Libc.O_CLOEXEC);
            if (master < 0) {
                throw new NativeException("posix_openpt", Libc.errno(state));
            }
            if ((int) GRANTPT.invokeExact(state, master) != 0) {
                throw new NativeException("grantpt", Libc.errno(state));
            }
            if ((int) UNLOCKPT.invokeExact(state, master) != 0) {
                throw new NativeException("unlockpt", Libc.errno(state));
            }
            MemorySegment name = arena.allocate(128);
            int err = (int) PTSNAME_R.invokeExact(master, name, name.byteSize());
            if (err != 0) {
                throw new NativeException("ptsname_r", err);
            }
            String path = name.getString(0, StandardCharsets.US_ASCII);
            int slave = Libc.open(path, O_RDWR | O_NOCTTY, 0);
            Pty p = new Pty(master, slave);
            try {
                setSize(master, rows, cols);
            } catch (NativeException e) {
                Libc.closeQuietly(slave);
                throw e;
            }
            return p;
        } catch (NativeException e) {
            Libc.closeQuietly(master);
            throw e;
        } catch (Throwable t) {
            Libc.closeQuietly(master);
            throw new AssertionError("posix_openpt", t);
        }
    }

    /**
     * Sets the window size of the terminal behind {@code fd} (TIOCSWINSZ; the kernel sends SIGWINCH
     * to the terminal's foreground process group, if it has one).
     *
     * @param fd a master or slave descriptor
     * @param rows rows, 1..65535
     * @param cols columns, 1..65535
     * @throws NativeException on failure
     */
    public static void setSize(int fd, int rows, int cols) throws NativeException {
        if (rows < 1 || rows > 65535 || cols < 1 || cols > 65535) {
            throw new IllegalArgumentException("terminal size out of 1..65535: " + rows + "x" + cols);
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct winsize { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; }
            MemorySegment ws = arena.allocate(8, 2);
            ws.set(JAVA_SHORT, 0, (short) rows);
            ws.set(JAVA_SHORT, 2, (short) cols);
            MemorySegment state = Libc.newState(arena);
            if ((int) IOCTL.invokeExact(state, fd, TIOCSWINSZ, ws) != 0) {
                throw new NativeException("ioctl(TIOCSWINSZ)", Libc.errno(state));
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ioctl", t);
        }
    }

    /**
     * The window size (TIOCGWINSZ).
     *
     * @param fd a master or slave descriptor
     * @return rows and columns
     * @throws NativeException on failure
     */
    public static int[] size(int fd) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ws = arena.allocate(8, 2);
            MemorySegment state = Libc.newState(arena);
            if ((int) IOCTL.invokeExact(state, fd, TIOCGWINSZ, ws) != 0) {
                throw new NativeException("ioctl(TIOCGWINSZ)", Libc.errno(state));
            }
            return new int[] {Short.toUnsignedInt(ws.get(JAVA_SHORT, 0)), Short.toUnsignedInt(ws.get(JAVA_SHORT, 2))};
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ioctl", t);
        }
    }
}
