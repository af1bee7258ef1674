/* SPDX-License-Identifier: MIT */
/*
 * pty_driver.c — drives launcher/run_loop.c the way `aigate run` does, with
 * no sandbox: the forked child plays the sandbox's init and execs CMD.
 * Usage: pty_driver CMD [ARG...]; exits with CMD's status (128+N if killed
 * by signal N), 125 if the driver itself fails, 127 if CMD cannot be run.
 * Built and used by tests/integration/test_pty.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher/log.h"
#include "launcher/run_loop.h"

static const int forwarded_signals[] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGTSTP, SIGCONT,
};

/* Async-signal-safe message from the child, then _exit(). */
static void child_fail(const char *what, int err, int code)
{
	const char *msg = strerror(err); /* glibc: a static table lookup */

	(void)!write(STDERR_FILENO, "pty_driver: ", 12);
	(void)!write(STDERR_FILENO, what, strlen(what));
	(void)!write(STDERR_FILENO, ": ", 2);
	(void)!write(STDERR_FILENO, msg, strlen(msg));
	(void)!write(STDERR_FILENO, "\n", 1);
	_exit(code);
}

int main(int argc, char **argv)
{
	struct run_pty *pty = NULL;
	sigset_t forwarded, old;
	pid_t pid;
	int pidfd, r;

	log_init();
	if (argc < 2) {
		log_error("usage: pty_driver CMD [ARG...]");
		return 125;
	}
	sigemptyset(&forwarded);
	for (size_t i = 0; i < sizeof(forwarded_signals) / sizeof(forwarded_signals[0]); i++)
		sigaddset(&forwarded, forwarded_signals[i]);
	if (sigprocmask(SIG_BLOCK, &forwarded, &old) < 0) {
		log_error("sigprocmask: %s", strerror(errno));
		return 125;
	}
	r = run_pty_open(&pty);
	if (r < 0) {
		log_error("cannot open a pseudo-terminal: %s", strerror(-r));
		return 125;
	}
	pid = fork();
	if (pid < 0) {
		log_error("fork: %s", strerror(errno));
		run_pty_free(pty);
		return 125;
	}
	if (pid == 0) {
		if (sigprocmask(SIG_SETMASK, &old, NULL) < 0)
			child_fail("sigprocmask", errno, 125);
		/* As the sandbox's init does: a session of its own, never the user's terminal. */
		if (!pty && setsid() < 0)
			child_fail("setsid", errno, 125);
		r = run_pty_child_setup(pty);
		if (r < 0)
			child_fail("pty setup", -r, 125);
		execvp(argv[1], argv + 1);
		child_fail(argv[1], errno, 127);
	}
	run_pty_parent_after_fork(pty);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		log_error("pidfd_open: %s", strerror(errno));
		run_pty_free(pty);
		return 125;
	}
	r = run_loop(&(struct run_loop_args){
		.init_pid = pid, .init_pidfd = pidfd, .pty = pty, .forwarded = &forwarded });
	close(pidfd);
	run_pty_free(pty);
	if (r < 0) {
		log_error("run loop: %s", strerror(-r));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 125;
	}
	if (WIFEXITED(r))
		return WEXITSTATUS(r);
	if (WIFSIGNALED(r))
		return 128 + WTERMSIG(r);
	return 125;
}
