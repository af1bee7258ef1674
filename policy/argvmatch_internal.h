/* SPDX-License-Identifier: MIT */
/*
 * argvmatch_internal.h — shared by argvmatch.c, argvmatch_shell.c and
 * argvmatch_data.c only; not installed, not used by other modules.
 *
 * Two things live here: the shell splitter's interface, and the shape of the
 * data tables (which global options of a CLI take a separate value, and how
 * each wrapper command finds the command it runs).
 */
#ifndef AIGATE_ARGVMATCH_INTERNAL_H
#define AIGATE_ARGVMATCH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/argvmatch.h"

/*
 * Words kept per simple command of a shell string (and per env -S list).
 * A command with more words keeps the first ones and sets
 * scratch->incomplete: only the command and its first positionals matter.
 */
#define ARGVMATCH_SHELL_MAX_WORDS 64
/* Nesting of $( ), ( ), ` ` inside one shell string. */
#define ARGVMATCH_SHELL_MAX_NEST 8

/*
 * argvmatch_shell_split() - split the shell command string @str into simple
 * commands and call @emit for each, with its words from the command name on
 * (assignments, redirections and reserved words removed). Words are copied
 * into @scratch and stay valid as long as it does; the @words array itself
 * is valid only during the call. When @scratch fills up or nesting is too
 * deep, scratch->incomplete is set and splitting stops; commands already
 * emitted stay valid.
 */
void argvmatch_shell_split(const char *str, struct argvmatch_scratch *scratch,
			   void (*emit)(void *ctx, const char *const *words, size_t n), void *ctx);

/*
 * argvmatch_shell_words() - split @str into words the way `env -S` does (blanks
 * separate, quotes and backslashes as in the shell, no operators), storing up
 * to @max pointers into @words. Returns the number of words; sets
 * scratch->incomplete when a word did not fit or there were more than @max.
 */
size_t argvmatch_shell_words(const char *str, struct argvmatch_scratch *scratch, const char **words,
			     size_t max);

/*
 * argvmatch_git_expand() - follow the git aliases of the git command line
 * @w (@n words, w[0] the git command) as git would: for each expansion call
 * @run_git with the expanded command line (w[0], the alias words, the
 * remaining arguments; valid during the call only) or, for a "!" alias,
 * @run_shell with the shell line it runs (in @scratch). @step counts the
 * expansions from 1. Alias definitions come from -c / --config-env in @w
 * and from @envp (may be NULL). Sets scratch->incomplete for what it cannot
 * see. argvmatch_git.c.
 */
struct argvmatch_git_ops {
	void (*run_git)(void *ctx, const char *const *words, size_t n, unsigned step);
	void (*run_shell)(void *ctx, const char *line, unsigned step);
	void *ctx;
};

void argvmatch_git_expand(const char *const *w, size_t n, const char *const *envp,
			  struct argvmatch_scratch *scratch, const struct argvmatch_git_ops *ops);

/* git's builtin commands, sorted (strcmp): git runs these, never an alias of the same name. */
extern const char *const argvmatch_git_builtins[];
extern const size_t argvmatch_ngit_builtins;

/* A CLI whose global options are skipped before its subcommand words. */
struct argvmatch_cli {
	const char *name;	       /* base name: "kubectl" */
	const char *const *value_opts; /* options taking a separate value, NULL-terminated */
	bool abbrev; /* accepts unique prefixes of long options (argparse, nopt) */
};

extern const struct argvmatch_cli argvmatch_clis[];
extern const size_t argvmatch_nclis;

enum argvmatch_wrap_kind {
	ARGVMATCH_WRAP_EXEC,  /* options, fixed operands, then the command's argv */
	ARGVMATCH_WRAP_SHELL, /* sh -c STRING: the string is shell code */
	ARGVMATCH_WRAP_JOIN,  /* eval, watch: the remaining words joined by spaces are shell code */
	ARGVMATCH_WRAP_SU,    /* su, runuser: "-c STRING" anywhere; runuser -u USER [--] CMD */
};

/* NAME=value words between the options and the command (env, sudo). */
#define ARGVMATCH_WF_ASSIGN (1u << 0)
/* A lone "-" after the options is a flag (env: same as -i). */
#define ARGVMATCH_WF_LONE_DASH (1u << 1)
/* After the operands, "-c STRING" / "--command STRING" is shell code (flock). */
#define ARGVMATCH_WF_OPERAND_C (1u << 2)
/* SU kind: with -u / --user USER the operands are the command (runuser -u U -- CMD). */
#define ARGVMATCH_WF_USER_CMD (1u << 3)

/*
 * How a wrapper command finds the command it runs. Short option sets are
 * strings of option letters; long option lists are NULL-terminated names
 * without the leading "--". Every wrapper parses like getopt_long with "+":
 * options stop at the first non-option word or "--", and long options may be
 * abbreviated to a unique prefix.
 */
struct argvmatch_wrapper {
	const char *name;
	enum argvmatch_wrap_kind kind;
	const char *short_val;	  /* take a value: attached ("-n5") or the next word */
	const char *short_optval; /* take the next word only when it is not an option (sudo -h) */
	const char *const *long_val; /* take a value: "--opt=v" or the next word */
	const char *short_norun;     /* present: nothing is run (command -v, taskset -p) */
	const char *const *long_norun;
	/*
	 * The option whose value is the command: shell code for SHELL and SU
	 * (sh -c, su -c); for EXEC a word list parsed again as the wrapper's
	 * own arguments (env -S), or with ARGVMATCH_WF_OPERAND_C shell code
	 * found right after the operands (flock FILE -c).
	 */
	char short_cmd;
	const char *long_cmd;
	unsigned noperands; /* fixed operands before the command (timeout DURATION) */
	unsigned flags;	    /* ARGVMATCH_WF_* */
};

extern const struct argvmatch_wrapper argvmatch_wrappers[];
extern const size_t argvmatch_nwrappers;

#endif
