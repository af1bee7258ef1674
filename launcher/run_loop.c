/* SPDX-License-Identifier: MIT */
/* run_loop.c — see run_loop.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "launcher/log.h"
#include "launcher/run_loop.h"
#include "launcher/run_mask.h"
#include "policy/util.h"

/* glibc >= 2.36 has P_PIDFD in its idtype_t enum (not as a macro). */
#ifdef __GLIBC__
#if !__GLIBC_PREREQ(2, 36)
#define P_PIDFD ((idtype_t)3)
#endif
#endif

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define RUN_RELAY_BUF (64 * 1024) /* per direction */
/*
 * Masked output can outgrow what was read: "***" for a one-byte custom
 * match, plus everything held until then (MASK_HOLD_MAX). Bounded anyway.
 */
#define RUN_MASKED_BUF	     (1024 * 1024)
#define RUN_DRAIN_MAX_BYTES  (1024 * 1024)
#define RUN_DRAIN_TIMEOUT_MS 1000

struct run_pty {
	int master;    /* O_NONBLOCK; ours only */
	int slave;     /* -1 after run_pty_parent_after_fork() */
	int in_fd;     /* the user's keystrokes; -1: none can be read */
	int out_fd;    /* the user's terminal for CMD's output; -1: nowhere */
	bool in_owned; /* in_fd is our own open file description (else inherited) */
	bool out_owned;
	unsigned int std_ttys; /* bit n: fd n was a terminal when the pty was opened */
};

/*
 * The user's terminal, static so that run_pty_restore() works from atexit()
 * and from signal handlers: our own dup of it (it stays the right terminal
 * whatever later happens to fds 0-2), its mode before aigate touched it, and
 * whether run_loop() changed that mode.
 */
static int term_fd = -1;
static struct termios term_saved;
static volatile sig_atomic_t term_raw;
static bool term_atexit_done;

void run_pty_restore(void)
{
	int saved_errno = errno;

	/*
	 * TCSANOW: never waits for output to drain (a stalled terminal must not
	 * hang an exit path) and, unlike TCSAFLUSH, keeps what the user typed
	 * ahead for the shell.
	 */
	if (term_raw && term_fd >= 0) {
		(void)tcsetattr(term_fd, TCSANOW, &term_saved);
		term_raw = 0;
	}
	errno = saved_errno;
}

static int term_enter_raw(void)
{
	struct termios raw = term_saved;

	cfmakeraw(&raw);
	/* Flag first: a fatal signal between the two lines still restores. */
	term_raw = 1;
	if (tcsetattr(term_fd, TCSANOW, &raw) < 0) {
		int r = -errno;
		term_raw = 0;
		return r;
	}
	return 0;
}

/*
 * Our own, non-blocking open file description of the terminal behind @fd.
 * O_NONBLOCK belongs to the description: set on the inherited fd it would
 * also apply to the shell sharing it, and stay set if aigate were killed.
 * O_NOCTTY: a session leader without a terminal must not acquire the user's.
 * When the terminal cannot be reopened (one owned by another user, after su)
 * the inherited fd is used as is (blocking) if its access mode allows @acc.
 */
static int user_tty_fd(int fd, int acc, bool *ret_owned)
{
	char path[32];
	int r, fl;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, acc | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (r >= 0) {
		if (isatty(r)) {
			*ret_owned = true;
			return r;
		}
		close(r);
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && ((fl & O_ACCMODE) == O_RDWR || (fl & O_ACCMODE) == acc)) {
		*ret_owned = false;
		return fd;
	}
	return -EBADF;
}

static int open_slave(int master)
{
	char name[64];
	int fd, r;

	/*
	 * TIOCGPTPEER (Linux 4.13) opens the peer through the master itself: a
	 * lookup of /dev/pts/N by name can resolve in another devpts instance
	 * (containers) and hand CMD a terminal that is not our master's peer.
	 */
	fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno != EINVAL && errno != ENOTTY)
		return -errno;
	r = ptsname_r(master, name, sizeof(name));
	if (r != 0)
		return -r;
	fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int run_pty_open(struct run_pty **ret)
{
	_cleanup_close_ int master = -1, slave = -1, dup_fd = -1, in_own = -1, out_own = -1;
	_cleanup_free_ struct run_pty *pty = NULL;
	unsigned int ttys = 0;
	struct termios tio;
	struct winsize ws;
	int user, in_src, out_src, fd, fl;

	for (fd = 0; fd < 3; fd++)
		if (isatty(fd))
			ttys |= 1u << fd;
	/*
	 * Any terminal on fds 0-2, stderr included, gets CMD a pty: CMD must never
	 * hold the user's real terminal, where TIOCSTI (dev.tty.legacy_tiocsti=1)
	 * would let it type commands into the user's shell after aigate exits
	 * (the CVE-2017-5226 class of escape).
	 */
	if (!ttys) {
		*ret = NULL;
		return 0;
	}
	if (term_fd >= 0)
		return -EBUSY;
	user = (ttys & 1u) ? 0 : (ttys & 2u) ? 1 : 2;
	in_src = user;
	out_src = (ttys & 2u) ? 1 : (ttys & 4u) ? 2 : user;

	if (tcgetattr(user, &tio) < 0)
		return -errno;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return -errno;
	if (grantpt(master) < 0 || unlockpt(master) < 0)
		return -errno;
	slave = open_slave(master);
	if (slave < 0)
		return slave;
	if (tcsetattr(slave, TCSANOW, &tio) < 0)
		return -errno;
	if (ioctl(user, TIOCGWINSZ, &ws) == 0 && ioctl(slave, TIOCSWINSZ, &ws) < 0)
		return -errno;
	fl = fcntl(master, F_GETFL);
	if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	dup_fd = fcntl(user, F_DUPFD_CLOEXEC, 3);
	if (dup_fd < 0)
		return -errno;

	pty = calloc(1, sizeof(*pty));
	if (!pty)
		return -ENOMEM;
	pty->std_ttys = ttys;
	pty->in_fd = user_tty_fd(in_src, O_RDONLY, &pty->in_owned);
	if (pty->in_fd >= 0 && pty->in_owned)
		in_own = pty->in_fd;
	pty->out_fd = user_tty_fd(out_src, O_WRONLY, &pty->out_owned);
	if (pty->out_fd >= 0 && pty->out_owned)
		out_own = pty->out_fd;
	if (pty->in_fd < 0) {
		pty->in_fd = -1;
		log_debug("cannot read the terminal of fd %d: the keyboard stays in its own mode",
			  in_src);
	}
	if (pty->out_fd < 0) {
		pty->out_fd = -1;
		log_warn("cannot write to the terminal of fd %d: terminal output is dropped",
			 out_src);
	}

	term_saved = tio;
	term_raw = 0;
	term_fd = TAKE_FD(dup_fd);
	pty->master = TAKE_FD(master);
	pty->slave = TAKE_FD(slave);
	TAKE_FD(in_own);
	TAKE_FD(out_own);
	/* Not TAKE_PTR(): cppcheck misreads its typeof() for a struct pointer. */
	*ret = pty;
	pty = NULL;
	return 0;
}

int run_pty_child_setup(const struct run_pty *pty)
{
	/* No terminal: keep the caller's session and process group untouched. */
	if (!pty)
		return 0;
	/*
	 * A new session has no controlling terminal; the slave becomes CMD's.
	 * /dev/tty then means the slave, and TIOCSTI (allowed only on the
	 * caller's controlling terminal) can only inject into CMD's own input.
	 */
	if (setsid() < 0)
		return -errno;
	if (ioctl(pty->slave, TIOCSCTTY, 0) < 0)
		return -errno;
	for (int fd = 0; fd < 3; fd++)
		if ((pty->std_ttys & (1u << fd)) && dup2(pty->slave, fd) < 0)
			return -errno;
	/*
	 * O_CLOEXEC closes these at exec, but a sandbox init that does not exec
	 * would keep them: a process that can ptrace it or read its fds could
	 * then reach the user's real terminal. Close them now.
	 */
	close(pty->master);
	close(pty->slave);
	if (pty->in_owned)
		close(pty->in_fd);
	if (pty->out_owned)
		close(pty->out_fd);
	if (term_fd >= 0)
		close(term_fd);
	term_fd = -1;
	return 0;
}

unsigned run_pty_fds(const struct run_pty *pty)
{
	return pty ? pty->std_ttys : 0;
}

void run_pty_parent_after_fork(struct run_pty *pty)
{
	/* Only CMD may hold the slave: the master reads EIO once CMD's side is gone. */
	if (pty && pty->slave >= 0) {
		close(pty->slave);
		pty->slave = -1;
	}
}

void run_pty_free(struct run_pty *pty)
{
	if (!pty)
		return;
	run_pty_restore();
	if (term_fd >= 0)
		close(term_fd);
	term_fd = -1;
	if (pty->master >= 0)
		close(pty->master);
	if (pty->slave >= 0)
		close(pty->slave);
	if (pty->in_owned)
		close(pty->in_fd);
	if (pty->out_owned)
		close(pty->out_fd);
	free(pty);
}

/* ---- signals ---------------------------------------------------------------- */

/* Catchable signals whose default action ends the process. */
static const int fatal_signals[] = {
	SIGABRT, SIGALRM, SIGBUS,  SIGFPE,    SIGHUP,  SIGILL,	SIGINT,
	SIGIO,	 SIGPROF, SIGPWR,  SIGQUIT,   SIGSEGV, SIGSYS,	SIGTERM,
	SIGTRAP, SIGUSR1, SIGUSR2, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
};

struct saved_actions {
	struct sigaction fatal[ARRAY_SIZE(fatal_signals)];
	bool fatal_set[ARRAY_SIZE(fatal_signals)];
	struct sigaction pipe;
	bool pipe_set;
};

static void fatal_signal_handler(int sig)
{
	run_pty_restore();
	/*
	 * SA_RESETHAND made the action SIG_DFL again: the signal raised here is
	 * delivered when the handler returns and ends aigate as it would have
	 * anyway, so the shell reports the real cause.
	 */
	raise(sig);
}

static void actions_install(struct saved_actions *sa, const sigset_t *forwarded, bool terminal)
{
	struct sigaction act = { .sa_handler = fatal_signal_handler, .sa_flags = SA_RESETHAND };
	struct sigaction ign = { .sa_handler = SIG_IGN };

	memset(sa, 0, sizeof(*sa));
	/*
	 * A reader that goes away (stderr or stdout a closed pipe) must not kill
	 * aigate with SIGPIPE and leave the sandbox running unsupervised; the
	 * relay handles EPIPE instead.
	 */
	sigemptyset(&ign.sa_mask);
	sa->pipe_set = sigaction(SIGPIPE, &ign, &sa->pipe) == 0;
	if (!terminal)
		return;
	/* A fatal signal must not leave the user's terminal in raw mode. */
	sigfillset(&act.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++) {
		int sig = fatal_signals[i];
		struct sigaction old;

		/* Blocked ones are read from the signalfd; they never kill aigate. */
		if (sigismember(forwarded, sig) == 1)
			continue;
		/* Leave ignored signals and the caller's own handlers alone. */
		if (sigaction(sig, NULL, &old) < 0 || (old.sa_flags & SA_SIGINFO) ||
		    old.sa_handler != SIG_DFL)
			continue;
		if (sigaction(sig, &act, NULL) == 0) {
			sa->fatal[i] = old;
			sa->fatal_set[i] = true;
		}
	}
}

static void actions_restore(const struct saved_actions *sa)
{
	for (size_t i = 0; i < ARRAY_SIZE(fatal_signals); i++)
		if (sa->fatal_set[i])
			(void)sigaction(fatal_signals[i], &sa->fatal[i], NULL);
	if (sa->pipe_set)
		(void)sigaction(SIGPIPE, &sa->pipe, NULL);
}

/* ---- the loop ---------------------------------------------------------------- */

struct relay {
	char *buf;
	size_t off; /* first byte not written yet */
	size_t len; /* bytes in buf */
};

struct loop {
	const struct run_loop_args *args;
	struct run_pty *pty;
	int sfd;
	struct relay in;       /* the user's keystrokes -> master */
	struct relay out;      /* master -> the user's terminal */
	bool in_open;	       /* still reading keystrokes */
	bool master_open;      /* CMD's side of the pty still exists */
	bool out_open;	       /* still writing CMD's output (else it is read and dropped) */
	bool raw;	       /* the relay has the keyboard: the user's terminal is raw */
	int sup_pidfd;	       /* the supervisor, until it exits (-1 after) */
	struct run_mask *mask; /* mask_stdout, or NULL */
	size_t out_cap;	       /* l->out.buf's size */
};

/* mask_stdout's output for the terminal: appended to what is waiting to be written. */
static int relay_append(void *ctx, const uint8_t *data, size_t len)
{
	struct loop *l = ctx;
	if (l->out.off) {
		memmove(l->out.buf, l->out.buf + l->out.off, l->out.len - l->out.off);
		l->out.len -= l->out.off;
		l->out.off = 0;
	}
	if (len > l->out_cap - l->out.len)
		return -ENOBUFS; /* cannot happen within the bounds above; dropped, never unmasked */
	memcpy(l->out.buf + l->out.len, data, len);
	l->out.len += len;
	return 0;
}

static void forward(const struct loop *l, int sig)
{
	/*
	 * Through the pidfd rather than kill(init_pid): the pidfd names this very
	 * process, so even if init was reaped behind our back (SIGCHLD set to
	 * SIG_IGN) a recycled pid can never receive the signal.
	 */
	if (syscall(SYS_pidfd_send_signal, l->args->init_pidfd, sig, NULL, 0) < 0) {
		if (errno != ESRCH)
			log_debug("cannot forward signal %d to the sandbox: %s", sig,
				  strerror(errno));
		return;
	}
	log_debug("forwarded signal %d to the sandbox", sig);
}

static void winsize_sync(const struct loop *l)
{
	struct winsize ws;

	if (l->pty && term_fd >= 0 && ioctl(term_fd, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(l->pty->master, TIOCSWINSZ, &ws);
}

/*
 * The relay cannot deliver keystrokes any more (CMD's side closed, or the
 * user's terminal hung up): put the terminal back in its own mode so that a
 * typed ^C is a SIGINT to aigate, forwarded to init, not a byte nobody reads.
 */
static void keyboard_release(struct loop *l)
{
	l->in_open = false;
	l->in.off = l->in.len = 0;
	if (l->raw) {
		l->raw = false;
		run_pty_restore();
	}
}

static void suspend(struct loop *l, bool delivered)
{
	if (!delivered)
		forward(l, SIGTSTP);
	run_pty_restore();
	/* SIGSTOP: SIGTSTP itself is blocked (it is read from the signalfd). */
	raise(SIGSTOP);
	/* Continued. The SIGCONT that did it is queued too: forward it once, below. */
	if (sigismember(l->args->forwarded, SIGCONT) == 1) {
		struct timespec zero = { 0, 0 };
		sigset_t cont;

		sigemptyset(&cont);
		sigaddset(&cont, SIGCONT);
		(void)sigtimedwait(&cont, NULL, &zero);
	}
	/* Continued in the background (bg), this stops aigate with SIGTTOU until fg, like vi. */
	if (l->raw && term_enter_raw() < 0)
		keyboard_release(l);
	winsize_sync(l);
	forward(l, SIGCONT);
}

static void signal_handle(struct loop *l, int sig, int code)
{
	/*
	 * The sandbox's init starts a session of its own (sandbox_run.c), so
	 * nothing inside shares aigate's process group or holds the user's
	 * terminal (which would allow TIOCSTI keystroke injection into the
	 * user's shell). Signals the terminal sent to aigate's group (a typed
	 * ^C with a redirected stdio, a hangup: si_code SI_KERNEL) therefore
	 * reached only aigate, and must be forwarded like any other.
	 */
	bool delivered = false;
	(void)code;

	switch (sig) {
	case SIGWINCH:
		/* TIOCSWINSZ on the master signals CMD's foreground group itself. */
		winsize_sync(l);
		break;
	case SIGTSTP:
		suspend(l, delivered);
		break;
	case SIGCHLD:
		break;
	default:
		if (!delivered)
			forward(l, sig);
		break;
	}
}

static int signals_read(struct loop *l)
{
	struct signalfd_siginfo si[16];

	for (;;) {
		ssize_t n = read(l->sfd, si, sizeof(si));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		for (size_t i = 0; i < (size_t)n / sizeof(si[0]); i++)
			signal_handle(l, (int)si[i].ssi_signo, si[i].ssi_code);
	}
}

/* Write what @r holds to @fd; 0 when all written or @fd is full (EAGAIN), or -errno. */
static int relay_flush(int fd, struct relay *r)
{
	while (r->off < r->len) {
		ssize_t n = write(fd, r->buf + r->off, r->len - r->off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0; /* nothing taken: wait for POLLOUT rather than spin */
		r->off += (size_t)n;
	}
	r->off = r->len = 0;
	return 0;
}

static void in_flush(struct loop *l)
{
	int r = relay_flush(l->pty->master, &l->in);

	if (r < 0) {
		log_debug("keystrokes to the command: %s", strerror(-r));
		keyboard_release(l);
	}
}

static void out_flush(struct loop *l)
{
	int r;

	if (!l->out_open) {
		l->out.off = l->out.len = 0;
		return;
	}
	r = relay_flush(l->pty->out_fd, &l->out);
	if (r < 0) {
		/*
		 * EPIPE/EIO: nobody reads the output any more. Keep reading the
		 * master and drop it, so CMD is not blocked forever on a full pty.
		 */
		log_debug("terminal output stopped: %s", strerror(-r));
		l->out_open = false;
		l->out.off = l->out.len = 0;
	}
}

static void in_pump(struct loop *l)
{
	ssize_t n = read(l->pty->in_fd, l->in.buf, RUN_RELAY_BUF);

	if (n > 0) {
		l->in.off = 0;
		l->in.len = (size_t)n;
		in_flush(l);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of input or a hung-up terminal: stop reading; the master stays open. */
	log_debug("end of the keyboard input: %s", n < 0 ? strerror(errno) : "EOF");
	keyboard_release(l);
}

/* Read once from the master and write it out; returns the bytes read. */
static size_t out_pump(struct loop *l)
{
	static uint8_t scratch[RUN_RELAY_BUF];
	ssize_t n = read(l->pty->master, l->mask ? (char *)scratch : l->out.buf, RUN_RELAY_BUF);

	if (n > 0 && l->mask) {
		/* Only what can no longer be part of a secret comes out; the rest waits. */
		l->out.off = l->out.len = 0;
		(void)run_mask_pty(l->mask, scratch, (size_t)n, relay_append, l);
		out_flush(l);
		return (size_t)n;
	}
	if (n > 0) {
		l->out.off = 0;
		l->out.len = (size_t)n;
		out_flush(l);
		return (size_t)n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	/* EIO: every fd of the slave is closed, CMD's side of the pty is gone. */
	l->master_open = false;
	keyboard_release(l);
	return 0;
}

enum { PFD_SIG, PFD_INIT, PFD_IN, PFD_MASTER, PFD_OUT, PFD_SUP, PFD_MOUT, PFD_MERR, PFD_COUNT };

/*
 * The supervisor exited. With a sandbox still running, that is a failure
 * (killed, crashed): every trapped call already fails (ENOSYS); stop the
 * sandbox now rather than let it run on half-blind, and tell the caller.
 */
static void supervisor_gone(struct loop *l)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)l->sup_pidfd, &si, WEXITED | WNOHANG) < 0 || si.si_pid == 0)
		return;
	l->sup_pidfd = -1;
	if (si.si_code == CLD_EXITED && si.si_status == 0)
		return; /* the last sandboxed process is gone: the normal end */
	if (l->args->ret_sup_died)
		*l->args->ret_sup_died = si.si_code == CLD_EXITED ? W_EXITCODE(si.si_status, 0)
								  : si.si_status & 0x7f;
	syscall(SYS_pidfd_send_signal, l->args->init_pidfd, SIGKILL, NULL, 0);
}

/* Relay and forward until init exits (0) or an error (-errno). */
static int loop_run(struct loop *l)
{
	for (;;) {
		struct pollfd p[PFD_COUNT] = {
			[PFD_SIG] = { .fd = l->sfd, .events = POLLIN },
			[PFD_INIT] = { .fd = l->args->init_pidfd, .events = POLLIN },
			[PFD_IN] = { .fd = -1 },
			[PFD_MASTER] = { .fd = -1 },
			[PFD_OUT] = { .fd = -1 },
			[PFD_SUP] = { .fd = l->sup_pidfd, .events = POLLIN },
		};
		struct run_pty *pty = l->pty;

		/* Read a side only when the previous read is written out: bounded buffers, back-pressure. */
		if (pty && l->in_open && l->master_open && l->in.len == 0)
			p[PFD_IN] = (struct pollfd){ .fd = pty->in_fd, .events = POLLIN };
		if (pty && l->master_open) {
			short ev = (short)((l->out.len == 0 ? POLLIN : 0) |
					   (l->in.len > 0 ? POLLOUT : 0));

			if (ev)
				p[PFD_MASTER] = (struct pollfd){ .fd = pty->master, .events = ev };
		}
		if (pty && l->out.len > 0)
			p[PFD_OUT] = (struct pollfd){ .fd = pty->out_fd, .events = POLLOUT };
		/* mask_stdout: CMD's piped stdout and stderr, and when held output is due. */
		run_mask_pollfds(l->mask, &p[PFD_MOUT]);

		int timeout = run_mask_timeout(l->mask);
		if (poll(p, PFD_COUNT, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[PFD_SIG].revents) {
			int r = signals_read(l);
			if (r < 0)
				return r;
		}
		if (p[PFD_IN].revents && l->in_open && l->in.len == 0)
			in_pump(l);
		if ((p[PFD_MASTER].revents & (POLLOUT | POLLERR | POLLHUP)) && l->in.len > 0)
			in_flush(l);
		if ((p[PFD_MASTER].revents & (POLLIN | POLLERR | POLLHUP)) && l->master_open &&
		    l->out.len == 0)
			(void)out_pump(l);
		if (p[PFD_OUT].revents && l->out.len > 0)
			out_flush(l);
		if (p[PFD_MOUT].revents)
			run_mask_pipe_ready(l->mask, 0);
		if (p[PFD_MERR].revents)
			run_mask_pipe_ready(l->mask, 1);
		if (l->mask && run_mask_timeout(l->mask) == 0) {
			/* Appended after what waits; out_pump reads again only once all is out. */
			run_mask_expire(l->mask, relay_append, l);
			if (pty && l->out.len > 0)
				out_flush(l);
		}
		if (p[PFD_SUP].revents)
			supervisor_gone(l);
		if (p[PFD_INIT].revents & POLLNVAL)
			return -EBADF;
		if (p[PFD_INIT].revents)
			return 0;
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * init is gone: write out what CMD left on the master. Bounded in bytes (a
 * daemon CMD left behind may still hold the slave and write) and in time (a
 * terminal that stopped reading).
 */
static void drain(struct loop *l)
{
	long long deadline = now_ms() + RUN_DRAIN_TIMEOUT_MS;
	size_t total = 0;

	while (now_ms() < deadline) {
		size_t n;

		if (l->out.len > 0) {
			struct pollfd p = { .fd = l->pty->out_fd, .events = POLLOUT };
			long long left;

			out_flush(l);
			if (l->out.len == 0)
				continue;
			left = deadline - now_ms();
			if (left <= 0 || poll(&p, 1, (int)left) == 0)
				break;
			continue;
		}
		if (!l->master_open || total >= RUN_DRAIN_MAX_BYTES)
			break;
		n = out_pump(l);
		if (n == 0)
			break;
		total += n;
	}
}

static int reap(const struct run_loop_args *args)
{
	idtype_t type = P_PIDFD;
	id_t id = (id_t)args->init_pidfd;
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(type, id, &si, WEXITED) == 0)
			break;
		if (errno == EINTR)
			continue;
		/* P_PIDFD needs Linux 5.4: fall back to the pid (init is our unreaped child). */
		if (errno == EINVAL && type == P_PIDFD) {
			type = P_PID;
			id = (id_t)args->init_pid;
			continue;
		}
		return -errno;
	}
	switch (si.si_code) {
	case CLD_EXITED:
		return W_EXITCODE(si.si_status & 0xff, 0);
	case CLD_KILLED:
		return si.si_status & 0x7f;
	case CLD_DUMPED:
		return (si.si_status & 0x7f) | WCOREFLAG;
	default:
		return -EPROTO;
	}
}

int run_loop(const struct run_loop_args *args)
{
	_cleanup_free_ char *in_buf = NULL, *out_buf = NULL;
	_cleanup_close_ int sfd = -1;
	struct saved_actions actions;
	struct loop l;
	int r;

	if (!args || !args->forwarded || args->init_pidfd < 0 || args->init_pid <= 0)
		return -EINVAL;
	sfd = signalfd(-1, args->forwarded, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	l = (struct loop){ .args = args,
			   .pty = args->pty,
			   .sfd = sfd,
			   .sup_pidfd = args->sup_pidfd,
			   .mask = args->mask };
	if (l.pty) {
		l.out_cap = l.mask ? RUN_MASKED_BUF : RUN_RELAY_BUF;
		in_buf = malloc(RUN_RELAY_BUF);
		out_buf = malloc(l.out_cap);
		if (!in_buf || !out_buf)
			return -ENOMEM;
		l.in.buf = in_buf;
		l.out.buf = out_buf;
		l.in_open = l.pty->in_fd >= 0;
		l.out_open = l.pty->out_fd >= 0;
		l.master_open = true;
	}

	actions_install(&actions, args->forwarded, l.pty != NULL);
	if (l.pty) {
		/* exit() from anywhere (another module's error path) restores the terminal. */
		if (!term_atexit_done && atexit(run_pty_restore) == 0)
			term_atexit_done = true;
		if (l.in_open) {
			/*
			 * Raw only when the relay can read the keyboard: otherwise ^C
			 * and ^Z would be bytes that nobody reads.
			 */
			r = term_enter_raw();
			if (r < 0) {
				log_warn("cannot put the terminal in raw mode: %s", strerror(-r));
				keyboard_release(&l);
			} else {
				l.raw = true;
			}
		}
		/* The size may have changed since run_pty_open(). */
		winsize_sync(&l);
	}

	r = loop_run(&l);
	if (r >= 0 && l.pty)
		drain(&l);
	/* Nothing held back is lost at the end: the rest goes out, masked where complete. */
	if (l.mask) {
		run_mask_finish(l.mask, relay_append, &l);
		if (l.pty && l.out.len > 0)
			drain(&l);
	}
	run_pty_restore();
	actions_restore(&actions);
	if (r < 0)
		return r;
	return reap(args);
}
