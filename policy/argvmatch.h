/* SPDX-License-Identifier: MIT */
/*
 * argvmatch.h — deny_exec matching on an argument vector.
 *
 * A deny_exec rule is a command name ("curl"), an absolute path
 * ("/opt/bin/tool"), or a command followed by a subcommand path
 * ("kubectl delete", "kubectl rollout restart", "git push").
 *
 * An argv is first turned into the list of commands it would run
 * ("invocations"): the program itself, plus what wrappers run (env, xargs,
 * timeout, nice, nohup, sudo, command, exec, stdbuf, setsid, ... and the
 * simple commands inside `sh -c` / `bash -c` strings). For each invocation the
 * leading positional words are collected, skipping global options: which
 * options take a separate value for well-known CLIs (git, kubectl, docker,
 * helm, terraform, gh, npm, aws) is data (argvmatch_data.c), not code. For an
 * unknown command the first non-option word is the subcommand, and
 * "--x=y" never consumes the next word. A rule matches an invocation when the
 * command names agree and the rule's subcommand words are a prefix of the
 * invocation's positional words ("kubectl get pod delete-me" is not
 * "kubectl delete").
 *
 * git aliases defined on the command line or in the environment are
 * followed (argvmatch_git.c): `git -c alias.p=push p` is also judged as
 * `git push`, since git expands the alias itself and the command line
 * never says "push".
 *
 * This is a readable early answer, not the boundary: the supervisor sees
 * every real execve(), so a command hidden from this parser (a variable, a
 * shell alias, a git alias from a config file) is still judged when it
 * actually runs.
 *
 * Pure: no allocation (the caller supplies scratch space, usually on the
 * stack), no locale, no I/O — safe between fork and exec.
 */
#ifndef AIGATE_ARGVMATCH_H
#define AIGATE_ARGVMATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Words in one rule: the command and up to 7 subcommand words. */
#define ARGVMATCH_MAX_WORDS 8
/* Longest rule word, and longest rule text. */
#define ARGVMATCH_WORD_MAX 256
#define ARGVMATCH_RULE_MAX 1024
/* Positional words kept per invocation (only ARGVMATCH_MAX_WORDS-1 can matter). */
#define ARGVMATCH_MAX_POS (ARGVMATCH_MAX_WORDS - 1)
/* Invocations extracted from one argv (wrappers and shell strings nest). */
#define ARGVMATCH_MAX_INVOCATIONS 32
/* How deeply wrappers and `sh -c` strings are unwrapped. */
#define ARGVMATCH_MAX_DEPTH 8
/* Scratch for words split out of shell strings; past it, scratch->incomplete is set. */
#define ARGVMATCH_SCRATCH_SIZE 8192
/* git aliases: how many expansions are followed (alias.a=b, alias.b=push: 2). */
#define ARGVMATCH_GIT_MAX_CHAIN 8
/* GIT_CONFIG_KEY_<n> / GIT_CONFIG_VALUE_<n> entries read; past it, incomplete. */
#define ARGVMATCH_GIT_MAX_ENV_CONFIG 64
/* Longest alias value followed; a longer one is unknown (incomplete). */
#define ARGVMATCH_GIT_VALUE_MAX 4096
/* Environment entries looked at; past it, incomplete. */
#define ARGVMATCH_ENV_MAX 65536

/* One command that an argv would run. Strings point into argv or scratch. */
struct argvmatch_invocation {
	const char *cmd;  /* the command word as written ("/usr/bin/kubectl") */
	const char *name; /* its base name ("kubectl") */
	const char *pos[ARGVMATCH_MAX_POS];
	size_t npos;	/* leading positional words after skipping options */
	unsigned depth; /* 0: the program itself; >0: found inside a wrapper */
};

/* Caller-provided storage; contents are private to argvmatch. */
struct argvmatch_scratch {
	char buf[ARGVMATCH_SCRATCH_SIZE];
	size_t used;
	bool incomplete; /* set by argvmatch_extract() when something was not analysed */
};

/* A parsed rule. Words point into the buffer passed to argvmatch_parse_rule(). */
struct argvmatch_rule {
	const char *words[ARGVMATCH_MAX_WORDS];
	size_t nwords;
};

/**
 * argvmatch_parse_rule() - split rule text on blanks into words, copying them
 * into @buf (@bufsz bytes). Rejects empty rules, more than
 * ARGVMATCH_MAX_WORDS words, words longer than ARGVMATCH_WORD_MAX, quotes,
 * glob characters and control bytes (a rule is literal). Returns 0 or
 * -EINVAL (*@ret_reason set) / -ENOSPC.
 */
int argvmatch_parse_rule(const char *text, char *buf, size_t bufsz, struct argvmatch_rule *ret,
			 const char **ret_reason);

/**
 * argvmatch_extract() - list the invocations @argv (@argc words) would run.
 * @out has room for @outmax entries. Returns the number written (>= 1 when
 * argc >= 1, 0 for an empty argv). Never fails: when a shell string does not
 * fit in @scratch, nesting passes ARGVMATCH_MAX_DEPTH or more than @outmax
 * invocations are found, the entries written are still valid and
 * scratch->incomplete is set (the supervisor judges the rest at their real
 * execve).
 */
size_t argvmatch_extract(const char *const *argv, size_t argc, struct argvmatch_scratch *scratch,
			 struct argvmatch_invocation *out, size_t outmax);

/**
 * argvmatch_extract_env() - argvmatch_extract() for a program started with
 * the environment @envp (NULL-terminated; NULL: not known). Only
 * GIT_CONFIG_COUNT, GIT_CONFIG_KEY_<n>, GIT_CONFIG_VALUE_<n>,
 * GIT_CONFIG_PARAMETERS and the variables named by git's --config-env are
 * read: they define git aliases, whose expansions are listed as further
 * invocations (`GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.p
 * GIT_CONFIG_VALUE_0=push git p` also runs `git push`). The environment is
 * taken to reach every nested command (an `env -i` in between is not
 * modelled: that over-matches, never misses). An alias whose value cannot
 * be seen (--config-env without @envp, more entries than the bounds) sets
 * scratch->incomplete and adds nothing. Same return and bounds as
 * argvmatch_extract(); @envp is only read.
 */
size_t argvmatch_extract_env(const char *const *argv, size_t argc, const char *const *envp,
			     struct argvmatch_scratch *scratch, struct argvmatch_invocation *out,
			     size_t outmax);

/**
 * argvmatch_rule_matches() - does @rule (words[0] the command, then the
 * subcommand path) match @inv? A rule command containing '/' is compared
 * with the invocation's command word; otherwise with its base name.
 */
bool argvmatch_rule_matches(const char *const *rule_words, size_t nwords,
			    const struct argvmatch_invocation *inv);

#endif
