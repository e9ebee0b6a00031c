package dev.palisade.sdk;

/** The type of a file as the file API reports it (it never follows symlinks). */
public enum FileType {
    /** A regular file. */
    FILE,
    /** A directory. */
    DIR,
    /** A symbolic link (the file API refuses to go through it). */
    SYMLINK,
    /** Anything else: device, fifo, socket. */
    OTHER
}
