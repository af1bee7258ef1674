/* SPDX-License-Identifier: MIT */
/*
 * open_equiv.c — the per-flag open equivalence table of issue 4: every open
 * the supervisor performs on a sandboxed process's behalf must behave
 * exactly as the kernel's own open would. This program performs a table of
 * opens with raw system calls (built with -static: no libc wrapper and no
 * preloaded shim sits between it and the kernel) and prints, for each, one
 * line of everything observable about the result. tests/integration/
 * test_open_equiv.sh runs it natively and inside `aigate run` and compares
 * the two outputs line by line: any difference is a supervisor bug.
 *
 * Usage: open_equiv SCRATCH [FILTER]     run the cases
 *        open_equiv --list [FILTER]      print the case names only
 *   SCRATCH is an absolute directory (created when missing); each case gets
 *   SCRATCH/<case>, a fresh copy of the fixture below, as its working
 *   directory. FILTER keeps the cases of one family ("creat", "excl", …) or
 *   the one case of that name; "all" or nothing runs every case.
 *
 * Each case runs in a child process of its own (umask, rlimits, fds and the
 * working directory stay private to it) and prints exactly one line:
 *   NAME RESULT [key=value…]
 * RESULT is "ok" or the errno's name. On success the line shows the fd
 * number relative to the lowest free one before the call (the kernel always
 * returns the lowest: an injected fd must too), fstat's type, permission
 * bits, link count, owner (self/other) and size, F_GETFL decoded, F_GETFD's
 * FD_CLOEXEC, the file position, what read() and write() do, and for some
 * cases what a follow-up call (linkat of an O_TMPFILE, fchdir) does. On
 * failure it shows whether an fd was left behind ("leak="). "check=" shows
 * a file's state after the case (stat without following, then contents).
 * Lines hold no inode numbers, times, pids or paths: two runs on two
 * scratch directories print the same text.
 *
 * The fixture (every case directory, modes set with umask 0):
 *   file 0644 "hello\n"      ro 0444 "read-only\n"    none 0000 "no-access\n"
 *   gone 0644 "gone\n"       dir/ 0755 + dir/inner 0644 "inner\n"
 *   rodir/ 0555              nosearch/ 0600 + nosearch/x     sgid/ 02775
 *   acl/ 0755                sub/ 0755 + sub/f 0644 "sub-f\n"
 *   sub/link-up -> ../file   sub/rootlink -> /f      sub/todir -> ../dir
 *   link -> file             dangling -> missing     dirlink -> dir
 *   loop1 -> loop2 -> loop1  fifo (0644)
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef O_TMPFILE_BIT
#define O_TMPFILE_BIT 020000000 /* __O_TMPFILE: O_TMPFILE without O_DIRECTORY */
#endif
#define O_SYNC_BIT 04000000 /* __O_SYNC: O_SYNC without O_DSYNC */
/* The kernel's O_LARGEFILE, which it adds to every open on 64-bit
 * architectures (glibc defines O_LARGEFILE as 0 there). */
#if defined(__aarch64__) || defined(__arm__)
#define K_O_LARGEFILE 0400000
#elif defined(__x86_64__) || defined(__i386__)
#define K_O_LARGEFILE 0100000
#else
#define K_O_LARGEFILE 0 /* elsewhere it shows as an octal bit */
#endif

/* ---- the table ------------------------------------------------------------ */

enum call {
	C_OPENAT = 0, /* openat(dirfd, path, flags, mode) */
	C_OPEN,	      /* open(path, flags, mode) */
	C_CREAT,      /* creat(path, mode) */
	C_OPENAT2,    /* openat2(dirfd, path, &how, size) */
};

enum dirfd_kind {
	D_CWD = 0,  /* AT_FDCWD */
	D_SUB,	    /* "sub" opened O_RDONLY|O_DIRECTORY */
	D_SUB_PATH, /* "sub" opened O_PATH|O_DIRECTORY */
	D_FILE,	    /* "file": not a directory */
	D_BAD,	    /* a number that is no open fd */
	D_PRE,	    /* the case's pre-opened fd */
};

enum path_kind {
	P_REL = 0,	  /* path as written ("@" = the pre-opened fd, "%p" = getpid()) */
	P_ABS,		  /* the case directory's absolute path + "/" + path */
	P_PROC_ROOT,	  /* "/proc/self/root" + the absolute path */
	P_NULL,		  /* a NULL pointer */
	P_BADPTR,	  /* an unmapped address */
	P_PAGE_END_OK,	  /* path, its NUL the last byte before an unmapped page */
	P_PAGE_END_NONUL, /* path without NUL, running into an unmapped page */
	P_NAME255,	  /* a 255-byte name (NAME_MAX) */
	P_NAME256,	  /* a 256-byte name */
	P_LEN4095,	  /* a 4095-byte path to "file" (PATH_MAX with its NUL) */
	P_LEN4096,	  /* a 4096-byte path to "file" */
};

enum how_kind {
	HOW_NORMAL = 0,	  /* struct open_how on the stack, zero beyond its 24 bytes */
	HOW_NONZERO_TAIL, /* a non-zero byte after the 24 known bytes */
	HOW_NULL,	  /* a NULL pointer */
	HOW_PAGE_END,	  /* the 24 bytes end where an unmapped page starts */
};

enum pre_kind {
	PRE_NONE = 0,
	PRE_RDONLY,    /* "file" O_RDONLY */
	PRE_WRONLY,    /* "file" O_WRONLY */
	PRE_CLOEXEC,   /* "file" O_RDONLY|O_CLOEXEC */
	PRE_PATH,      /* "file" O_PATH */
	PRE_PATH_NONE, /* "none" (mode 000) O_PATH */
	PRE_PATH_LINK, /* "link" O_PATH|O_NOFOLLOW: the symlink itself */
	PRE_DIR,       /* "dir" O_RDONLY|O_DIRECTORY */
	PRE_PIPE,      /* the read end of a pipe */
	PRE_DELETED,   /* "gone" O_RDWR, then unlinked */
	PRE_TMPFILE,   /* an O_TMPFILE in "." holding "tmp\n" */
};

enum prep_flag {
	PREP_UMASK0 = 1 << 0,	   /* umask 0 instead of 027 */
	PREP_UMASK077 = 1 << 1,	   /* umask 077 instead of 027 */
	PREP_RLIMIT_FULL = 1 << 2, /* RLIMIT_NOFILE = the lowest free fd: no fd left */
	PREP_RLIMIT_ONE = 1 << 3,  /* RLIMIT_NOFILE = lowest free + 1: exactly one left */
	PREP_HOLE = 1 << 4,	   /* three fds opened, the middle one closed */
	PREP_STDIN = 1 << 5,	   /* "file" O_RDONLY as fd 0 */
	PREP_FIFO_READER = 1 << 6, /* "fifo" open O_RDONLY|O_NONBLOCK in this process */
	PREP_FIFO_PEER = 1 << 7,   /* a child opens "fifo" O_RDONLY (blocking), reads 1 byte */
	PREP_ACL = 1 << 8,	   /* default ACL u::rwx,g::rwx,o::--- on "acl" */
	PREP_HIGHFD = 1 << 9,	   /* fd 60 open */
	PREP_CLOSE0 = 1 << 10,	   /* fd 0 closed */
};

enum post_flag {
	POST_SEEK0 = 1 << 0,	    /* lseek(fd, 0, SEEK_SET) before the write */
	POST_LINKAT_PROC = 1 << 1,  /* linkat("/proc/self/fd/N", "linked", AT_SYMLINK_FOLLOW) */
	POST_LINKAT_EMPTY = 1 << 2, /* linkat(fd, "", "linked", AT_EMPTY_PATH) */
	POST_FCHDIR = 1 << 3,	    /* fchdir(fd) (check= is then relative to it) */
	POST_NOREAD = 1 << 4,	    /* no read(): contents differ between runs */
};

struct open_case {
	const char *name;
	const char *family;
	enum call call;
	enum dirfd_kind dir;
	enum path_kind pk;
	const char *path;
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;  /* openat2 */
	long how_size;	   /* openat2: 0 = sizeof(struct open_how), -1 = 0 */
	enum how_kind how; /* openat2 */
	enum pre_kind pre;
	unsigned prep;
	unsigned post;
	const char *write; /* written after the open (and the read) */
	const char *check; /* a path whose state is shown afterwards */
};

#define RD O_RDONLY
#define WR O_WRONLY
#define RW O_RDWR

/* clang-format off */
static const struct open_case cases[] = {
	/* ---- O_CREAT: mode, umask 027, every entry point -------------------- */
	{ "creat_openat_0666", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 0666, .write = "W", .check = "new" },
	{ "creat_open_0777", "creat", C_OPEN, .path = "new", .flags = O_CREAT | RW, .mode = 0777, .write = "W", .check = "new" },
	{ "creat_syscall_new", "creat", C_CREAT, .path = "new", .mode = 0666, .write = "W", .check = "new" },
	{ "creat_syscall_existing", "creat", C_CREAT, .path = "file", .mode = 0600, .write = "W", .check = "file" },
	{ "creat_openat2_0666", "creat", C_OPENAT2, .path = "new", .flags = O_CREAT | RW, .mode = 0666, .write = "W", .check = "new" },
	{ "creat_dirfd", "creat", .dir = D_SUB, .path = "new", .flags = O_CREAT | WR, .mode = 0644, .check = "sub/new" },
	{ "creat_dirfd_path", "creat", .dir = D_SUB_PATH, .path = "new", .flags = O_CREAT | WR, .mode = 0644, .check = "sub/new" },
	{ "creat_abs", "creat", .pk = P_ABS, .path = "new", .flags = O_CREAT | WR, .mode = 0644, .check = "new" },
	{ "creat_abs_open", "creat", C_OPEN, .pk = P_ABS, .path = "new", .flags = O_CREAT | WR, .mode = 0666, .check = "new" },
	{ "creat_rdonly", "creat", .path = "new", .flags = O_CREAT | RD, .mode = 0666, .write = "W", .check = "new" },
	{ "creat_umask0", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 0666, .prep = PREP_UMASK0, .check = "new" },
	{ "creat_umask077", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 0666, .prep = PREP_UMASK077, .check = "new" },
	{ "creat_umask0_creat", "creat", C_CREAT, .path = "new", .mode = 0777, .prep = PREP_UMASK0, .check = "new" },
	{ "creat_umask077_openat2", "creat", C_OPENAT2, .path = "new", .flags = O_CREAT | WR, .mode = 0777, .prep = PREP_UMASK077, .check = "new" },
	{ "creat_mode_setuid", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 04777, .check = "new" },
	{ "creat_mode_setgid", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 02777, .check = "new" },
	{ "creat_mode_sticky", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 01777, .check = "new" },
	{ "creat_mode_high_bits", "creat", .path = "new", .flags = O_CREAT | WR, .mode = 0170666, .check = "new" },
	{ "creat_mode_zero", "creat", .path = "new", .flags = O_CREAT | RW, .mode = 0, .write = "W", .check = "new" },
	{ "creat_sgid_dir", "creat", .path = "sgid/new", .flags = O_CREAT | WR, .mode = 02777, .check = "sgid/new" },
	{ "creat_default_acl", "creat", .path = "acl/new", .flags = O_CREAT | WR, .mode = 0666, .prep = PREP_ACL, .check = "acl/new" },
	{ "creat_default_acl_openat2", "creat", C_OPENAT2, .path = "acl/new", .flags = O_CREAT | WR, .mode = 0777, .prep = PREP_ACL, .check = "acl/new" },
	{ "creat_existing_keeps_mode", "creat", .path = "file", .flags = O_CREAT | RW, .mode = 0600, .check = "file" },
	{ "creat_existing_ro", "creat", .path = "ro", .flags = O_CREAT | WR, .mode = 0666, .check = "ro" },
	{ "creat_existing_none_rdonly", "creat", .path = "none", .flags = O_CREAT | RD, .mode = 0666, .check = "none" },
	{ "creat_in_rodir", "creat", .path = "rodir/new", .flags = O_CREAT | WR, .mode = 0666, .check = "rodir/new" },
	{ "creat_on_dir", "creat", .path = "dir", .flags = O_CREAT | RD, .mode = 0666 },
	{ "creat_trailing_slash", "creat", .path = "new/", .flags = O_CREAT | WR, .mode = 0666, .check = "new" },
	{ "creat_in_missing_dir", "creat", .path = "missing/new", .flags = O_CREAT | WR, .mode = 0666 },
	{ "creat_through_dangling", "creat", .path = "dangling", .flags = O_CREAT | WR, .mode = 0666, .write = "W", .check = "missing" },
	{ "creat_through_dangling_creat", "creat", C_CREAT, .path = "dangling", .mode = 0600, .check = "missing" },
	{ "creat_through_link", "creat", .path = "link", .flags = O_CREAT | WR, .mode = 0600, .write = "W", .check = "file" },
	{ "creat_dotdot", "creat", .path = "dir/../new", .flags = O_CREAT | WR, .mode = 0666, .check = "new" },
	{ "creat_name255", "creat", .pk = P_NAME255, .flags = O_CREAT | WR, .mode = 0666 },
	{ "creat_name256", "creat", .pk = P_NAME256, .flags = O_CREAT | WR, .mode = 0666 },
	{ "creat_fifo_existing", "creat", .path = "fifo", .flags = O_CREAT | RD | O_NONBLOCK, .mode = 0666, .check = "fifo" },

	/* ---- O_EXCL ----------------------------------------------------------- */
	{ "excl_new", "excl", .path = "new", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .write = "W", .check = "new" },
	{ "excl_existing", "excl", .path = "file", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "file" },
	{ "excl_existing_trunc", "excl", .path = "file", .flags = O_CREAT | O_EXCL | O_TRUNC | WR, .mode = 0644, .check = "file" },
	{ "excl_existing_none", "excl", .path = "none", .flags = O_CREAT | O_EXCL | RD, .mode = 0644 },
	{ "excl_dangling", "excl", .path = "dangling", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "missing" },
	{ "excl_link", "excl", .path = "link", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "link" },
	{ "excl_dir", "excl", .path = "dir", .flags = O_CREAT | O_EXCL | RD, .mode = 0644 },
	{ "excl_fifo", "excl", .path = "fifo", .flags = O_CREAT | O_EXCL | RD, .mode = 0644 },
	{ "excl_without_creat", "excl", .path = "file", .flags = O_EXCL | RD },
	{ "excl_trailing_slash", "excl", .path = "new/", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "new" },
	{ "excl_open_existing", "excl", C_OPEN, .path = "file", .flags = O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "excl_open_new", "excl", C_OPEN, .path = "new", .flags = O_CREAT | O_EXCL | RW, .mode = 0600, .check = "new" },
	{ "excl_openat2_existing", "excl", C_OPENAT2, .path = "file", .flags = O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "excl_openat2_new", "excl", C_OPENAT2, .path = "new", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "new" },
	{ "excl_abs_existing", "excl", .pk = P_ABS, .path = "file", .flags = O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "excl_dirfd_new", "excl", .dir = D_SUB, .path = "new", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .check = "sub/new" },
	{ "excl_dirfd_existing", "excl", .dir = D_SUB, .path = "f", .flags = O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "excl_dirfd_dangling_up", "excl", .dir = D_SUB, .path = "link-up", .flags = O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "excl_in_rodir_existing", "excl", .path = "rodir/..", .flags = O_CREAT | O_EXCL | RD, .mode = 0644 },

	/* ---- O_TMPFILE --------------------------------------------------------- */
	{ "tmpfile_rdwr", "tmpfile", .path = ".", .flags = O_TMPFILE | RW, .mode = 0666, .write = "T" },
	{ "tmpfile_wronly_dir", "tmpfile", .path = "dir", .flags = O_TMPFILE | WR, .mode = 0600, .write = "T" },
	{ "tmpfile_rdonly", "tmpfile", .path = ".", .flags = O_TMPFILE | RD, .mode = 0600 },
	{ "tmpfile_on_file", "tmpfile", .path = "file", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_missing", "tmpfile", .path = "missing", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_with_creat", "tmpfile", .path = ".", .flags = O_TMPFILE | O_CREAT | RW, .mode = 0600 },
	{ "tmpfile_with_path", "tmpfile", .path = ".", .flags = O_TMPFILE | O_PATH, .mode = 0600 },
	{ "tmpfile_rodir", "tmpfile", .path = "rodir", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_via_dirlink", "tmpfile", .path = "dirlink", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_nofollow_dirlink", "tmpfile", .path = "dirlink", .flags = O_TMPFILE | O_NOFOLLOW | RW, .mode = 0600 },
	{ "tmpfile_linkat_proc", "tmpfile", .path = ".", .flags = O_TMPFILE | RW, .mode = 0644, .write = "T", .post = POST_LINKAT_PROC, .check = "linked" },
	{ "tmpfile_linkat_empty", "tmpfile", .path = ".", .flags = O_TMPFILE | RW, .mode = 0644, .write = "T", .post = POST_LINKAT_EMPTY, .check = "linked" },
	{ "tmpfile_excl_linkat_proc", "tmpfile", .path = ".", .flags = O_TMPFILE | O_EXCL | RW, .mode = 0644, .post = POST_LINKAT_PROC, .check = "linked" },
	{ "tmpfile_excl_linkat_empty", "tmpfile", .path = ".", .flags = O_TMPFILE | O_EXCL | RW, .mode = 0644, .post = POST_LINKAT_EMPTY, .check = "linked" },
	{ "tmpfile_openat2", "tmpfile", C_OPENAT2, .path = ".", .flags = O_TMPFILE | RW, .mode = 0640, .write = "T" },
	{ "tmpfile_openat2_no_mode", "tmpfile", C_OPENAT2, .path = ".", .flags = O_TMPFILE | RW, .write = "T" },
	{ "tmpfile_openat2_linkat", "tmpfile", C_OPENAT2, .path = ".", .flags = O_TMPFILE | WR, .mode = 0666, .write = "T", .post = POST_LINKAT_PROC, .check = "linked" },
	{ "tmpfile_dirfd", "tmpfile", .dir = D_SUB, .path = ".", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_abs", "tmpfile", .pk = P_ABS, .path = "dir", .flags = O_TMPFILE | RW, .mode = 0600 },
	{ "tmpfile_open", "tmpfile", C_OPEN, .path = ".", .flags = O_TMPFILE | RW, .mode = 0777 },
	{ "tmpfile_umask0", "tmpfile", .path = ".", .flags = O_TMPFILE | RW, .mode = 0666, .prep = PREP_UMASK0 },
	{ "tmpfile_mode_setgid_sgid_dir", "tmpfile", .path = "sgid", .flags = O_TMPFILE | RW, .mode = 02777 },
	{ "tmpfile_default_acl", "tmpfile", .path = "acl", .flags = O_TMPFILE | RW, .mode = 0666, .prep = PREP_ACL },
	{ "tmpfile_cloexec", "tmpfile", .path = ".", .flags = O_TMPFILE | RW | O_CLOEXEC, .mode = 0600 },

	/* ---- O_PATH ------------------------------------------------------------ */
	{ "path_file", "path", .path = "file", .flags = O_PATH, .write = "W", .check = "file" },
	{ "path_none", "path", .path = "none", .flags = O_PATH },
	{ "path_dir", "path", .path = "dir", .flags = O_PATH },
	{ "path_fifo", "path", .path = "fifo", .flags = O_PATH },
	{ "path_rdwr_ignored", "path", .path = "ro", .flags = O_PATH | RW, .write = "W", .check = "ro" },
	{ "path_creat_ignored", "path", .path = "new", .flags = O_PATH | O_CREAT | WR, .mode = 0644, .check = "new" },
	{ "path_trunc_ignored", "path", .path = "file", .flags = O_PATH | O_TRUNC | WR, .check = "file" },
	{ "path_append_ignored", "path", .path = "file", .flags = O_PATH | O_APPEND | O_NONBLOCK },
	{ "path_follows_link", "path", .path = "link", .flags = O_PATH },
	{ "path_nofollow_link", "path", .path = "link", .flags = O_PATH | O_NOFOLLOW },
	{ "path_nofollow_dangling", "path", .path = "dangling", .flags = O_PATH | O_NOFOLLOW },
	{ "path_dangling", "path", .path = "dangling", .flags = O_PATH },
	{ "path_loop", "path", .path = "loop1", .flags = O_PATH },
	{ "path_nofollow_loop", "path", .path = "loop1", .flags = O_PATH | O_NOFOLLOW },
	{ "path_nosearch", "path", .path = "nosearch/x", .flags = O_PATH },
	{ "path_open", "path", C_OPEN, .path = "file", .flags = O_PATH },
	{ "path_openat2", "path", C_OPENAT2, .path = "file", .flags = O_PATH },
	{ "path_openat2_rdwr", "path", C_OPENAT2, .path = "file", .flags = O_PATH | RW },
	{ "path_openat2_creat", "path", C_OPENAT2, .path = "new", .flags = O_PATH | O_CREAT, .mode = 0644, .check = "new" },
	{ "path_openat2_nofollow_link", "path", C_OPENAT2, .path = "link", .flags = O_PATH | O_NOFOLLOW },
	{ "path_dirfd_path", "path", .dir = D_SUB_PATH, .path = "f", .flags = RD },
	{ "path_dirfd_path_dotdot", "path", .dir = D_SUB_PATH, .path = "../file", .flags = RD },
	{ "path_fchdir", "path", .path = "dir", .flags = O_PATH | O_DIRECTORY, .post = POST_FCHDIR, .check = "inner" },
	{ "path_abs", "path", .pk = P_ABS, .path = "none", .flags = O_PATH },

	/* ---- O_DIRECTORY ------------------------------------------------------- */
	{ "directory_dir", "directory", .path = "dir", .flags = O_DIRECTORY | RD },
	{ "directory_file", "directory", .path = "file", .flags = O_DIRECTORY | RD },
	{ "directory_dirlink", "directory", .path = "dirlink", .flags = O_DIRECTORY | RD },
	{ "directory_dirlink_nofollow", "directory", .path = "dirlink", .flags = O_DIRECTORY | O_NOFOLLOW | RD },
	{ "directory_link_to_file", "directory", .path = "link", .flags = O_DIRECTORY | RD },
	{ "directory_dangling", "directory", .path = "dangling", .flags = O_DIRECTORY | RD },
	{ "directory_fifo", "directory", .path = "fifo", .flags = O_DIRECTORY | RD },
	{ "directory_creat_new", "directory", .path = "new", .flags = O_CREAT | O_DIRECTORY | RD, .mode = 0755, .check = "new" },
	{ "directory_creat_dir", "directory", .path = "dir", .flags = O_CREAT | O_DIRECTORY | RD, .mode = 0755 },
	{ "directory_creat_excl", "directory", .path = "new", .flags = O_CREAT | O_EXCL | O_DIRECTORY | RD, .mode = 0755, .check = "new" },
	{ "directory_wronly", "directory", .path = "dir", .flags = O_DIRECTORY | WR },
	{ "directory_rdwr", "directory", .path = "dir", .flags = O_DIRECTORY | RW },
	{ "directory_plain_wronly", "directory", .path = "dir", .flags = WR },
	{ "directory_plain_rdwr", "directory", .path = "dir", .flags = RW },
	{ "directory_plain_trunc", "directory", .path = "dir", .flags = RD | O_TRUNC },
	{ "directory_plain_rdonly", "directory", .path = "dir", .flags = RD },
	{ "directory_path_file", "directory", .path = "file", .flags = O_PATH | O_DIRECTORY },
	{ "directory_trailing_slash_file", "directory", .path = "file/", .flags = RD },
	{ "directory_trailing_slash_link", "directory", .path = "link/", .flags = RD },
	{ "directory_trailing_slash_dir", "directory", .path = "dir/", .flags = RD },
	{ "directory_trailing_slash_dirlink", "directory", .path = "dirlink/", .flags = RD },
	{ "directory_nosearch", "directory", .path = "nosearch", .flags = O_DIRECTORY | RD },
	{ "directory_rodir", "directory", .path = "rodir", .flags = O_DIRECTORY | RD },
	{ "directory_open", "directory", C_OPEN, .path = "file", .flags = O_DIRECTORY | RD },
	{ "directory_openat2", "directory", C_OPENAT2, .path = "dir", .flags = O_DIRECTORY | RD },
	{ "directory_openat2_file", "directory", C_OPENAT2, .path = "file", .flags = O_DIRECTORY | RD },
	{ "directory_openat2_creat", "directory", C_OPENAT2, .path = "new", .flags = O_CREAT | O_DIRECTORY | RD, .mode = 0700, .check = "new" },

	/* ---- O_NOFOLLOW -------------------------------------------------------- */
	{ "nofollow_link", "nofollow", .path = "link", .flags = O_NOFOLLOW | RD },
	{ "nofollow_path_link", "nofollow", .path = "link", .flags = O_NOFOLLOW | O_PATH },
	{ "nofollow_dangling", "nofollow", .path = "dangling", .flags = O_NOFOLLOW | RD },
	{ "nofollow_creat_dangling", "nofollow", .path = "dangling", .flags = O_NOFOLLOW | O_CREAT | WR, .mode = 0644, .check = "missing" },
	{ "nofollow_creat_excl_link", "nofollow", .path = "link", .flags = O_NOFOLLOW | O_CREAT | O_EXCL | WR, .mode = 0644 },
	{ "nofollow_creat_link", "nofollow", .path = "link", .flags = O_NOFOLLOW | O_CREAT | WR, .mode = 0644, .check = "file" },
	{ "nofollow_trunc_link", "nofollow", .path = "link", .flags = O_NOFOLLOW | O_TRUNC | WR, .check = "file" },
	{ "nofollow_intermediate", "nofollow", .path = "dirlink/inner", .flags = O_NOFOLLOW | RD },
	{ "nofollow_file", "nofollow", .path = "file", .flags = O_NOFOLLOW | RD },
	{ "nofollow_dir", "nofollow", .path = "dir", .flags = O_NOFOLLOW | RD },
	{ "nofollow_loop", "nofollow", .path = "loop1", .flags = O_NOFOLLOW | RD },
	{ "nofollow_loop_follow", "nofollow", .path = "loop1", .flags = RD },
	{ "nofollow_dirlink_slash", "nofollow", .path = "dirlink/", .flags = O_NOFOLLOW | RD },
	{ "nofollow_dirlink_dot", "nofollow", .path = "dirlink/.", .flags = O_NOFOLLOW | RD },
	{ "nofollow_dirfd_link_up", "nofollow", .dir = D_SUB, .path = "link-up", .flags = O_NOFOLLOW | RD },
	{ "nofollow_dirfd_rootlink", "nofollow", .dir = D_SUB, .path = "rootlink", .flags = O_NOFOLLOW | O_PATH },
	{ "nofollow_abs", "nofollow", .pk = P_ABS, .path = "link", .flags = O_NOFOLLOW | RD },
	{ "nofollow_open", "nofollow", C_OPEN, .path = "link", .flags = O_NOFOLLOW | RD },
	{ "nofollow_openat2", "nofollow", C_OPENAT2, .path = "link", .flags = O_NOFOLLOW | RD },
	{ "nofollow_follow_link", "nofollow", .path = "link", .flags = RD },
	{ "nofollow_follow_dirfd_link_up", "nofollow", .dir = D_SUB, .path = "link-up", .flags = RD },
	{ "nofollow_follow_dirfd_rootlink", "nofollow", .dir = D_SUB, .path = "rootlink", .flags = RD },

	/* ---- O_CLOEXEC --------------------------------------------------------- */
	{ "cloexec_openat", "cloexec", .path = "file", .flags = O_CLOEXEC | RD },
	{ "cloexec_openat_without", "cloexec", .path = "file", .flags = RD },
	{ "cloexec_open", "cloexec", C_OPEN, .path = "file", .flags = O_CLOEXEC | RD },
	{ "cloexec_open_without", "cloexec", C_OPEN, .path = "file", .flags = RW },
	{ "cloexec_openat2", "cloexec", C_OPENAT2, .path = "file", .flags = O_CLOEXEC | RD },
	{ "cloexec_openat2_without", "cloexec", C_OPENAT2, .path = "file", .flags = RD },
	{ "cloexec_creat", "cloexec", C_CREAT, .path = "new", .mode = 0644 },
	{ "cloexec_creat_flag", "cloexec", .path = "new", .flags = O_CREAT | O_CLOEXEC | WR, .mode = 0644 },
	{ "cloexec_path", "cloexec", .path = "file", .flags = O_PATH | O_CLOEXEC },
	{ "cloexec_path_without", "cloexec", .path = "file", .flags = O_PATH },
	{ "cloexec_dir", "cloexec", .path = "dir", .flags = O_DIRECTORY | O_CLOEXEC | RD },
	{ "cloexec_dirfd", "cloexec", .dir = D_SUB, .path = "f", .flags = O_CLOEXEC | RD },
	{ "cloexec_fifo", "cloexec", .path = "fifo", .flags = O_CLOEXEC | O_NONBLOCK | RD },
	{ "cloexec_reopen_of_cloexec", "cloexec", .pk = P_REL, .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_CLOEXEC },
	{ "cloexec_reopen_add", "cloexec", .path = "/proc/self/fd/@", .flags = O_CLOEXEC | RD, .pre = PRE_RDONLY },
	{ "cloexec_emfile", "cloexec", .path = "file", .flags = O_CLOEXEC | RD, .prep = PREP_RLIMIT_FULL },
	{ "cloexec_hole", "cloexec", .path = "file", .flags = O_CLOEXEC | RD, .prep = PREP_HOLE },

	/* ---- O_APPEND ---------------------------------------------------------- */
	{ "append_wronly", "append", .path = "file", .flags = O_APPEND | WR, .write = "W", .check = "file" },
	{ "append_seek0", "append", .path = "file", .flags = O_APPEND | WR, .post = POST_SEEK0, .write = "W", .check = "file" },
	{ "append_rdwr", "append", .path = "file", .flags = O_APPEND | RW, .write = "W", .check = "file" },
	{ "append_rdwr_seek0", "append", .path = "file", .flags = O_APPEND | RW, .post = POST_SEEK0, .write = "W", .check = "file" },
	{ "append_rdonly", "append", .path = "file", .flags = O_APPEND | RD, .write = "W", .check = "file" },
	{ "append_without", "append", .path = "file", .flags = WR, .write = "W", .check = "file" },
	{ "append_creat_new", "append", .path = "new", .flags = O_APPEND | O_CREAT | WR, .mode = 0644, .write = "W", .check = "new" },
	{ "append_trunc", "append", .path = "file", .flags = O_APPEND | O_TRUNC | WR, .write = "W", .check = "file" },
	{ "append_via_link", "append", .path = "link", .flags = O_APPEND | WR, .write = "W", .check = "file" },
	{ "append_open", "append", C_OPEN, .path = "file", .flags = O_APPEND | WR, .write = "W", .check = "file" },
	{ "append_openat2", "append", C_OPENAT2, .path = "file", .flags = O_APPEND | RW, .write = "W", .check = "file" },
	{ "append_dirfd", "append", .dir = D_SUB, .path = "f", .flags = O_APPEND | WR, .write = "W", .check = "sub/f" },
	{ "append_abs", "append", .pk = P_ABS, .path = "file", .flags = O_APPEND | WR, .post = POST_SEEK0, .write = "W", .check = "file" },
	{ "append_ro", "append", .path = "ro", .flags = O_APPEND | WR, .check = "ro" },
	{ "append_fifo_reader", "append", .path = "fifo", .flags = O_APPEND | O_NONBLOCK | WR, .prep = PREP_FIFO_READER, .write = "W" },
	{ "append_dev_null", "append", .path = "/dev/null", .flags = O_APPEND | WR, .write = "W" },

	/* ---- O_TRUNC ----------------------------------------------------------- */
	{ "trunc_wronly", "trunc", .path = "file", .flags = O_TRUNC | WR, .write = "W", .check = "file" },
	{ "trunc_rdwr", "trunc", .path = "file", .flags = O_TRUNC | RW, .write = "W", .check = "file" },
	{ "trunc_rdonly", "trunc", .path = "file", .flags = O_TRUNC | RD, .check = "file" },
	{ "trunc_rdonly_ro", "trunc", .path = "ro", .flags = O_TRUNC | RD, .check = "ro" },
	{ "trunc_wronly_ro", "trunc", .path = "ro", .flags = O_TRUNC | WR, .check = "ro" },
	{ "trunc_none", "trunc", .path = "none", .flags = O_TRUNC | WR, .check = "none" },
	{ "trunc_dir", "trunc", .path = "dir", .flags = O_TRUNC | RD },
	{ "trunc_fifo", "trunc", .path = "fifo", .flags = O_TRUNC | RW },
	{ "trunc_creat_existing", "trunc", .path = "file", .flags = O_CREAT | O_TRUNC | WR, .mode = 0600, .check = "file" },
	{ "trunc_creat_new", "trunc", .path = "new", .flags = O_CREAT | O_TRUNC | WR, .mode = 0600, .check = "new" },
	{ "trunc_excl_new", "trunc", .path = "new", .flags = O_CREAT | O_EXCL | O_TRUNC | RW, .mode = 0666, .check = "new" },
	{ "trunc_via_link", "trunc", .path = "link", .flags = O_TRUNC | WR, .check = "file" },
	{ "trunc_open", "trunc", C_OPEN, .path = "file", .flags = O_TRUNC | RW, .check = "file" },
	{ "trunc_openat2", "trunc", C_OPENAT2, .path = "file", .flags = O_TRUNC | WR, .check = "file" },
	{ "trunc_openat2_rdonly", "trunc", C_OPENAT2, .path = "file", .flags = O_TRUNC | RD, .check = "file" },
	{ "trunc_dirfd", "trunc", .dir = D_SUB, .path = "f", .flags = O_TRUNC | WR, .check = "sub/f" },
	{ "trunc_abs", "trunc", .pk = P_ABS, .path = "file", .flags = O_TRUNC | WR, .check = "file" },
	{ "trunc_emfile", "trunc", .path = "file", .flags = O_TRUNC | WR, .prep = PREP_RLIMIT_FULL, .check = "file" },
	{ "trunc_dev_null", "trunc", .path = "/dev/null", .flags = O_TRUNC | WR },

	/* ---- O_NONBLOCK and FIFOs ---------------------------------------------- */
	{ "nonblock_file", "nonblock", .path = "file", .flags = O_NONBLOCK | RD },
	{ "nonblock_ndelay", "nonblock", .path = "file", .flags = O_NDELAY | RW },
	{ "nonblock_dir", "nonblock", .path = "dir", .flags = O_NONBLOCK | O_DIRECTORY | RD },
	{ "nonblock_fifo_rdonly", "nonblock", .path = "fifo", .flags = O_NONBLOCK | RD },
	{ "nonblock_fifo_wronly_no_reader", "nonblock", .path = "fifo", .flags = O_NONBLOCK | WR },
	{ "nonblock_fifo_wronly_reader", "nonblock", .path = "fifo", .flags = O_NONBLOCK | WR, .prep = PREP_FIFO_READER, .write = "W" },
	{ "nonblock_fifo_rdwr", "nonblock", .path = "fifo", .flags = O_NONBLOCK | RW, .write = "W" },
	{ "nonblock_fifo_rdwr_blocking", "nonblock", .path = "fifo", .flags = RW, .write = "W" },
	{ "nonblock_fifo_blocking_pair", "nonblock", .path = "fifo", .flags = WR, .prep = PREP_FIFO_PEER, .write = "W" },
	{ "nonblock_fifo_via_link_dirfd", "nonblock", .dir = D_SUB, .path = "../fifo", .flags = O_NONBLOCK | WR },
	{ "nonblock_open_fifo", "nonblock", C_OPEN, .path = "fifo", .flags = O_NONBLOCK | WR },
	{ "nonblock_openat2_fifo", "nonblock", C_OPENAT2, .path = "fifo", .flags = O_NONBLOCK | WR },
	{ "nonblock_openat2_fifo_rdonly", "nonblock", C_OPENAT2, .path = "fifo", .flags = O_NONBLOCK | RD },
	{ "nonblock_dev_null", "nonblock", .path = "/dev/null", .flags = O_NONBLOCK | RW, .write = "W" },
	{ "nonblock_fifo_creat", "nonblock", .path = "fifo", .flags = O_NONBLOCK | O_CREAT | WR, .mode = 0644 },

	/* ---- errors ------------------------------------------------------------ */
	{ "errors_enoent", "errors", .path = "missing", .flags = RD },
	{ "errors_enoent_component", "errors", .path = "missing/x", .flags = RD },
	{ "errors_enoent_empty", "errors", .path = "", .flags = RD },
	{ "errors_enoent_empty_dirfd", "errors", .dir = D_SUB, .path = "", .flags = RD },
	{ "errors_enotdir_component", "errors", .path = "file/x", .flags = RD },
	{ "errors_enotdir_dirfd", "errors", .dir = D_FILE, .path = "x", .flags = RD },
	{ "errors_ebadf_dirfd", "errors", .dir = D_BAD, .path = "file", .flags = RD },
	{ "errors_ebadf_dirfd_abs", "errors", .dir = D_BAD, .pk = P_ABS, .path = "file", .flags = RD },
	{ "errors_enametoolong_name", "errors", .pk = P_NAME256, .flags = RD },
	{ "errors_enametoolong_path", "errors", .pk = P_LEN4096, .flags = RD },
	{ "errors_path_max_ok", "errors", .pk = P_LEN4095, .flags = RD },
	{ "errors_enametoolong_openat2", "errors", C_OPENAT2, .pk = P_LEN4096, .flags = RD },
	{ "errors_path_max_ok_openat2", "errors", C_OPENAT2, .pk = P_LEN4095, .flags = RD },
	{ "errors_eacces_read_none", "errors", .path = "none", .flags = RD },
	{ "errors_eacces_write_none", "errors", .path = "none", .flags = WR },
	{ "errors_eacces_write_ro", "errors", .path = "ro", .flags = WR },
	{ "errors_eacces_rdwr_ro", "errors", .path = "ro", .flags = RW },
	{ "errors_eacces_search", "errors", .path = "nosearch/x", .flags = RD },
	{ "errors_eacces_open", "errors", C_OPEN, .path = "none", .flags = RD },
	{ "errors_eacces_openat2", "errors", C_OPENAT2, .path = "none", .flags = RD },
	{ "errors_eacces_creat", "errors", C_CREAT, .path = "ro", .mode = 0644, .check = "ro" },
	{ "errors_efault_null", "errors", .pk = P_NULL, .flags = RD },
	{ "errors_efault_badptr", "errors", .pk = P_BADPTR, .flags = RD },
	{ "errors_efault_page_end", "errors", .pk = P_PAGE_END_NONUL, .path = "file", .flags = RD },
	{ "errors_page_end_ok", "errors", .pk = P_PAGE_END_OK, .path = "file", .flags = RD },
	{ "errors_efault_open", "errors", C_OPEN, .pk = P_BADPTR, .flags = RD },
	{ "errors_efault_creat", "errors", C_CREAT, .pk = P_BADPTR, .mode = 0644 },
	{ "errors_efault_openat2", "errors", C_OPENAT2, .pk = P_BADPTR, .flags = RD },
	{ "errors_page_end_ok_openat2", "errors", C_OPENAT2, .pk = P_PAGE_END_OK, .path = "file", .flags = RD },
	{ "errors_page_end_ok_creat", "errors", C_CREAT, .pk = P_PAGE_END_OK, .path = "new", .mode = 0644, .check = "new" },
	{ "errors_eloop", "errors", .path = "loop1", .flags = RD },
	{ "errors_eloop_component", "errors", .path = "loop1/x", .flags = RD },
	{ "errors_eisdir", "errors", .path = "dir", .flags = WR },
	{ "errors_eisdir_creat", "errors", C_CREAT, .path = "dir", .mode = 0644 },
	{ "errors_enxio_fifo", "errors", .path = "fifo", .flags = O_NONBLOCK | WR },
	{ "errors_emfile", "errors", .path = "file", .flags = RD, .prep = PREP_RLIMIT_FULL },
	{ "errors_emfile_creat", "errors", .path = "new", .flags = O_CREAT | WR, .mode = 0644, .prep = PREP_RLIMIT_FULL, .check = "new" },
	{ "errors_emfile_missing", "errors", .path = "missing", .flags = RD, .prep = PREP_RLIMIT_FULL },
	{ "errors_accmode3", "errors", .path = "file", .flags = O_ACCMODE, .write = "W" },
	{ "errors_accmode3_ro", "errors", .path = "ro", .flags = O_ACCMODE },
	{ "errors_unknown_flag_ignored", "errors", .path = "file", .flags = 04 | RD },
	{ "errors_unknown_high_flag_ignored", "errors", .path = "file", .flags = 0x80000000u | RD },

	/* ---- openat2: struct size, flags and RESOLVE_* -------------------------- */
	{ "openat2_plain", "openat2", C_OPENAT2, .path = "file", .flags = RD },
	{ "openat2_size_zero", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = -1 },
	{ "openat2_size_16", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = 16 },
	{ "openat2_size_32_zero_tail", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = 32 },
	{ "openat2_size_32_nonzero_tail", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = 32, .how = HOW_NONZERO_TAIL },
	{ "openat2_size_page_plus_one", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = 4097 },
	{ "openat2_how_null", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how = HOW_NULL },
	{ "openat2_how_page_end", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how = HOW_PAGE_END },
	{ "openat2_how_page_end_32", "openat2", C_OPENAT2, .path = "file", .flags = RD, .how_size = 32, .how = HOW_PAGE_END },
	{ "openat2_unknown_flag", "openat2", C_OPENAT2, .path = "file", .flags = 04 | RD },
	{ "openat2_upper_flag", "openat2", C_OPENAT2, .path = "file", .flags = (1ULL << 40) | RD },
	{ "openat2_accmode3", "openat2", C_OPENAT2, .path = "file", .flags = O_ACCMODE },
	{ "openat2_mode_without_creat", "openat2", C_OPENAT2, .path = "file", .flags = RD, .mode = 0644 },
	{ "openat2_mode_high_bits", "openat2", C_OPENAT2, .path = "new", .flags = O_CREAT | WR, .mode = 010644, .check = "new" },
	{ "openat2_mode_upper", "openat2", C_OPENAT2, .path = "new", .flags = O_CREAT | WR, .mode = (1ULL << 33) | 0644, .check = "new" },
	{ "openat2_resolve_unknown", "openat2", C_OPENAT2, .path = "file", .flags = RD, .resolve = 0x80 },
	{ "openat2_beneath_in_root", "openat2", C_OPENAT2, .path = "file", .flags = RD, .resolve = RESOLVE_BENEATH | RESOLVE_IN_ROOT },
	{ "openat2_beneath_ok", "openat2", C_OPENAT2, .dir = D_SUB, .path = "f", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_dotdot", "openat2", C_OPENAT2, .dir = D_SUB, .path = "../file", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_dotdot_back", "openat2", C_OPENAT2, .dir = D_SUB, .path = "../sub/f", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_link_up", "openat2", C_OPENAT2, .dir = D_SUB, .path = "link-up", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_rootlink", "openat2", C_OPENAT2, .dir = D_SUB, .path = "rootlink", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_abs", "openat2", C_OPENAT2, .dir = D_SUB, .path = "/f", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_cwd", "openat2", C_OPENAT2, .path = "dir/inner", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_cwd_dotdot", "openat2", C_OPENAT2, .path = "../x", .flags = RD, .resolve = RESOLVE_BENEATH },
	{ "openat2_beneath_magiclink", "openat2", C_OPENAT2, .path = "/proc/self/fd/@", .flags = RD, .resolve = RESOLVE_BENEATH, .pre = PRE_RDONLY },
	{ "openat2_beneath_creat", "openat2", C_OPENAT2, .dir = D_SUB, .path = "new", .flags = O_CREAT | WR, .mode = 0666, .resolve = RESOLVE_BENEATH, .check = "sub/new" },
	{ "openat2_beneath_creat_escape", "openat2", C_OPENAT2, .dir = D_SUB, .path = "../new", .flags = O_CREAT | WR, .mode = 0666, .resolve = RESOLVE_BENEATH, .check = "new" },
	{ "openat2_in_root_abs", "openat2", C_OPENAT2, .dir = D_SUB, .path = "/f", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_dotdot", "openat2", C_OPENAT2, .dir = D_SUB, .path = "../../f", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_rootlink", "openat2", C_OPENAT2, .dir = D_SUB, .path = "rootlink", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_link_up", "openat2", C_OPENAT2, .dir = D_SUB, .path = "link-up", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_todir", "openat2", C_OPENAT2, .dir = D_SUB, .path = "todir/inner", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_cwd", "openat2", C_OPENAT2, .path = "/file", .flags = RD, .resolve = RESOLVE_IN_ROOT },
	{ "openat2_in_root_creat_abs", "openat2", C_OPENAT2, .dir = D_SUB, .path = "/new", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .resolve = RESOLVE_IN_ROOT, .check = "sub/new" },
	{ "openat2_in_root_magiclink", "openat2", C_OPENAT2, .dir = D_SUB, .path = "/proc/self/fd/@", .flags = RD, .resolve = RESOLVE_IN_ROOT, .pre = PRE_RDONLY },
	{ "openat2_no_symlinks_link", "openat2", C_OPENAT2, .path = "link", .flags = RD, .resolve = RESOLVE_NO_SYMLINKS },
	{ "openat2_no_symlinks_intermediate", "openat2", C_OPENAT2, .path = "dirlink/inner", .flags = RD, .resolve = RESOLVE_NO_SYMLINKS },
	{ "openat2_no_symlinks_path_nofollow", "openat2", C_OPENAT2, .path = "link", .flags = O_PATH | O_NOFOLLOW, .resolve = RESOLVE_NO_SYMLINKS },
	{ "openat2_no_symlinks_file", "openat2", C_OPENAT2, .path = "dir/inner", .flags = RD, .resolve = RESOLVE_NO_SYMLINKS },
	{ "openat2_no_symlinks_creat_dangling", "openat2", C_OPENAT2, .path = "dangling", .flags = O_CREAT | WR, .mode = 0644, .resolve = RESOLVE_NO_SYMLINKS, .check = "missing" },
	{ "openat2_no_symlinks_magiclink", "openat2", C_OPENAT2, .path = "/proc/self/fd/@", .flags = RD, .resolve = RESOLVE_NO_SYMLINKS, .pre = PRE_RDONLY },
	{ "openat2_no_magiclinks_fd", "openat2", C_OPENAT2, .path = "/proc/self/fd/@", .flags = RD, .resolve = RESOLVE_NO_MAGICLINKS, .pre = PRE_RDONLY },
	{ "openat2_no_magiclinks_exe", "openat2", C_OPENAT2, .path = "/proc/self/exe", .flags = RD, .resolve = RESOLVE_NO_MAGICLINKS },
	{ "openat2_no_magiclinks_cwd", "openat2", C_OPENAT2, .path = "/proc/self/cwd/file", .flags = RD, .resolve = RESOLVE_NO_MAGICLINKS },
	{ "openat2_no_magiclinks_path_nofollow", "openat2", C_OPENAT2, .path = "/proc/self/fd/@", .flags = O_PATH | O_NOFOLLOW, .resolve = RESOLVE_NO_MAGICLINKS, .pre = PRE_RDONLY },
	{ "openat2_no_magiclinks_symlink", "openat2", C_OPENAT2, .path = "link", .flags = RD, .resolve = RESOLVE_NO_MAGICLINKS },
	{ "openat2_no_magiclinks_proc_self", "openat2", C_OPENAT2, .path = "/proc/self/status", .flags = RD, .resolve = RESOLVE_NO_MAGICLINKS, .post = POST_NOREAD },
	{ "openat2_no_xdev_proc", "openat2", C_OPENAT2, .path = "/proc/version", .flags = RD, .resolve = RESOLVE_NO_XDEV },
	{ "openat2_no_xdev_local", "openat2", C_OPENAT2, .path = "dir/inner", .flags = RD, .resolve = RESOLVE_NO_XDEV },
	{ "openat2_no_xdev_magiclink", "openat2", C_OPENAT2, .path = "/proc/self/fd/@", .flags = RD, .resolve = RESOLVE_NO_XDEV, .pre = PRE_RDONLY },
	{ "openat2_cached_creat", "openat2", C_OPENAT2, .path = "new", .flags = O_CREAT | WR, .mode = 0644, .resolve = RESOLVE_CACHED, .check = "new" },
	{ "openat2_cached_trunc", "openat2", C_OPENAT2, .path = "file", .flags = O_TRUNC | WR, .resolve = RESOLVE_CACHED, .check = "file" },
	{ "openat2_all_but_cached", "openat2", C_OPENAT2, .dir = D_SUB, .path = "f", .flags = RD, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV },
	{ "openat2_bad_dirfd", "openat2", C_OPENAT2, .dir = D_BAD, .path = "file", .flags = RD },
	{ "openat2_dirfd_file", "openat2", C_OPENAT2, .dir = D_FILE, .path = "x", .flags = RD },
	{ "openat2_dirfd_path", "openat2", C_OPENAT2, .dir = D_SUB_PATH, .path = "f", .flags = RD, .resolve = RESOLVE_BENEATH },

	/* ---- ".", ".." and "a/../b" ------------------------------------------- */
	{ "dots_dot", "dots", .path = ".", .flags = RD },
	{ "dots_dot_wronly", "dots", .path = ".", .flags = WR },
	{ "dots_dotdot_dirfd", "dots", .dir = D_SUB, .path = "..", .flags = O_DIRECTORY | RD },
	{ "dots_a_dotdot_b", "dots", .path = "dir/../file", .flags = RD },
	{ "dots_a_dotdot_b_dirfd", "dots", .dir = D_SUB, .path = "../file", .flags = RD },
	{ "dots_symlink_dotdot_physical", "dots", .path = "sub/todir/../file", .flags = RD },
	{ "dots_symlink_dotdot_not_lexical", "dots", .path = "sub/todir/../f", .flags = RD },
	{ "dots_dirlink_dotdot", "dots", .path = "dirlink/../sub/f", .flags = RD },
	{ "dots_file_dotdot", "dots", .path = "file/..", .flags = RD },
	{ "dots_file_dot", "dots", .path = "file/.", .flags = RD },
	{ "dots_missing_dotdot", "dots", .path = "missing/../file", .flags = RD },
	{ "dots_dir_dot", "dots", .path = "dir/.", .flags = RD },
	{ "dots_dot_slash_file", "dots", .path = "./file", .flags = RD },
	{ "dots_double_slash", "dots", .path = "dir//inner", .flags = RD },
	{ "dots_nosearch_dotdot", "dots", .path = "nosearch/..", .flags = RD },
	{ "dots_root_dotdot", "dots", .path = "/../../..", .flags = O_DIRECTORY | RD },
	{ "dots_abs_dotdot", "dots", .pk = P_ABS, .path = "sub/../file", .flags = RD },
	{ "dots_creat_dotdot", "dots", .path = "dir/../new", .flags = O_CREAT | WR, .mode = 0666, .check = "new" },
	{ "dots_creat_dot", "dots", .path = ".", .flags = O_CREAT | RD, .mode = 0666 },
	{ "dots_creat_dotdot_name", "dots", .path = "..", .flags = O_CREAT | RD, .mode = 0666 },
	{ "dots_open_dotdot", "dots", C_OPEN, .path = "sub/../dir/inner", .flags = RD },
	{ "dots_openat2_dotdot", "dots", C_OPENAT2, .path = "sub/../dir/inner", .flags = RD },

	/* ---- /proc/self/fd/N re-opens and other magic links -------------------- */
	{ "proc_reopen_rdonly_for_read", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_reopen_rdonly_for_write", "proc", .path = "/proc/self/fd/@", .flags = WR, .pre = PRE_RDONLY, .write = "W", .check = "file" },
	{ "proc_reopen_wronly_for_read", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_WRONLY },
	{ "proc_reopen_trunc", "proc", .path = "/proc/self/fd/@", .flags = O_TRUNC | WR, .pre = PRE_RDONLY, .check = "file" },
	{ "proc_reopen_append", "proc", .path = "/proc/self/fd/@", .flags = O_APPEND | WR, .pre = PRE_RDONLY, .write = "W", .check = "file" },
	{ "proc_reopen_creat_excl", "proc", .path = "/proc/self/fd/@", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .pre = PRE_RDONLY },
	{ "proc_reopen_directory", "proc", .path = "/proc/self/fd/@", .flags = O_DIRECTORY | RD, .pre = PRE_RDONLY },
	{ "proc_reopen_nofollow", "proc", .path = "/proc/self/fd/@", .flags = O_NOFOLLOW | RD, .pre = PRE_RDONLY },
	{ "proc_reopen_path_nofollow", "proc", .path = "/proc/self/fd/@", .flags = O_PATH | O_NOFOLLOW, .pre = PRE_RDONLY },
	{ "proc_reopen_of_path", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_PATH },
	{ "proc_reopen_of_path_for_write", "proc", .path = "/proc/self/fd/@", .flags = RW, .pre = PRE_PATH, .write = "W", .check = "file" },
	{ "proc_reopen_of_path_none", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_PATH_NONE },
	{ "proc_reopen_of_path_none_path", "proc", .path = "/proc/self/fd/@", .flags = O_PATH, .pre = PRE_PATH_NONE },
	{ "proc_reopen_of_symlink", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_PATH_LINK },
	{ "proc_reopen_of_symlink_path", "proc", .path = "/proc/self/fd/@", .flags = O_PATH, .pre = PRE_PATH_LINK },
	{ "proc_reopen_deleted", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_DELETED, .check = "gone" },
	{ "proc_reopen_deleted_creat", "proc", .path = "/proc/self/fd/@", .flags = O_CREAT | RW, .mode = 0644, .pre = PRE_DELETED, .write = "W", .check = "gone" },
	{ "proc_reopen_tmpfile", "proc", .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_TMPFILE },
	{ "proc_reopen_pipe", "proc", .path = "/proc/self/fd/@", .flags = O_NONBLOCK | RD, .pre = PRE_PIPE },
	{ "proc_reopen_pipe_write_end", "proc", .path = "/proc/self/fd/@", .flags = O_NONBLOCK | WR, .pre = PRE_PIPE, .write = "W" },
	{ "proc_reopen_dir_child", "proc", .path = "/proc/self/fd/@/inner", .flags = RD, .pre = PRE_DIR },
	{ "proc_reopen_dir_dotdot", "proc", .path = "/proc/self/fd/@/../file", .flags = RD, .pre = PRE_DIR },
	{ "proc_dirfd_pre_dir", "proc", .dir = D_PRE, .path = "inner", .flags = RD, .pre = PRE_DIR },
	{ "proc_dirfd_proc_self_fd", "proc", .dir = D_PRE, .path = "../sub/f", .flags = RD, .pre = PRE_DIR },
	{ "proc_thread_self_fd", "proc", .path = "/proc/thread-self/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_pid_fd", "proc", .path = "/proc/%p/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_dev_fd", "proc", .path = "/dev/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_dev_stdin", "proc", .path = "/dev/stdin", .flags = RD, .prep = PREP_STDIN },
	{ "proc_dev_stdin_nofollow", "proc", .path = "/dev/stdin", .flags = O_NOFOLLOW | RD, .prep = PREP_STDIN },
	{ "proc_self_fd_0", "proc", .path = "/proc/self/fd/0", .flags = RD, .prep = PREP_STDIN },
	{ "proc_self_cwd", "proc", .path = "/proc/self/cwd/file", .flags = RD },
	{ "proc_self_cwd_creat", "proc", .path = "/proc/self/cwd/new", .flags = O_CREAT | WR, .mode = 0666, .check = "new" },
	{ "proc_self_root", "proc", .pk = P_PROC_ROOT, .path = "file", .flags = RD },
	{ "proc_self_root_creat", "proc", .pk = P_PROC_ROOT, .path = "new", .flags = O_CREAT | O_EXCL | WR, .mode = 0666, .check = "new" },
	{ "proc_self_exe", "proc", .path = "/proc/self/exe", .flags = RD },
	{ "proc_self_exe_wronly", "proc", .path = "/proc/self/exe", .flags = WR },
	{ "proc_self_fdinfo", "proc", .path = "/proc/self/fdinfo/@", .flags = RD, .pre = PRE_RDONLY, .post = POST_NOREAD },
	{ "proc_self_fd_dir", "proc", .path = "/proc/self/fd", .flags = O_DIRECTORY | RD },
	{ "proc_reopen_openat2", "proc", C_OPENAT2, .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_reopen_open", "proc", C_OPEN, .path = "/proc/self/fd/@", .flags = RD, .pre = PRE_RDONLY },
	{ "proc_reopen_creat", "proc", C_CREAT, .path = "/proc/self/fd/@", .mode = 0644, .pre = PRE_RDONLY, .check = "file" },

	/* ---- fd numbers --------------------------------------------------------- */
	{ "fdnum_lowest", "fdnum", .path = "file", .flags = RD },
	{ "fdnum_hole", "fdnum", .path = "file", .flags = RD, .prep = PREP_HOLE },
	{ "fdnum_hole_openat2", "fdnum", C_OPENAT2, .path = "file", .flags = RD, .prep = PREP_HOLE },
	{ "fdnum_high_fd_open", "fdnum", .path = "file", .flags = RD, .prep = PREP_HIGHFD },
	{ "fdnum_fd0_closed", "fdnum", .path = "file", .flags = RD, .prep = PREP_CLOSE0 },
	{ "fdnum_rlimit_one_left", "fdnum", .path = "file", .flags = RD, .prep = PREP_RLIMIT_ONE },
	{ "fdnum_emfile", "fdnum", .path = "file", .flags = RD, .prep = PREP_RLIMIT_FULL },
	{ "fdnum_emfile_openat2", "fdnum", C_OPENAT2, .path = "file", .flags = RD, .prep = PREP_RLIMIT_FULL },
	{ "fdnum_emfile_creat_excl", "fdnum", .path = "new", .flags = O_CREAT | O_EXCL | WR, .mode = 0644, .prep = PREP_RLIMIT_FULL, .check = "new" },
	{ "fdnum_emfile_tmpfile", "fdnum", .path = ".", .flags = O_TMPFILE | RW, .mode = 0644, .prep = PREP_RLIMIT_FULL },
	{ "fdnum_emfile_fifo", "fdnum", .path = "fifo", .flags = O_NONBLOCK | WR, .prep = PREP_RLIMIT_FULL },
	{ "fdnum_emfile_hole", "fdnum", .path = "file", .flags = RD, .prep = PREP_RLIMIT_FULL | PREP_HOLE },

	/* ---- the rest: O_NOATIME, O_DSYNC, O_SYNC, O_DIRECT, O_NOCTTY… ----------- */
	{ "misc_noatime_own", "misc", .path = "file", .flags = O_NOATIME | RD },
	{ "misc_noatime_other", "misc", .path = "/", .flags = O_NOATIME | O_DIRECTORY | RD },
	{ "misc_noatime_other_path", "misc", .path = "/", .flags = O_NOATIME | O_PATH },
	{ "misc_noatime_openat2_other", "misc", C_OPENAT2, .path = "/", .flags = O_NOATIME | O_DIRECTORY | RD },
	{ "misc_noatime_creat", "misc", .path = "new", .flags = O_NOATIME | O_CREAT | WR, .mode = 0644, .check = "new" },
	{ "misc_dsync", "misc", .path = "file", .flags = O_DSYNC | WR, .write = "W", .check = "file" },
	{ "misc_sync", "misc", .path = "file", .flags = O_SYNC | RW, .write = "W", .check = "file" },
	{ "misc_openat2_sync", "misc", C_OPENAT2, .path = "file", .flags = O_SYNC | WR },
	{ "misc_direct", "misc", .path = "file", .flags = O_DIRECT | RD, .post = POST_NOREAD },
	{ "misc_direct_dir", "misc", .path = "dir", .flags = O_DIRECT | O_DIRECTORY | RD },
	{ "misc_noctty_file", "misc", .path = "file", .flags = O_NOCTTY | RD },
	{ "misc_noctty_dev_null", "misc", .path = "/dev/null", .flags = O_NOCTTY | RW },
	{ "misc_largefile", "misc", .path = "file", .flags = K_O_LARGEFILE | RD },
	{ "misc_async", "misc", .path = "file", .flags = O_ASYNC | RD },
	{ "misc_dev_null_write", "misc", .path = "/dev/null", .flags = WR, .write = "W" },
	{ "misc_dev_zero", "misc", .path = "/dev/zero", .flags = RD },
	{ "misc_etc_dir", "misc", .path = "/etc", .flags = O_DIRECTORY | O_PATH },
};
/* clang-format on */

#define N_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- output: one line per case ----------------------------------------- */

struct line {
	char buf[4096];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void lput(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->len >= sizeof(l->buf) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, sizeof(l->buf) - l->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < sizeof(l->buf) - l->len ? (size_t)n
							      : sizeof(l->buf) - 1 - l->len;
}

/* The line is written with one write(): cases run in children one after the
 * other, and a single write keeps a line whole. */
static void lflush(struct line *l)
{
	size_t off = 0;

	if (l->len < sizeof(l->buf))
		l->buf[l->len++] = '\n';
	while (off < l->len) {
		ssize_t n = write(1, l->buf + off, l->len - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	l->len = 0;
}

static const char *errname(int e)
{
	static char other[32];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(other, sizeof(other), "errno%d", e);
	return other;
}

/* Bytes as text: printable ASCII as is, the rest as \n or \xNN. */
static void lput_bytes(struct line *l, const char *buf, ssize_t n)
{
	lput(l, "[");
	for (ssize_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)buf[i];
		if (ch == '\n')
			lput(l, "\\n");
		else if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != ']')
			lput(l, "%c", ch);
		else
			lput(l, "\\x%02x", ch);
	}
	lput(l, "]");
}

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG:
		return "reg";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "lnk";
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "chr";
	case S_IFBLK:
		return "blk";
	case S_IFSOCK:
		return "sock";
	default:
		return "?";
	}
}

static const struct {
	unsigned long bit;
	const char *name;
} fl_names[] = {
	{ O_APPEND, "append" },		{ O_NONBLOCK, "nonblock" },   { O_DSYNC, "dsync" },
	{ O_SYNC_BIT, "sync" },		{ O_ASYNC, "async" },	      { O_DIRECT, "direct" },
	{ K_O_LARGEFILE, "largefile" }, { O_DIRECTORY, "directory" }, { O_NOFOLLOW, "nofollow" },
	{ O_NOATIME, "noatime" },	{ O_CLOEXEC, "cloexec" },     { O_PATH, "path" },
	{ O_TMPFILE_BIT, "tmpfile" },	{ O_CREAT, "creat" },	      { O_EXCL, "excl" },
	{ O_NOCTTY, "noctty" },		{ O_TRUNC, "trunc" },
};

/* F_GETFL as "acc=rdonly fl=append,largefile": the access mode, then every
 * other bit by name (unknown bits in octal). */
static void lput_getfl(struct line *l, long fl)
{
	static const char *const acc[] = { "rdonly", "wronly", "rdwr", "3" };
	unsigned long rest = (unsigned long)fl & ~(unsigned long)O_ACCMODE;
	int first = 1;

	lput(l, " acc=%s fl=", acc[fl & O_ACCMODE]);
	for (size_t i = 0; i < sizeof(fl_names) / sizeof(fl_names[0]); i++) {
		if (rest & fl_names[i].bit) {
			lput(l, "%s%s", first ? "" : ",", fl_names[i].name);
			rest &= ~fl_names[i].bit;
			first = 0;
		}
	}
	if (rest)
		lput(l, "%s0%lo", first ? "" : ",", rest);
	else if (first)
		lput(l, "-");
}

/* ---- raw system calls ---------------------------------------------------- */

static long sys_openat(int dirfd, const char *path, long flags, long mode)
{
	return syscall(SYS_openat, dirfd, path, flags, mode);
}

static void sys_close(int fd)
{
	syscall(SYS_close, fd);
}

/* The lowest free fd number, found without an open (F_DUPFD is not one of
 * the trapped calls): what the kernel hands out next. */
static int lowest_free_fd(void)
{
	long fd = syscall(SYS_fcntl, 1, F_DUPFD, 0);

	if (fd < 0)
		return -1;
	sys_close((int)fd);
	return (int)fd;
}

static int write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	return syscall(SYS_write, fd, s, n) == (long)n ? 0 : -1;
}

/* ---- the fixture ----------------------------------------------------------- */

static int mkfile(const char *path, mode_t mode, const char *content)
{
	long fd = sys_openat(AT_FDCWD, path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
	int r;

	if (fd < 0)
		return -1;
	r = write_all((int)fd, content);
	sys_close((int)fd);
	return r;
}

static int mkdir_mode(const char *path, mode_t mode)
{
	if (syscall(SYS_mkdirat, AT_FDCWD, path, 0755) < 0)
		return -1;
	/* mkdir ignores S_ISGID in its mode: set the final bits explicitly. */
	return (int)syscall(SYS_fchmodat, AT_FDCWD, path, mode, 0);
}

static int mksym(const char *target, const char *path)
{
	return (int)syscall(SYS_symlinkat, target, AT_FDCWD, path);
}

static const char *make_fixture(void)
{
	if (mkfile("file", 0644, "hello\n") < 0)
		return "file";
	if (mkfile("ro", 0444, "read-only\n") < 0)
		return "ro";
	if (mkfile("none", 0000, "no-access\n") < 0)
		return "none";
	if (mkfile("gone", 0644, "gone\n") < 0)
		return "gone";
	if (mkdir_mode("dir", 0755) < 0 || mkfile("dir/inner", 0644, "inner\n") < 0)
		return "dir";
	if (mkdir_mode("rodir", 0555) < 0)
		return "rodir";
	if (mkdir_mode("nosearch", 0755) < 0 || mkfile("nosearch/x", 0644, "x\n") < 0 ||
	    syscall(SYS_fchmodat, AT_FDCWD, "nosearch", 0600, 0) < 0)
		return "nosearch";
	if (mkdir_mode("sgid", 02775) < 0)
		return "sgid";
	if (mkdir_mode("acl", 0755) < 0)
		return "acl";
	if (mkdir_mode("sub", 0755) < 0 || mkfile("sub/f", 0644, "sub-f\n") < 0)
		return "sub";
	if (mksym("../file", "sub/link-up") < 0 || mksym("/f", "sub/rootlink") < 0 ||
	    mksym("../dir", "sub/todir") < 0)
		return "sub links";
	if (mksym("file", "link") < 0 || mksym("missing", "dangling") < 0 ||
	    mksym("dir", "dirlink") < 0 || mksym("loop2", "loop1") < 0 ||
	    mksym("loop1", "loop2") < 0)
		return "links";
	if (syscall(SYS_mknodat, AT_FDCWD, "fifo", S_IFIFO | 0644, 0) < 0)
		return "fifo";
	return NULL;
}

/* A default ACL u::rwx,g::rwx,o::--- in the kernel's xattr format: a file
 * created below takes mode & ACL and ignores the umask (acl(5)) — a
 * supervisor that applies the umask itself gets this wrong. */
static int set_default_acl(const char *dir)
{
	struct {
		uint32_t version;
		struct {
			uint16_t tag, perm;
			uint32_t id;
		} e[3];
	} acl = { 2, { { 0x01, 7, ~0u }, { 0x04, 7, ~0u }, { 0x20, 0, ~0u } } };

	return (int)syscall(SYS_setxattr, dir, "system.posix_acl_default", &acl, sizeof(acl), 0);
}

/* ---- the case ---------------------------------------------------------------- */

/* The last page of a two-page mapping whose second page is unmapped: data
 * placed at its very end runs into a fault, as a supervisor's too-long read
 * of the path (or of struct open_how) would. */
static char *page_before_hole(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	munmap(p + page, (size_t)page);
	return p + page;
}

static void expand(char *out, size_t size, const char *tmpl, int pre_fd)
{
	size_t o = 0;

	for (const char *s = tmpl; *s && o + 16 < size; s++) {
		if (*s == '@') {
			o += (size_t)snprintf(out + o, size - o, "%d", pre_fd);
		} else if (s[0] == '%' && s[1] == 'p') {
			o += (size_t)snprintf(out + o, size - o, "%ld", syscall(SYS_getpid));
			s++;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

static const char *build_path(const struct open_case *c, const char *casedir, int pre_fd, char *buf,
			      size_t size)
{
	char rel[512];
	char *end;
	size_t n, i;

	expand(rel, sizeof(rel), c->path ? c->path : "", pre_fd);
	switch (c->pk) {
	case P_REL:
		snprintf(buf, size, "%s", rel);
		return buf;
	case P_ABS:
		snprintf(buf, size, "%s/%s", casedir, rel);
		return buf;
	case P_PROC_ROOT:
		snprintf(buf, size, "/proc/self/root%s/%s", casedir, rel);
		return buf;
	case P_NULL:
		return NULL;
	case P_BADPTR:
		return (const char *)8;
	case P_PAGE_END_OK:
	case P_PAGE_END_NONUL:
		end = page_before_hole();
		if (!end)
			return NULL;
		n = strlen(rel) + (c->pk == P_PAGE_END_OK);
		memcpy(end - n, rel, n);
		return end - n;
	case P_NAME255:
	case P_NAME256:
		n = c->pk == P_NAME255 ? 255 : 256;
		memset(buf, 'n', n);
		buf[n] = '\0';
		return buf;
	case P_LEN4095:
	case P_LEN4096:
		/* "./" repeated, then "file": 4095 bytes (+ NUL = PATH_MAX) or 4096. */
		n = c->pk == P_LEN4095 ? 4095 : 4096;
		for (i = 0; i + 4 < n; i += 2)
			memcpy(buf + i, "./", 2);
		i = n - 4;
		if (buf[i - 1] != '/')
			buf[i - 1] = '/';
		memcpy(buf + i, "file", 5);
		return buf;
	default:
		return buf;
	}
}

static long do_openat2(const struct open_case *c, int dirfd, const char *path)
{
	static char big[8192] __attribute__((aligned(8)));
	struct open_how how = { .flags = c->flags, .mode = c->mode, .resolve = c->resolve };
	size_t size = c->how_size == 0 ? sizeof(how) : c->how_size < 0 ? 0 : (size_t)c->how_size;
	char *at = big;

	memset(big, 0, sizeof(big));
	switch (c->how) {
	case HOW_NULL:
		at = NULL;
		break;
	case HOW_PAGE_END:
		at = page_before_hole();
		if (!at)
			return -1;
		at -= sizeof(how);
		break;
	case HOW_NONZERO_TAIL:
		big[sizeof(how)] = 1;
		break;
	case HOW_NORMAL:
	default:
		break;
	}
	if (at)
		memcpy(at, &how, sizeof(how));
	return syscall(SYS_openat2, dirfd, path, at, size);
}

static long do_call(const struct open_case *c, int dirfd, const char *path)
{
	switch (c->call) {
	case C_OPEN:
#ifdef SYS_open
		return syscall(SYS_open, path, (long)c->flags, (long)c->mode);
#else
		errno = ENOSYS;
		return -1;
#endif
	case C_CREAT:
#ifdef SYS_creat
		return syscall(SYS_creat, path, (long)c->mode);
#else
		errno = ENOSYS;
		return -1;
#endif
	case C_OPENAT2:
		return do_openat2(c, dirfd, path);
	case C_OPENAT:
	default:
		return sys_openat(dirfd, path, (long)c->flags, (long)c->mode);
	}
}

static int open_pre(enum pre_kind k)
{
	int p[2];
	long fd;

	switch (k) {
	case PRE_RDONLY:
		return (int)sys_openat(AT_FDCWD, "file", O_RDONLY, 0);
	case PRE_WRONLY:
		return (int)sys_openat(AT_FDCWD, "file", O_WRONLY, 0);
	case PRE_CLOEXEC:
		return (int)sys_openat(AT_FDCWD, "file", O_RDONLY | O_CLOEXEC, 0);
	case PRE_PATH:
		return (int)sys_openat(AT_FDCWD, "file", O_PATH, 0);
	case PRE_PATH_NONE:
		return (int)sys_openat(AT_FDCWD, "none", O_PATH, 0);
	case PRE_PATH_LINK:
		return (int)sys_openat(AT_FDCWD, "link", O_PATH | O_NOFOLLOW, 0);
	case PRE_DIR:
		return (int)sys_openat(AT_FDCWD, "dir", O_RDONLY | O_DIRECTORY, 0);
	case PRE_PIPE:
		if (syscall(SYS_pipe2, p, 0) < 0)
			return -1;
		return p[0];
	case PRE_DELETED:
		fd = sys_openat(AT_FDCWD, "gone", O_RDWR, 0);
		if (fd >= 0 && syscall(SYS_unlinkat, AT_FDCWD, "gone", 0) < 0)
			return -1;
		return (int)fd;
	case PRE_TMPFILE:
		fd = sys_openat(AT_FDCWD, ".", O_TMPFILE | O_RDWR, 0600);
		if (fd >= 0 && write_all((int)fd, "tmp\n") < 0)
			return -1;
		return (int)fd;
	case PRE_NONE:
	default:
		return -1;
	}
}

static int open_dirfd(enum dirfd_kind k, int pre_fd)
{
	switch (k) {
	case D_SUB:
		return (int)sys_openat(AT_FDCWD, "sub", O_RDONLY | O_DIRECTORY, 0);
	case D_SUB_PATH:
		return (int)sys_openat(AT_FDCWD, "sub", O_PATH | O_DIRECTORY, 0);
	case D_FILE:
		return (int)sys_openat(AT_FDCWD, "file", O_RDONLY, 0);
	case D_BAD:
		return 999;
	case D_PRE:
		return pre_fd;
	case D_CWD:
	default:
		return AT_FDCWD;
	}
}

/* A file's state after the case, seen without following a last symlink:
 * "check=reg:0640:1[W]" (type, mode, link count, contents) or "check=ENOENT". */
static void lput_check(struct line *l, const char *path)
{
	struct stat st;
	char buf[48];
	long fd, n;

	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		lput(l, " check=%s", errname(errno));
		return;
	}
	lput(l, " check=%s:%04o:%lu:%s", type_name(st.st_mode), (unsigned)(st.st_mode & 07777),
	     (unsigned long)st.st_nlink, st.st_uid == getuid() ? "self" : "other");
	if (!S_ISREG(st.st_mode))
		return;
	fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0) {
		lput(l, ":%s", errname(errno));
		return;
	}
	n = syscall(SYS_read, (int)fd, buf, sizeof(buf));
	if (n < 0)
		lput(l, ":%s", errname(errno));
	else
		lput_bytes(l, buf, n);
	sys_close((int)fd);
}

/* Everything observable about a successful open's fd. */
static void observe(struct line *l, const struct open_case *c, int fd, int lowest)
{
	struct stat st = { 0 };
	char buf[48];
	long fl, fdfl, pos, n;
	int can_read = 1;

	if (fd == lowest)
		lput(l, " fd=lowest");
	else
		lput(l, " fd=lowest%+d", fd - lowest);
	if (syscall(SYS_fstat, fd, &st) < 0) {
		lput(l, " fstat=%s", errname(errno));
	} else {
		lput(l, " type=%s mode=%04o nlink=%lu uid=%s gid=%s", type_name(st.st_mode),
		     (unsigned)(st.st_mode & 07777), (unsigned long)st.st_nlink,
		     st.st_uid == getuid() ? "self" : "other",
		     st.st_gid == getgid() ? "self" : "other");
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			lput(l, " size=%lld", (long long)st.st_size);
	}
	fl = syscall(SYS_fcntl, fd, F_GETFL);
	if (fl < 0)
		lput(l, " getfl=%s", errname(errno));
	else
		lput_getfl(l, fl);
	fdfl = syscall(SYS_fcntl, fd, F_GETFD);
	if (fdfl < 0)
		lput(l, " cloexec=%s", errname(errno));
	else
		lput(l, " cloexec=%d", (fdfl & FD_CLOEXEC) ? 1 : 0);
	pos = syscall(SYS_lseek, fd, 0, SEEK_CUR);
	if (pos < 0)
		lput(l, " pos=%s", errname(errno));
	else
		lput(l, " pos=%ld", pos);

	/* A blocking read of an empty FIFO would never return; /proc files change. */
	if (c->post & POST_NOREAD)
		can_read = 0;
	if (fl >= 0 && S_ISFIFO(st.st_mode) && !(fl & O_NONBLOCK) && !(fl & O_PATH))
		can_read = 0;
	if (can_read) {
		n = syscall(SYS_read, fd, buf, sizeof(buf));
		if (n < 0) {
			lput(l, " read=%s", errname(errno));
		} else {
			lput(l, " read=");
			lput_bytes(l, buf, n);
		}
	}
	if (c->post & POST_SEEK0) {
		pos = syscall(SYS_lseek, fd, 0, SEEK_SET);
		lput(l, " seek0=%s", pos < 0 ? errname(errno) : "ok");
	}
	if (c->write) {
		n = syscall(SYS_write, fd, c->write, strlen(c->write));
		if (n < 0)
			lput(l, " write=%s", errname(errno));
		else
			lput(l, " write=%ld", n);
	}
	if (can_read || c->write) {
		pos = syscall(SYS_lseek, fd, 0, SEEK_CUR);
		if (pos < 0)
			lput(l, " pos_after=%s", errname(errno));
		else
			lput(l, " pos_after=%ld", pos);
	}
	if (c->post & (POST_LINKAT_PROC | POST_LINKAT_EMPTY)) {
		char proc[64];
		long r;

		if (c->post & POST_LINKAT_PROC) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			r = syscall(SYS_linkat, AT_FDCWD, proc, AT_FDCWD, "linked",
				    AT_SYMLINK_FOLLOW);
		} else {
			r = syscall(SYS_linkat, fd, "", AT_FDCWD, "linked", AT_EMPTY_PATH);
		}
		lput(l, " linkat=%s", r < 0 ? errname(errno) : "ok");
	}
	if (c->post & POST_FCHDIR)
		lput(l, " fchdir=%s", syscall(SYS_fchdir, fd) < 0 ? errname(errno) : "ok");
}

/* The blocking FIFO peer: opens "fifo" for reading (which waits for a
 * writer) and reads one byte; its exit status is what it read. A
 * supervisor that serves one open at a time deadlocks here. */
static pid_t start_fifo_peer(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		char b;
		long fd, n;

		alarm(5);
		fd = sys_openat(AT_FDCWD, "fifo", O_RDONLY, 0);
		if (fd < 0)
			_exit(100);
		n = syscall(SYS_read, (int)fd, &b, 1);
		_exit(n < 0 ? 101 : (int)n);
	}
	return pid;
}

static void run_case(const struct open_case *c, const char *scratch)
{
	struct line l = { .len = 0 };
	char casedir[4096], pathbuf[8192];
	const char *what, *path;
	struct rlimit saved, lim;
	int pre_fd = -1, dirfd, lowest, after, hole[3], err = 0;
	pid_t peer = -1;
	long fd;

	lput(&l, "%s", c->name);
	snprintf(casedir, sizeof(casedir), "%s/%s", scratch, c->name);
	syscall(SYS_umask, 0);
	if (syscall(SYS_mkdirat, AT_FDCWD, casedir, 0755) < 0 || syscall(SYS_chdir, casedir) < 0) {
		lput(&l, " setup-error=casedir:%s", errname(errno));
		goto out;
	}
	what = make_fixture();
	if (what) {
		lput(&l, " setup-error=%s:%s", what, errname(errno));
		goto out;
	}
	if ((c->prep & PREP_ACL) && set_default_acl("acl") < 0)
		lput(&l, " acl=%s", errname(errno)); /* the same on both sides: no ACLs here */
	syscall(SYS_umask, (c->prep & PREP_UMASK0) ? 0 : (c->prep & PREP_UMASK077) ? 077 : 027);

	if (c->pre != PRE_NONE) {
		pre_fd = open_pre(c->pre);
		if (pre_fd < 0) {
			lput(&l, " setup-error=pre:%s", errname(errno));
			goto out;
		}
	}
	dirfd = open_dirfd(c->dir, pre_fd);
	if (dirfd < 0 && dirfd != AT_FDCWD) {
		lput(&l, " setup-error=dirfd:%s", errname(errno));
		goto out;
	}
	if (c->prep & PREP_STDIN) {
		long f = sys_openat(AT_FDCWD, "file", O_RDONLY, 0);
		if (f < 0 || syscall(SYS_dup2, (int)f, 0) < 0) {
			lput(&l, " setup-error=stdin:%s", errname(errno));
			goto out;
		}
		sys_close((int)f);
	}
	if (c->prep & PREP_CLOSE0)
		sys_close(0);
	if (c->prep & PREP_HIGHFD)
		syscall(SYS_dup2, 1, 60);
	if (c->prep & PREP_FIFO_READER) {
		if (sys_openat(AT_FDCWD, "fifo", O_RDONLY | O_NONBLOCK, 0) < 0) {
			lput(&l, " setup-error=fifo-reader:%s", errname(errno));
			goto out;
		}
	}
	if (c->prep & PREP_HOLE) {
		for (int i = 0; i < 3; i++)
			hole[i] = (int)sys_openat(AT_FDCWD, "ro", O_RDONLY, 0);
		if (hole[0] < 0 || hole[1] < 0 || hole[2] < 0) {
			lput(&l, " setup-error=hole:%s", errname(errno));
			goto out;
		}
		sys_close(hole[1]);
	}
	path = build_path(c, casedir, pre_fd, pathbuf, sizeof(pathbuf));
	lowest = lowest_free_fd();
	if (c->prep & PREP_HOLE)
		lput(&l, " hole=%s", lowest == hole[1] ? "lowest" : "not-lowest");
	if (c->prep & PREP_FIFO_PEER)
		peer = start_fifo_peer();

	getrlimit(RLIMIT_NOFILE, &saved);
	if (c->prep & (PREP_RLIMIT_FULL | PREP_RLIMIT_ONE)) {
		lim = saved;
		lim.rlim_cur = (rlim_t)lowest + ((c->prep & PREP_RLIMIT_ONE) ? 1 : 0);
		setrlimit(RLIMIT_NOFILE, &lim);
	}

	errno = 0;
	fd = do_call(c, dirfd, path);
	err = errno;

	if (c->prep & (PREP_RLIMIT_FULL | PREP_RLIMIT_ONE))
		setrlimit(RLIMIT_NOFILE, &saved);

	if (fd < 0) {
		lput(&l, " %s", errname(err));
		/* A failed open must leave no fd behind (an injected one, say). */
		after = lowest_free_fd();
		if (after != lowest)
			lput(&l, " leak=lowest%+d", after - lowest);
		if (peer > 0)
			kill(peer, SIGKILL);
	} else {
		lput(&l, " ok");
		observe(&l, c, (int)fd, lowest);
		sys_close((int)fd);
		after = lowest_free_fd();
		if (after != lowest)
			lput(&l, " after_close=lowest%+d", after - lowest);
	}
	if (peer > 0) {
		int st = 0;
		waitpid(peer, &st, 0);
		if (fd >= 0) {
			if (WIFEXITED(st))
				lput(&l, " peer_read=%d", WEXITSTATUS(st));
			else
				lput(&l, " peer=signal%d", WTERMSIG(st));
		}
	}
	if (c->check)
		lput_check(&l, c->check);
out:
	lflush(&l);
}

static int selected(const struct open_case *c, const char *filter)
{
	return !filter || strcmp(filter, "all") == 0 || strcmp(filter, c->family) == 0 ||
	       strcmp(filter, c->name) == 0;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 2 ? argv[2] : NULL;
	size_t n = 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: open_equiv SCRATCH|--list [FILTER]\n");
		return 2;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < N_CASES; i++) {
			if (selected(&cases[i], filter))
				printf("%s %s\n", cases[i].family, cases[i].name);
		}
		return 0;
	}
	if (argv[1][0] != '/') {
		fprintf(stderr, "open_equiv: SCRATCH must be an absolute path\n");
		return 2;
	}
	if (syscall(SYS_mkdirat, AT_FDCWD, argv[1], 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "open_equiv: mkdir %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < N_CASES; i++) {
		pid_t pid;
		int st;

		if (!selected(&cases[i], filter))
			continue;
		n++;
		pid = fork();
		if (pid < 0) {
			fprintf(stderr, "open_equiv: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			/* A hung open (a supervisor that serves one FIFO open at a
			 * time) ends as "signal SIGALRM", not as a hung test. */
			alarm(5);
			run_case(&cases[i], argv[1]);
			_exit(0);
		}
		if (waitpid(pid, &st, 0) < 0)
			return 1;
		if (WIFSIGNALED(st)) {
			printf("%s killed-by-signal=%s\n", cases[i].name,
			       sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
			fflush(stdout);
		} else if (WEXITSTATUS(st) != 0) {
			printf("%s exit=%d\n", cases[i].name, WEXITSTATUS(st));
			fflush(stdout);
		}
	}
	if (n == 0) {
		fprintf(stderr, "open_equiv: no case matches '%s'\n", filter ? filter : "");
		return 2;
	}
	return 0;
}
