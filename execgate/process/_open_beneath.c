/* execgate-open: opens a command's redirection targets beneath the workspace, then runs it.
 *
 *   execgate-open ROOT SPEC... -- PROGRAM ARG...
 *
 * Each SPEC is applied in order, as a shell applies a command's redirections:
 *   N<PATH  N>PATH  N>>PATH   open PATH (read; write, create, truncate; append, create) on fd N
 *   N>&M                       make fd N a copy of fd M
 *   N>&-                       close fd N
 * N and M are 0, 1 or 2, as the gate's shell grammar allows. PATH is relative to ROOT, or
 * exactly /dev/null. It is opened with openat2() from ROOT with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: the gate decided the request on the real path, with
 * every symlink resolved, so a symlink met now was planted after the decision and the open
 * fails instead of following it. Without openat2 (Linux < 5.6) each component is walked with
 * O_NOFOLLOW, to the same effect. On any failure nothing is run: the message goes to stderr and
 * the exit status is 1, as a shell's for a failed redirection.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08

struct how {
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};

static int walk(int root, const char *path, int flags) {
    /* component by component, never following a symlink, never above root */
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(buf, path);
    int dir = dup(root);
    if (dir < 0) return -1;
    char *part = buf, *slash;
    while ((slash = strchr(part, '/')) != NULL) {
        *slash = '\0';
        if (part[0] == '\0' || strcmp(part, ".") == 0) {
            part = slash + 1;
            continue;
        }
        if (strcmp(part, "..") == 0) {
            close(dir);
            errno = EXDEV;
            return -1;
        }
        int next = openat(dir, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(dir);
        if (next < 0) return -1;
        dir = next;
        part = slash + 1;
    }
    if (strcmp(part, "..") == 0 || part[0] == '\0') {
        close(dir);
        errno = EXDEV;
        return -1;
    }
    int fd = openat(dir, part, flags | O_NOFOLLOW, 0666);
    int saved = errno;
    close(dir);
    errno = saved;
    return fd;
}

static int open_beneath(int root, const char *path, int flags) {
    if (strcmp(path, "/dev/null") == 0) return open(path, flags | O_NOFOLLOW, 0666);
    if (path[0] == '/') {
        errno = EXDEV;
        return -1;
    }
    struct how how = {(uint64_t)flags, 0666, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    if (!(flags & O_CREAT)) how.mode = 0;
    long fd = syscall(SYS_openat2, root, path, &how, sizeof how);
    if (fd < 0 && (errno == ENOSYS || errno == E2BIG)) return walk(root, path, flags);
    return (int)fd;
}

static int fail(const char *what, const char *path) {
    fprintf(stderr, "execgate: cannot %s %s: %s\n", what, path,
            errno == ELOOP ? "a symlink appeared after the request was decided"
            : errno == EXDEV ? "it leads outside the workspace"
            : strerror(errno));
    return 1;
}

static int number(const char *s, const char **end) {
    long n = 0;
    const char *p = s;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9' && n < 1024) n = n * 10 + (*p++ - '0');
    *end = p;
    return n <= 2 ? (int)n : -1; /* only the standard descriptors */
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: execgate-open ROOT SPEC... -- PROGRAM ARG...\n");
        return 2;
    }
    int root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) return fail("open the workspace", argv[1]);
    /* the root's own descriptor must not collide with a target descriptor */
    if (root < 64) {
        int high = fcntl(root, F_DUPFD_CLOEXEC, 64);
        if (high < 0) return fail("open the workspace", argv[1]);
        close(root);
        root = high;
    }
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        const char *spec = argv[i], *p;
        int fd = number(spec, &p);
        if (fd < 0 || fd == root) {
            fprintf(stderr, "execgate-open: bad descriptor in %s\n", spec);
            return 2;
        }
        if (strncmp(p, ">&", 2) == 0) {
            const char *q;
            if (strcmp(p + 2, "-") == 0) {
                close(fd);
                continue;
            }
            int from = number(p + 2, &q);
            if (from < 0 || *q != '\0' || from == root) {
                fprintf(stderr, "execgate-open: bad copy in %s\n", spec);
                return 2;
            }
            if (from != fd && dup2(from, fd) < 0) return fail("copy descriptor", p + 2);
            continue;
        }
        int flags;
        const char *path;
        if (strncmp(p, ">>", 2) == 0) {
            flags = O_WRONLY | O_CREAT | O_APPEND;
            path = p + 2;
        } else if (p[0] == '>') {
            flags = O_WRONLY | O_CREAT | O_TRUNC;
            path = p + 1;
        } else if (p[0] == '<') {
            flags = O_RDONLY;
            path = p + 1;
        } else {
            fprintf(stderr, "execgate-open: bad redirection %s\n", spec);
            return 2;
        }
        int opened = open_beneath(root, path, flags);
        if (opened < 0) return fail(flags == O_RDONLY ? "read" : "write", path);
        if (opened != fd) {
            if (dup2(opened, fd) < 0) return fail("copy descriptor", path);
            close(opened);
        }
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "execgate-open: no program after --\n");
        return 2;
    }
    close(root);
    execv(argv[i + 1], argv + i + 1);
    fprintf(stderr, "execgate: cannot run %s: %s\n", argv[i + 1], strerror(errno));
    return errno == ENOENT ? 127 : 126;
}
