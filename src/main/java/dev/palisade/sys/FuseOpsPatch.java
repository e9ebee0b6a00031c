package dev.palisade.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import org.cryptomator.jfuse.api.Fuse;

/**
 * Fills the {@code link} and {@code mknod} slots of libfuse's {@code struct fuse_operations},
 * which jfuse 0.7.3 never binds (its Operation enum has neither). Left empty, libfuse answers
 * ENOSYS for {@code ln} and {@code mkfifo} before the guard can see them: no violation event, and
 * the wrong errno. The struct is copied by {@code fuse_new(3)} during mount, so this must run after
 * {@code Fuse} is built and before it is mounted.
 *
 * <p>Offsets are those of libfuse 3's {@code fuse.h} (FUSE_USE_VERSION 3x): getattr, readlink,
 * mknod, mkdir, unlink, rmdir, symlink, rename, link, each one pointer.
 */
@SuppressWarnings("restricted") // upcall stubs and a reinterpret of jfuse's struct are the point
public final class FuseOpsPatch {
    /** Offset of {@code mknod} in {@code struct fuse_operations}. */
    public static final long MKNOD_OFFSET = 2 * 8;
    /** Offset of {@code link} in {@code struct fuse_operations}. */
    public static final long LINK_OFFSET = 8 * 8;

    /** {@code int link(const char *from, const char *to)}, returning 0 or -errno. */
    @FunctionalInterface
    public interface LinkOp {
        /**
         * @param from existing path inside the mount
         * @param to new path inside the mount
         * @return 0 or a negative errno
         */
        int link(String from, String to);
    }

    /** {@code int mknod(const char *path, mode_t mode, dev_t rdev)}, returning 0 or -errno. */
    @FunctionalInterface
    public interface MknodOp {
        /**
         * @param path new path inside the mount
         * @param mode type and permission bits
         * @param rdev device number
         * @return 0 or a negative errno
         */
        int mknod(String path, int mode, long rdev);
    }

    private FuseOpsPatch() {
    }

    /**
     * Installs the two callbacks. Any exception a callback throws becomes -EIO: an exception
     * escaping an upcall would end the JVM.
     *
     * @param fuse a built, not yet mounted jfuse instance
     * @param arena owns the upcall stubs; must outlive the mount
     * @param link the link callback
     * @param mknod the mknod callback
     */
    public static void install(Fuse fuse, Arena arena, LinkOp link, MknodOp mknod) {
        try {
            Field f = Fuse.class.getDeclaredField("fuseOperationsStruct");
            f.setAccessible(true);
            MemorySegment ops = ((MemorySegment) f.get(fuse)).reinterpret(LINK_OFFSET + 8);
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle linkMh = lookup.findStatic(FuseOpsPatch.class, "linkUpcall",
                    MethodType.methodType(int.class, LinkOp.class, MemorySegment.class, MemorySegment.class))
                    .bindTo(link);
            MethodHandle mknodMh = lookup.findStatic(FuseOpsPatch.class, "mknodUpcall",
                    MethodType.methodType(int.class, MknodOp.class, MemorySegment.class, int.class, long.class))
                    .bindTo(mknod);
            Linker linker = Linker.nativeLinker();
            MemorySegment linkStub = linker.upcallStub(linkMh,
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), arena);
            MemorySegment mknodStub = linker.upcallStub(mknodMh,
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG), arena);
            ops.set(ADDRESS, LINK_OFFSET, linkStub);
            ops.set(ADDRESS, MKNOD_OFFSET, mknodStub);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("jfuse layout changed: cannot patch fuse_operations", e);
        }
    }

    private static String string(MemorySegment p) {
        return p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static int linkUpcall(LinkOp op, MemorySegment from, MemorySegment to) {
        try {
            return op.link(string(from), string(to));
        } catch (RuntimeException | Error e) {
            return -5; // EIO
        }
    }

    private static int mknodUpcall(MknodOp op, MemorySegment path, int mode, long rdev) {
        try {
            return op.mknod(string(path), mode, rdev);
        } catch (RuntimeException | Error e) {
            return -5; // EIO
        }
    }
}
