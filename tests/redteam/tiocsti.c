/* SPDX-License-Identifier: MIT */
/*
 * tiocsti.c — red-team helper for tests/integration/test_filter.sh: push
 * keystrokes into the terminal's input queue (TIOCSTI: whatever reads the
 * terminal next — the user's shell once the agent exits — runs them) and
 * reach the console's TIOCLINUX, from a static binary with raw ioctl(2).
 * aigate's filter answers both with EPERM, comparing the low 32 bits of the
 * request: the kernel's ioctl takes an unsigned int command, so
 * 0xdead00005412 is TIOCSTI to the kernel, and a filter comparing all 64
 * bits would let it through.
 *
 * Usage: tiocsti OP... — each OP on fd 0, one line each:
 *   winsz          TIOCGWINSZ              "winsz: ok" | "winsz: ERRNO-NAME"
 *   fionread       FIONREAD                "fionread: ok" | …
 *   sti:TEXT       TIOCSTI of TEXT and a newline, one byte per call:
 *                  "sti: ok" then "sti read: LINE" (the line read back from
 *                  fd 0: the injection landed), or "sti: ERRNO-NAME"
 *   sti-high:TEXT  the same with the request 0xdead00005412
 *   linux          TIOCLINUX, subcode TIOCL_GETSHIFTSTATE (harmless)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TIOCSTI_HIGH		 0xdead00005412UL
#define TIOCL_GETSHIFTSTATE_CODE 6

static void report(const char *what, long r)
{
	if (r < 0) {
		const char *n = strerrorname_np(errno);
		printf("%s: %s\n", what, n ? n : "E?");
	} else {
		printf("%s: ok\n", what);
	}
	fflush(stdout);
}

static void sti(const char *what, unsigned long request, const char *text)
{
	char line[512];
	size_t len = strlen(text);

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? text[i] : '\n';
		if (syscall(SYS_ioctl, STDIN_FILENO, request, &c) < 0) {
			report(what, -1);
			return;
		}
	}
	report(what, 0);
	/* The terminal is in canonical mode: one read returns the injected line. */
	ssize_t n = read(STDIN_FILENO, line, sizeof(line) - 1);
	if (n < 0) {
		printf("%s read: %s\n", what, strerrorname_np(errno));
	} else {
		line[n] = '\0';
		line[strcspn(line, "\n")] = '\0';
		printf("%s read: %s\n", what, line);
	}
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: tiocsti winsz|fionread|sti:TEXT|sti-high:TEXT|linux...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		const char *op = argv[i];
		if (strcmp(op, "winsz") == 0) {
			struct winsize ws;
			report("winsz", syscall(SYS_ioctl, STDIN_FILENO, TIOCGWINSZ, &ws));
		} else if (strcmp(op, "fionread") == 0) {
			int n;
			report("fionread", syscall(SYS_ioctl, STDIN_FILENO, FIONREAD, &n));
		} else if (strncmp(op, "sti:", 4) == 0) {
			sti("sti", TIOCSTI, op + 4);
		} else if (strncmp(op, "sti-high:", 9) == 0) {
			sti("sti-high", TIOCSTI_HIGH, op + 9);
		} else if (strcmp(op, "linux") == 0) {
			char sub = TIOCL_GETSHIFTSTATE_CODE;
			report("linux", syscall(SYS_ioctl, STDIN_FILENO, TIOCLINUX, &sub));
		} else {
			fprintf(stderr, "tiocsti: unknown operation '%s'\n", op);
			return 2;
		}
	}
	return 0;
}
