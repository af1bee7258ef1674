/* SPDX-License-Identifier: MIT */
/*
 * main.c — the aigate command line: global options, then one command.
 * Invoked as "aigate-run CMD ARGS…" it behaves as "aigate run -- CMD ARGS…".
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/cli.h"
#include "launcher/log.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "init", cmd_init },	  { "deny", cmd_deny },	    { "allow", cmd_allow },
	{ "status", cmd_status }, { "doctor", cmd_doctor }, { "policy", cmd_policy },
	{ "run", cmd_run },	  { "audit", cmd_audit },   { "help", cmd_help },
	{ "setup", cmd_setup },	  { "reset", cmd_reset },
};

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s", msg);
	fprintf(stderr, "Try 'aigate %s%s--help'.\n", cmd ? cmd : "", cmd ? " " : "");
	return EXIT_USAGE;
}

int cli_force_only(const char *cmd, int argc, char **argv, bool *ret_force)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c;
	*ret_force = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			*ret_force = true;
			break;
		case 'h':
			return cli_print_help(cmd);
		default:
			return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int run_as_aigate_run(int argc, char **argv)
{
	/* "aigate-run CMD…" == "aigate run -- CMD…": no aigate option can swallow CMD's own. */
	char **args = calloc((size_t)argc + 3, sizeof(char *));
	if (!args)
		return EXIT_ERROR;
	args[0] = "run";
	args[1] = "--";
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	int r = cmd_run(argc + 1, args);
	free(args);
	return r;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ 0 },
	};
	const char *base = strrchr(argv[0], '/');
	int c;

	log_init();
	base = base ? base + 1 : argv[0];
	if (strcmp(base, "aigate-run") == 0)
		return run_as_aigate_run(argc, argv);

	/* '+': stop at the first non-option, the command name. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hVv", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			return cli_print_help(NULL);
		case 'V':
			printf("aigate %s\n", AIGATE_VERSION);
			return EXIT_OK;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		default:
			return cli_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		cli_print_help(NULL);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (strcmp(name, "version") == 0) {
		printf("aigate %s\n", AIGATE_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) == 0) {
			int at = optind;
			optind = 0; /* glibc: full re-initialisation for the command's own getopt */
			return commands[i].fn(argc - at, argv + at);
		}
	}
	return cli_usage_error(NULL, "unknown command '%s'", name);
}
