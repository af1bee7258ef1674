/* SPDX-License-Identifier: MIT */
/*
 * cli.h — the aigate commands and their exit codes (docs/configuration.md
 * lists them). Each command parses its own options with getopt_long and
 * returns an exit status.
 */
#ifndef AIGATE_CLI_H
#define AIGATE_CLI_H

#include <stdbool.h>

enum {
	EXIT_OK = 0,
	EXIT_ERROR = 1,	    /* an operation failed; `policy check`: something is denied */
	EXIT_USAGE = 2,	    /* bad usage or a configuration error */
	EXIT_SANDBOX = 125, /* run: aigate could not build the sandbox */
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

int cmd_init(int argc, char **argv);
int cmd_deny(int argc, char **argv);
int cmd_allow(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_setup(int argc, char **argv); /* cmd_setup.c: needs root, else EXIT_ERROR */
int cmd_reset(int argc, char **argv); /* cmd_setup.c: needs root; without --force EXIT_ERROR */

/** cli_usage_error() - print "aigate: error: MSG" and "Try 'aigate CMD --help'."; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/**
 * cli_force_only() - the options of a command that takes only --force/-f
 * and --help and no argument (init, reset): *@ret_force. Returns -1 to go
 * on, or the exit status (help printed, or a usage error).
 */
int cli_force_only(const char *cmd, int argc, char **argv, bool *ret_force);

/** cli_print_help() - the help text of @cmd (NULL: the overview) on stdout. Returns EXIT_OK or EXIT_USAGE for an unknown command. */
int cli_print_help(const char *cmd);

#endif
