/* SPDX-License-Identifier: MIT */
/*
 * run_loop.h — the launcher's side of a running sandbox: give CMD its own
 * pseudo-terminal, relay the user's terminal to it, forward signals to the
 * sandbox's init and wait for init to exit.
 *
 * Sequence (the launcher):
 *	sigprocmask(SIG_BLOCK, forwarded)	signals wait in a signalfd
 *	run_pty_open(&pty)			before fork/clone
 *	fork/clone
 *	  child: unblock, run_pty_child_setup(pty), ..., exec
 *	  parent: run_pty_parent_after_fork(pty), pidfd_open(init),
 *		  run_loop(&args), run_pty_free(pty)
 *
 * The user's terminal state lives in this module's static variables (one
 * terminal per process) so that run_pty_restore() can run from atexit() and
 * from a fatal signal handler. SIGKILL (and SIGSTOP) of aigate cannot be
 * handled: after `kill -9 aigate` the terminal stays in raw mode until the
 * user types `stty sane` or `reset`.
 */
#ifndef AIGATE_RUN_LOOP_H
#define AIGATE_RUN_LOOP_H

#include <signal.h>
#include <sys/types.h>

struct run_pty;	 /* opaque */
struct run_mask; /* run_mask.h */

/** run_pty_fds() - which of fds 0-2 go to @pty (bit n: fd n); 0 for NULL. */
unsigned run_pty_fds(const struct run_pty *pty);

/**
 * run_pty_open() - before fork: if any of fds 0, 1, 2 is a terminal, open a
 * pseudo-terminal pair for CMD and copy the user's termios and window size
 * onto its slave. The user's terminal is the first of fds 0, 1, 2 that is a
 * terminal. Keystrokes are read from stdin's terminal (or that one), CMD's
 * terminal output is written to stdout's terminal, else stderr's, else that
 * one: never into a redirected stdout.
 *
 * Sets *@ret to NULL and returns 0 when none of the three is a terminal (CI:
 * no pty, CMD inherits stdin/stdout/stderr directly). Only one pty may be open
 * at a time (-EBUSY). Returns 0 or -errno; *@ret is written only on success.
 * The caller owns *@ret (run_pty_free()).
 */
int run_pty_open(struct run_pty **ret);

/**
 * run_pty_child_setup() - in the child after fork/clone, before exec; only
 * async-signal-safe calls. setsid(), make the slave the controlling terminal
 * (TIOCSCTTY), dup2 the slave onto each of fds 0, 1, 2 that was a terminal
 * when run_pty_open() ran (a redirected fd stays redirected), then close the
 * master, the original slave fd and every fd of the user's terminal this
 * module holds. With @pty NULL it does nothing at all (CMD keeps the caller's
 * session) and returns 0. Returns 0 or -errno.
 */
int run_pty_child_setup(const struct run_pty *pty);

/** run_pty_parent_after_fork() - in the parent after fork: close the slave. Accepts NULL. */
void run_pty_parent_after_fork(struct run_pty *pty);

struct run_loop_args {
	pid_t init_pid; /* host pid of the sandbox's init (fallback for waitid) */
	int init_pidfd; /* pidfd_open(init_pid): signals go through it, readable when init exits */
	struct run_pty *pty;	   /* NULL without a terminal */
	const sigset_t *forwarded; /* blocked by the caller before forking; see run_loop() */
	int sup_pidfd;	       /* the seccomp supervisor (-1: none); its death stops the sandbox */
	int *ret_sup_died;     /* set to its wait status (from waitid) when it died abnormally */
	struct run_mask *mask; /* mask_stdout (run_mask.h), armed; NULL: output unmasked */
};

/**
 * run_loop() - the parent's event loop while the sandbox runs. The signals in
 * @args->forwarded must be blocked in every thread of aigate (a thread that
 * leaves one unblocked takes it instead) and unblocked again in the child;
 * they are read from a signalfd:
 *   SIGWINCH  copy the user's window size to the pty (the kernel then signals
 *             CMD's foreground group); never forwarded.
 *   SIGTSTP   forward SIGTSTP, restore the user's terminal, stop aigate; once
 *             continued: raw mode again, window size re-synced, SIGCONT forwarded.
 *   SIGCHLD   ignored (it is about aigate's own children).
 *   others    (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT, ...)
 *             forwarded to init with pidfd_send_signal().
 * Do not put SIGTTIN/SIGTTOU in @args->forwarded: blocking them would let a
 * background aigate take over the terminal instead of being stopped.
 *
 * With a pty, the user's terminal is put in raw mode and bytes are relayed
 * user->master and master->user through 64 KiB buffers, written as soon as
 * they are read. When CMD's side of the pty is gone, or no keystrokes can be
 * read, the terminal goes back to its own mode so that ^C reaches aigate as
 * SIGINT and is forwarded. When init exits, what is left on the master is
 * written out (bounded: 1 MiB, 1 s), the terminal is restored and init is
 * reaped with waitid(). The terminal is also restored by atexit() and, while
 * the loop runs, by handlers for the fatal signals whose action is SIG_DFL;
 * SIGPIPE is ignored while the loop runs.
 *
 * Returns init's wait status (as from waitpid(), >= 0) or -errno; after an
 * error init has not been reaped: the caller kills and reaps it.
 */
int run_loop(const struct run_loop_args *args);

/**
 * run_pty_restore() - put the user's terminal back in the mode saved by
 * run_pty_open() if run_loop() changed it. Idempotent and async-signal-safe
 * (one tcsetattr(), errno preserved); registered with atexit().
 */
void run_pty_restore(void);

/** run_pty_free() - restore the terminal, close every fd of @pty and free it. Accepts NULL. */
void run_pty_free(struct run_pty *pty);

#endif
