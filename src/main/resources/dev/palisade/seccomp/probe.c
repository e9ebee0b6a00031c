/*
 * Palisade seccomp probe: attempts, from inside a sandbox, every kernel operation the default
 * profile denies, and prints one line per attempt:  NAME <TAB> RESULT
 * where RESULT is OK (the call succeeded), an errno name (EPERM, ENOSYS, EROFS, ...) or
 * SIGNAL:N when the attempt killed its process. Each attempt runs in its own forked child, so a
 * crash, a kill or a hang (alarm after 5 s) in one attempt does not hide the others.
 *
 * Usage: probe [HOST_STREAM_SOCKET_PATH [HOST_DGRAM_SOCKET_PATH]]
 *        probe --ia32   (prints yes/no: whether this kernel runs i386 syscalls from 64-bit code)
 * The paths name Unix sockets a host-side listener owns (bound read-only into the sandbox); when
 * an attempt gets a socket it really connects / sends, so the listener sees any escape.
 *
 * Built at test time with: gcc -O1 -o probe probe.c
 * References: seccomp(2), clone(2), clone3 (linux/sched.h), unshare(2), setns(2), mount(2),
 * fsopen(2), open_tree(2), ptrace(2), proc(5) /proc/PID/mem, process_vm_writev(2),
 * pidfd_getfd(2), kcmp(2), bpf(2), perf_event_open(2), userfaultfd(2), io_uring_setup(2),
 * add_key(2), keyctl(2), personality(2), open_by_handle_at(2), socket(2), socketcall(2),
 * socketpair(2), ioctl_tty(2) TIOCSTI / ioctl_console(2) TIOCLINUX.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define NR_OPEN_TREE_ATTR 467 /* x86_64, Linux 6.15; not in older headers */

static const char *stream_path = "/nonexistent/stream.sock";
static const char *dgram_path = "/nonexistent/dgram.sock";
static pid_t sibling = -1;
static char target_byte = 't'; /* same address in the sibling: both forked from main */

/* Result of one attempt: the return value of the call, or -1 with errno set. */
static int report(long rc) {
    if (rc >= 0) {
        printf("OK\n");
    } else {
        const char *n = strerrorname_np(errno);
        printf("%s\n", n ? n : "E?");
    }
    fflush(stdout);
    return 0;
}

static struct sockaddr_un unix_addr(const char *path) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strncpy(a.sun_path, path, sizeof a.sun_path - 1);
    return a;
}

/* A socket that was created despite the filter really tries to reach the host listener. */
static long use_unix_socket(long fd, int dgram) {
    if (fd < 0) return fd;
    struct sockaddr_un a = unix_addr(dgram ? dgram_path : stream_path);
    if (dgram) return sendto(fd, "escape", 6, 0, (struct sockaddr *)&a, sizeof a);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) return -1;
    return write(fd, "escape", 6);
}

/* int 0x80: the i386 ABI from a 64-bit process. Arguments must be below 4 GiB. */
static long int80(long nr, long b, long c, long d) {
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(b), "c"(c), "d"(d) : "memory");
    if (ret < 0 && ret > -4096) { errno = (int)-ret; return -1; }
    return ret;
}

static long low_mem_args(long a0, long a1, long a2) {
    unsigned int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (p == MAP_FAILED) return -1;
    p[0] = (unsigned int)a0; p[1] = (unsigned int)a1; p[2] = (unsigned int)a2;
    return (long)(uintptr_t)p;
}

static long do_probe(const char *name) {
    char c = 'x';
    if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(name, "unshare_net")) return unshare(CLONE_NEWNET);
    if (!strcmp(name, "unshare_mount")) return unshare(CLONE_NEWNS);
    if (!strcmp(name, "clone_newuser") || !strcmp(name, "clone_newuser_highbits")) {
        unsigned long flags = CLONE_NEWUSER | CLONE_NEWNET | SIGCHLD;
        if (name[13]) flags |= 0xdead000000000000UL; /* the kernel ignores bits above 32 */
        long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid((pid_t)pid, NULL, 0);
        return pid;
    }
    if (!strcmp(name, "clone3_newuser") || !strcmp(name, "clone3_plain")) {
        struct clone_args ca;
        memset(&ca, 0, sizeof ca);
        ca.flags = name[7] == 'n' ? CLONE_NEWUSER : 0;
        ca.exit_signal = SIGCHLD;
        long pid = syscall(SYS_clone3, &ca, sizeof ca);
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid((pid_t)pid, NULL, 0);
        return pid;
    }
    if (!strcmp(name, "setns")) {
        int fd = open("/proc/self/ns/net", O_RDONLY);
        if (fd < 0) return -1;
        return setns(fd, 0);
    }
    if (!strcmp(name, "mount")) return mount("none", "/tmp", "tmpfs", 0, NULL);
    if (!strcmp(name, "umount2")) return umount2("/proc", MNT_DETACH);
    if (!strcmp(name, "fsopen")) return syscall(SYS_fsopen, "tmpfs", 0);
    if (!strcmp(name, "open_tree")) return syscall(SYS_open_tree, AT_FDCWD, "/tmp", 1 /* OPEN_TREE_CLONE */);
    if (!strcmp(name, "open_tree_attr")) return syscall(NR_OPEN_TREE_ATTR, AT_FDCWD, "/tmp", 1, NULL, 0);
    if (!strcmp(name, "pivot_root")) return syscall(SYS_pivot_root, ".", ".");
    if (!strcmp(name, "chroot")) return chroot("/");
    if (!strcmp(name, "ptrace_attach_pid1")) {
        long r = ptrace(PTRACE_ATTACH, 1, 0, 0);
        if (r == 0) { /* escaped: let pid 1 go again so the sandbox does not hang */
            int st; waitpid(1, &st, __WALL); ptrace(PTRACE_DETACH, 1, 0, 0);
        }
        return r;
    }
    if (!strcmp(name, "ptrace_traceme")) return ptrace(PTRACE_TRACEME, 0, 0, 0);
    if (!strcmp(name, "proc_mem_write_pid1")) return open("/proc/1/mem", O_RDWR);
    if (!strcmp(name, "proc_mem_write_sibling")) {
        char p[64]; snprintf(p, sizeof p, "/proc/%d/mem", sibling);
        int fd = open(p, O_WRONLY);
        if (fd < 0) return -1;
        /* escaped: prove it by writing into the sibling's copy of a known page */
        return pwrite(fd, "Z", 1, (off_t)(uintptr_t)&target_byte);
    }
    if (!strcmp(name, "process_vm_writev")) {
        struct iovec l = {&c, 1}, r = {&target_byte, 1};
        return process_vm_writev(sibling, &l, 1, &r, 1, 0);
    }
    if (!strcmp(name, "process_vm_readv")) {
        struct iovec l = {&c, 1}, r = {&target_byte, 1};
        return process_vm_readv(sibling, &l, 1, &r, 1, 0);
    }
    if (!strcmp(name, "pidfd_getfd")) {
        long pfd = syscall(SYS_pidfd_open, sibling, 0);
        if (pfd < 0) return pfd;
        return syscall(SYS_pidfd_getfd, pfd, 1, 0);
    }
    if (!strcmp(name, "kcmp")) return syscall(SYS_kcmp, getpid(), sibling, 0 /* KCMP_FILE */, 1, 1);
    if (!strcmp(name, "bpf")) {
        char attr[128]; memset(attr, 0, sizeof attr);
        return syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);
    }
    if (!strcmp(name, "perf_event_open")) {
        struct perf_event_attr pa; memset(&pa, 0, sizeof pa);
        pa.type = PERF_TYPE_SOFTWARE; pa.size = sizeof pa; pa.config = PERF_COUNT_SW_CPU_CLOCK;
        pa.exclude_kernel = 1; pa.exclude_hv = 1;
        return syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);
    }
    if (!strcmp(name, "userfaultfd_user_mode_only")) return syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
    if (!strcmp(name, "io_uring_setup")) {
        char params[120]; memset(params, 0, sizeof params);
        return syscall(SYS_io_uring_setup, 8, params);
    }
    if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "palisade-probe", "x", 1, -2 /* process keyring */);
    if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 1);
    if (!strcmp(name, "request_key")) return syscall(SYS_request_key, "user", "palisade-probe", NULL, 0);
    if (!strcmp(name, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
    if (!strcmp(name, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
    if (!strcmp(name, "finit_module")) return syscall(SYS_finit_module, 0, "", 0);
    if (!strcmp(name, "delete_module")) return syscall(SYS_delete_module, "palisade_probe", 0);
    if (!strcmp(name, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL); /* bad magic: harmless */
    if (!strcmp(name, "swapon")) return syscall(SYS_swapon, "/nonexistent", 0);
    if (!strcmp(name, "acct")) return syscall(SYS_acct, NULL);
    if (!strcmp(name, "personality_read_implies_exec")) return syscall(SYS_personality, READ_IMPLIES_EXEC);
    if (!strcmp(name, "personality_highbits")) return syscall(SYS_personality, 0x100000000UL | READ_IMPLIES_EXEC);
    if (!strcmp(name, "personality_query")) return syscall(SYS_personality, 0xffffffffUL);
    if (!strcmp(name, "personality_default")) return syscall(SYS_personality, 0UL);
    if (!strcmp(name, "open_by_handle_at")) {
        char h[136]; memset(h, 0, sizeof h); *(unsigned int *)h = 128;
        return syscall(SYS_open_by_handle_at, AT_FDCWD, h, O_RDONLY);
    }
    if (!strcmp(name, "name_to_handle_at")) {
        char h[136]; int mid; memset(h, 0, sizeof h); *(unsigned int *)h = 128;
        return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", h, &mid, 0);
    }
    if (!strcmp(name, "socket_inet")) return socket(AF_INET, SOCK_STREAM, 0);
    if (!strcmp(name, "socket_inet6")) return socket(AF_INET6, SOCK_DGRAM, 0);
    if (!strcmp(name, "socket_unix_connect_host")) return use_unix_socket(socket(AF_UNIX, SOCK_STREAM, 0), 0);
    if (!strcmp(name, "socket_unix_dgram_sendto_host")) return use_unix_socket(socket(AF_UNIX, SOCK_DGRAM, 0), 1);
    if (!strcmp(name, "socket_unix_highbits"))
        return use_unix_socket(syscall(SYS_socket, 0xdead000100000001UL, SOCK_STREAM, 0), 0);
    if (!strcmp(name, "socket_netlink")) return socket(AF_NETLINK, SOCK_RAW, 0 /* NETLINK_ROUTE */);
    if (!strcmp(name, "socket_packet")) return socket(AF_PACKET, SOCK_DGRAM, 0);
    if (!strcmp(name, "socket_vsock")) return socket(AF_VSOCK, SOCK_STREAM, 0);
    if (!strcmp(name, "socketcall_i386_unix")) {
        long args = low_mem_args(AF_UNIX, SOCK_STREAM, 0);
        if (args < 0) return -1;
        return use_unix_socket(int80(102 /* socketcall */, 1 /* SYS_SOCKET */, args, 0), 0);
    }
    if (!strcmp(name, "socket_i386_unix")) return use_unix_socket(int80(359 /* i386 socket */, AF_UNIX, SOCK_STREAM, 0), 0);
    if (!strcmp(name, "socket_x32_unix")) return use_unix_socket(syscall(0x40000000L | SYS_socket, AF_UNIX, SOCK_STREAM, 0), 0);
    if (!strcmp(name, "socketpair_unix_dgram_sendto_host")) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) return -1;
        return use_unix_socket(sv[0], 1);
    }
    if (!strcmp(name, "socketpair_unix_stream")) {
        int sv[2];
        return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
    }
    if (!strcmp(name, "socketpair_unix_stream_sendto_host")) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -1;
        struct sockaddr_un a = unix_addr(stream_path);
        return sendto(sv[0], "escape", 6, 0, (struct sockaddr *)&a, sizeof a);
    }
    if (!strcmp(name, "socketpair_unix_stream_connect_host")) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return -1;
        struct sockaddr_un a = unix_addr(stream_path);
        return connect(sv[0], (struct sockaddr *)&a, sizeof a);
    }
    if (!strcmp(name, "ioctl_tiocsti")) return ioctl(0, TIOCSTI, &c);
    if (!strcmp(name, "ioctl_tiocsti_highbits")) return syscall(SYS_ioctl, 0, 0xdeadbeef00000000UL | TIOCSTI, &c);
    if (!strcmp(name, "ioctl_tioclinux")) return syscall(SYS_ioctl, 0, 0xffffffff00000000UL | TIOCLINUX, &c);
    errno = EINVAL;
    return -2;
}

static const char *probes[] = {
    "unshare_user", "unshare_net", "unshare_mount", "clone_newuser", "clone_newuser_highbits",
    "clone3_newuser", "clone3_plain", "setns", "fsopen", "open_tree",
    "open_tree_attr", "chroot", "ptrace_attach_pid1", "ptrace_traceme",
    "proc_mem_write_pid1", "proc_mem_write_sibling", "process_vm_writev", "process_vm_readv",
    "pidfd_getfd", "kcmp", "bpf", "perf_event_open", "userfaultfd_user_mode_only", "io_uring_setup",
    "add_key", "keyctl", "request_key", "kexec_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "acct", "personality_read_implies_exec", "personality_highbits",
    "personality_query", "personality_default", "open_by_handle_at", "name_to_handle_at",
    "socket_inet", "socket_inet6", "socket_unix_connect_host", "socket_unix_dgram_sendto_host",
    "socket_unix_highbits", "socket_netlink", "socket_packet", "socket_vsock",
    "socketcall_i386_unix", "socket_i386_unix", "socket_x32_unix",
    "socketpair_unix_dgram_sendto_host", "socketpair_unix_stream",
    "socketpair_unix_stream_sendto_host", "socketpair_unix_stream_connect_host",
    "ioctl_tiocsti", "ioctl_tiocsti_highbits", "ioctl_tioclinux",
    /* last: when they succeed (no filter, as root) they change the sandbox's shared mount table */
    "mount", "umount2", "pivot_root", NULL
};

int main(int argc, char **argv) {
    if (argc > 1 && !strcmp(argv[1], "--ia32")) { /* does int 0x80 reach the kernel? (host side) */
        pid_t p = fork();
        if (p == 0) { _exit(int80(20 /* i386 getpid */, 0, 0, 0) > 0 ? 0 : 1); }
        int st = 0;
        waitpid(p, &st, 0);
        printf("%s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
        return 0;
    }
    if (argc > 1) stream_path = argv[1];
    if (argc > 2) dgram_path = argv[2];
    setvbuf(stdout, NULL, _IOLBF, 0);
    sibling = fork();
    if (sibling == 0) { for (;;) pause(); }
    if (sibling < 0) { perror("fork"); return 2; }
    for (int i = 0; probes[i]; i++) {
        printf("%s\t", probes[i]);
        fflush(stdout);
        pid_t p = fork();
        if (p == 0) {
            alarm(5);
            long rc = do_probe(probes[i]);
            report(rc);
            _exit(0);
        }
        int st = 0;
        if (p < 0 || waitpid(p, &st, 0) < 0) { printf("PROBE_FAILED\n"); continue; }
        if (WIFSIGNALED(st)) printf("SIGNAL:%d\n", WTERMSIG(st));
    }
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    return 0;
}
