package dev.palisade.sys;

/**
 * The attributes of a file as statx(2) reports them.
 *
 * @param mode type and permission bits (st_mode)
 * @param uid owner
 * @param gid group
 * @param nlink link count
 * @param size size in bytes
 * @param ino inode number
 * @param atimeSec access time, seconds
 * @param atimeNsec access time, nanoseconds
 * @param mtimeSec modification time, seconds
 * @param mtimeNsec modification time, nanoseconds
 * @param ctimeSec change time, seconds
 * @param ctimeNsec change time, nanoseconds
 */
public record FileStat(int mode, int uid, int gid, long nlink, long size, long ino,
        long atimeSec, int atimeNsec, long mtimeSec, int mtimeNsec, long ctimeSec, int ctimeNsec) {

    /** Whether this is a regular file. */
    public boolean isRegular() {
        return (mode & LibcFiles.S_IFMT) == LibcFiles.S_IFREG;
    }

    /** Whether this is a directory. */
    public boolean isDirectory() {
        return (mode & LibcFiles.S_IFMT) == LibcFiles.S_IFDIR;
    }

    /** Whether this is a symbolic link. */
    public boolean isSymlink() {
        return (mode & LibcFiles.S_IFMT) == LibcFiles.S_IFLNK;
    }
}
