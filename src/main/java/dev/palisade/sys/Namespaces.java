package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Namespace introspection (ioctl_ns(2)). Used by the network bridge: bwrap, unprivileged, creates
 * the sandbox's network namespace in one user namespace and then moves the sandbox into a nested
 * one, so /proc/PID/ns/user is NOT the namespace that owns /proc/PID/ns/net, and joining it does
 * not grant the CAP_SYS_ADMIN that setns(2) needs. NS_GET_USERNS names the owner directly.
 */
@SuppressWarnings("restricted") // FFM downcalls are this package's purpose
public final class Namespaces {
    /** ioctl_ns(2): _IO(0xb7, 0x1), a new descriptor (close-on-exec) for the owning user namespace. */
    private static final long NS_GET_USERNS = 0xb701L;
    private static final int O_RDONLY = 0;

    private static final MethodHandle OPEN = Libc.LINKER.downcallHandle(
            Libc.LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    private static final MethodHandle IOCTL = Libc.LINKER.downcallHandle(
            Libc.LINKER.defaultLookup().find("ioctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG),
            Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));

    private Namespaces() {
    }

    /**
     * Opens the user namespace that owns a process's network namespace.
     *
     * @param pid the process
     * @return a close-on-exec descriptor of that user namespace; the caller closes it
     * @throws NativeException if the namespace file cannot be opened or queried
     */
    public static int openNetOwnerUserNamespace(long pid) throws NativeException {
        String path = "/proc/" + pid + "/ns/net";
        int netFd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Libc.newState(arena);
            netFd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | Libc.O_CLOEXEC, 0);
            if (netFd < 0) {
                throw new NativeException("open(" + path + ")", Libc.errno(state));
            }
            int userFd = (int) IOCTL.invokeExact(state, netFd, NS_GET_USERNS);
            if (userFd < 0) {
                int e = Libc.errno(state);
                Libc.closeQuietly(netFd);
                throw new NativeException("ioctl(NS_GET_USERNS) on " + path, e);
            }
            Libc.close(netFd);
            return userFd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("open/ioctl", t);
        }
    }
}
