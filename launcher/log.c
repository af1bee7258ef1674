/* SPDX-License-Identifier: MIT */
/* log.c — see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/log.h"

static enum log_level current = LOG_INFO;
static bool color_err;
static bool color_out;

static bool want_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	if (nc && *nc)
		return false;
	if (term && strcmp(term, "dumb") == 0)
		return false;
	return isatty(fd);
}

void log_init(void)
{
	const char *lvl = getenv("AIGATE_LOG_LEVEL");
	if (lvl) {
		if (strcmp(lvl, "debug") == 0)
			current = LOG_DEBUG;
		else if (strcmp(lvl, "info") == 0)
			current = LOG_INFO;
		else if (strcmp(lvl, "warn") == 0 || strcmp(lvl, "warning") == 0)
			current = LOG_WARN;
		else if (strcmp(lvl, "error") == 0)
			current = LOG_ERROR;
	}
	color_err = want_color(STDERR_FILENO);
	color_out = want_color(STDOUT_FILENO);
}

void log_no_color(void)
{
	color_err = color_out = false;
}

void log_set_level(enum log_level level)
{
	current = level;
}

bool log_enabled(enum log_level level)
{
	return level >= current;
}

bool log_color_stdout(void)
{
	return color_out;
}

static void prefix(enum log_level level)
{
	static const char *const names[] = { "debug: ", "", "warning: ", "error: " };
	static const char *const colors[] = { "\033[2m", "", "\033[33m", "\033[31m" };
	if (color_err && *colors[level])
		fprintf(stderr, "aigate: %s%s\033[0m", colors[level], names[level]);
	else
		fprintf(stderr, "aigate: %s", names[level]);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	if (!log_enabled(level))
		return;
	prefix(level);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void log_diag(enum log_level level, const struct policy_diag *d)
{
	if (!log_enabled(level))
		return;
	fprintf(stderr, "aigate: ");
	if (d->line && d->col)
		fprintf(stderr, "%s:%u:%u: ", d->file, d->line, d->col);
	else if (d->line)
		fprintf(stderr, "%s:%u: ", d->file, d->line);
	else if (d->file[0])
		fprintf(stderr, "%s: ", d->file);
	if (level == LOG_WARN)
		fprintf(stderr, color_err ? "\033[33mwarning:\033[0m " : "warning: ");
	else if (level == LOG_ERROR)
		fprintf(stderr, color_err ? "\033[31merror:\033[0m " : "error: ");
	fprintf(stderr, "%s\n", d->msg);
}
