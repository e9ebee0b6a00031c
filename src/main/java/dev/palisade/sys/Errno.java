package dev.palisade.sys;

/** The errno values Palisade names, and their descriptions (errno(3), x86_64 Linux numbering). */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory. */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** No child processes. */
    public static final int ECHILD = 10;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Input/output error (read(2) on a pty master once every slave descriptor is closed). */
    public static final int EIO = 5;
    /** Read-only file system. */
    public static final int EROFS = 30;
    /** Function not implemented. */
    public static final int ENOSYS = 38;

    private Errno() {
    }

    /**
     * Names an errno for messages: "EACCES (13)" style, with the number always present.
     *
     * @param errno the error number
     * @return a readable description
     */
    public static String describe(int errno) {
        String name = switch (errno) {
            case EPERM -> "EPERM: operation not permitted";
            case ENOENT -> "ENOENT: no such file or directory";
            case ESRCH -> "ESRCH: no such process";
            case EINTR -> "EINTR: interrupted";
            case EBADF -> "EBADF: bad file descriptor";
            case ECHILD -> "ECHILD: no child processes";
            case EAGAIN -> "EAGAIN: resource temporarily unavailable";
            case EACCES -> "EACCES: permission denied";
            case EINVAL -> "EINVAL: invalid argument";
            case EROFS -> "EROFS: read-only file system";
            case ENOSYS -> "ENOSYS: function not implemented";
            default -> "errno";
        };
        return name + " (" + errno + ")";
    }
}
