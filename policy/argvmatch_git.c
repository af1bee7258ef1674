/* SPDX-License-Identifier: MIT */
/*
 * argvmatch_git.c — git aliases, so that a "git push" rule also judges
 * `git -c alias.p=push p`.
 *
 * Why: git expands an alias itself. The command line the supervisor and
 * the shim see is `git -c alias.p=push p`, whose subcommand word is "p".
 * (git 2.39 runs the expansion of a non-"!" alias as a new `git push`
 * process, and a "!" alias through /bin/sh, so the real boundary still sees
 * a `git push` exec; this gives the early, readable answer, and covers a
 * git that expands in-process.)
 *
 * What git does, and what is mirrored here (git.c run_argv, handle_alias;
 * config.c git_config_from_parameters; alias.c split_cmdline):
 *   - a builtin runs before any alias of the same name is looked up:
 *     `git -c alias.push=status push` runs push;
 *   - alias definitions on the command line are read in this order, the
 *     last one winning: GIT_CONFIG_COUNT / GIT_CONFIG_KEY_<n> /
 *     GIT_CONFIG_VALUE_<n>, then GIT_CONFIG_PARAMETERS ('key'='value' or
 *     old-style 'key=value' words), then the -c and --config-env options
 *     (which git appends to GIT_CONFIG_PARAMETERS);
 *   - "alias." and the alias name compare case-insensitively;
 *   - a value starting with "!" is a shell command line run with the
 *     remaining arguments appended ("$@"); any other value is split into
 *     words (quotes and backslashes, no shell syntax) and replaces the
 *     alias name, and the result is looked up again: chains are followed
 *     up to ARGVMATCH_GIT_MAX_CHAIN expansions, and a name seen twice ends
 *     the chain (git dies: "alias loop detected").
 *
 * Not seen: aliases from configuration files (/etc/gitconfig,
 * ~/.gitconfig, $XDG_CONFIG_HOME/git/config, the repository's .git/config,
 * include.path, GIT_CONFIG_GLOBAL / GIT_CONFIG_SYSTEM files), environment
 * assignments inside a shell string or an `env` wrapper (the real exec
 * carries them in its environment), and an executable git-<name> on PATH,
 * which git prefers to an alias (following the alias there over-matches).
 * Where git would refuse the configuration and die (a malformed
 * GIT_CONFIG_PARAMETERS after a definition, a missing GIT_CONFIG_KEY_<n>),
 * what was read before the error still counts: an over-match of a command
 * that runs nothing, never a miss from a parser difference.
 *
 * Pure and allocation-free like the rest of argvmatch: strings go into the
 * caller's scratch, word arrays live on the stack.
 */
#include <string.h>

#include "policy/argvmatch_internal.h"
#include "policy/util.h"

/* git's isspace() (sane_ctype): blank, tab, newline, carriage return. */
static bool git_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Do s[0..len) and the NUL-terminated @name agree, ignoring ASCII case? */
static bool case_eq(const char *s, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] == '\0' || ascii_lower(s[i]) != ascii_lower(name[i]))
			return false;
	return name[len] == '\0';
}

/* Is key[0..len) "alias.NAME"? git lowercases the section and compares the name with strcasecmp. */
static bool alias_key(const char *key, size_t len, const char *name)
{
	return len > 6 && case_eq(key, 6, "alias.") && case_eq(key + 6, len - 6, name);
}

static bool git_builtin(const char *name)
{
	size_t lo = 0, hi = argvmatch_ngit_builtins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, argvmatch_git_builtins[mid]);

		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

/* Does git global option @opt take the next word? git has no clusters or abbreviations. */
static bool takes_value(const char *opt)
{
	if (strchr(opt, '='))
		return false;
	for (size_t i = 0; i < argvmatch_nclis; i++) {
		if (strcmp(argvmatch_clis[i].name, "git") != 0)
			continue;
		for (const char *const *o = argvmatch_clis[i].value_opts; o && *o; o++)
			if (strcmp(*o, opt) == 0)
				return true;
	}
	return false;
}

/*
 * Index of the subcommand word in git's argv @w, or @n. The same word that
 * collect_pos() takes as the first positional: a lone "-" and the word
 * after "--" count (git itself refuses both, so nothing is missed).
 */
static size_t command_index(const char *const *w, size_t n)
{
	size_t i = 1;

	while (i < n) {
		const char *a = w[i];

		if (a[0] != '-' || a[1] == '\0')
			return i;
		i++;
		if (strcmp(a, "--") == 0)
			return i;
		if (takes_value(a))
			i++;
	}
	return n;
}

/* ------------------------------------------------------- configuration */

struct config {
	const char *const *w; /* git's argv: options are w[1 .. nopts) */
	size_t nopts;
	const char *const *envp;
	const char *params; /* GIT_CONFIG_PARAMETERS */
	const char *keys[ARGVMATCH_GIT_MAX_ENV_CONFIG];
	const char *values[ARGVMATCH_GIT_MAX_ENV_CONFIG];
	size_t count; /* GIT_CONFIG_KEY/VALUE pairs git reads */
	struct argvmatch_scratch *scratch;
};

enum alias_kind {
	ALIAS_NONE,   /* not defined here: maybe in a config file, not seen */
	ALIAS_VALUE,  /* defined, value known */
	ALIAS_UNSEEN, /* defined, value not visible to us (incomplete) */
	ALIAS_BROKEN, /* defined in a way git refuses: it runs nothing */
};

struct alias {
	enum alias_kind kind;
	const char *value; /* ALIAS_VALUE: value[0 .. len), in argv, envp or scratch */
	size_t len;
};

/* The value of environment entry @e when it is "NAME=...", else NULL. */
static const char *env_entry(const char *e, const char *name)
{
	size_t len = strlen(name);

	return strncmp(e, name, len) == 0 && e[len] == '=' ? e + len + 1 : NULL;
}

/* The first value of @name in @envp, as getenv() finds it. */
static const char *env_get(const char *const *envp, const char *name)
{
	for (size_t i = 0; envp && envp[i] && i < ARGVMATCH_ENV_MAX; i++) {
		const char *v = env_entry(envp[i], name);

		if (v)
			return v;
	}
	return NULL;
}

/*
 * "PREFIX<n>=value" with n < ARGVMATCH_GIT_MAX_ENV_CONFIG written as git's
 * "%d" writes it (no sign, no leading zero): n, and the value in
 * *@ret_value. Otherwise -1.
 */
static int env_index(const char *e, const char *prefix, const char **ret_value)
{
	size_t len = strlen(prefix);
	const char *s = e + len;
	int n = 0;

	if (strncmp(e, prefix, len) != 0 || !is_digit(*s) || (s[0] == '0' && is_digit(s[1])))
		return -1;
	for (; is_digit(*s); s++) {
		n = n * 10 + (*s - '0');
		if (n >= ARGVMATCH_GIT_MAX_ENV_CONFIG)
			return -1;
	}
	if (*s != '=')
		return -1;
	*ret_value = s + 1;
	return n;
}

/*
 * GIT_CONFIG_COUNT as git reads it: strtoul() with nothing after the number
 * and at most INT_MAX. Returns the count, or -1 when git refuses it (and
 * with it the whole command-line configuration: it dies).
 */
static long parse_count(const char *s)
{
	const char *start = s;
	unsigned long long v = 0;
	bool digits = false, neg = false;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	for (; is_digit(*s); s++) {
		digits = true;
		if (v <= 0x7fffffffULL)
			v = v * 10 + (unsigned long long)(*s - '0');
	}
	/* No digits: strtoul leaves the end at the start, so only "" is accepted. */
	if (!digits)
		return *start == '\0' ? 0 : -1;
	if (*s != '\0' || v > 0x7fffffffULL || (neg && v != 0))
		return -1;
	return (long)v;
}

/* Read the environment's sources once. Returns false when no source defines anything. */
static bool config_init(struct config *c, const char *const *w, size_t nopts,
			const char *const *envp, struct argvmatch_scratch *scratch)
{
	const char *count = NULL;
	bool any = false;
	size_t i = 0;

	memset(c, 0, sizeof(*c));
	c->w = w;
	c->nopts = nopts;
	c->envp = envp;
	c->scratch = scratch;
	for (size_t k = 1; k < nopts; k++)
		if (strcmp(w[k], "-c") == 0 || strncmp(w[k], "--config-env", 12) == 0)
			any = true;
	for (; envp && envp[i] && i < ARGVMATCH_ENV_MAX; i++) {
		const char *e = envp[i], *v;
		int k;

		if (strncmp(e, "GIT_CONFIG_", 11) != 0)
			continue;
		/* Each first occurrence, as getenv() returns it. */
		if ((v = env_entry(e, "GIT_CONFIG_COUNT"))) {
			if (!count)
				count = v;
		} else if ((v = env_entry(e, "GIT_CONFIG_PARAMETERS"))) {
			if (!c->params)
				c->params = v;
		} else if ((k = env_index(e, "GIT_CONFIG_KEY_", &v)) >= 0) {
			if (!c->keys[k])
				c->keys[k] = v;
		} else if ((k = env_index(e, "GIT_CONFIG_VALUE_", &v)) >= 0) {
			if (!c->values[k])
				c->values[k] = v;
		}
	}
	if (envp && i == ARGVMATCH_ENV_MAX && envp[i])
		scratch->incomplete = true;
	if (count) {
		long n = parse_count(count);

		if (n > ARGVMATCH_GIT_MAX_ENV_CONFIG) {
			/* An alias defined past the bound cannot be seen. */
			scratch->incomplete = true;
			n = ARGVMATCH_GIT_MAX_ENV_CONFIG;
		}
		/* git reads the pairs in order and stops (dies) at the first missing one. */
		while ((long)c->count < n && c->keys[c->count] && c->values[c->count])
			c->count++;
	}
	return any || c->count > 0 || c->params;
}

static void define(struct alias *a, enum alias_kind kind, const char *value, size_t len)
{
	a->kind = kind;
	a->value = value;
	a->len = len;
}

/*
 * git's sq_dequote_step() on read-only text: the single-quoted word at @s
 * ('a'\''b' is a'b) is appended to the scratch, NUL-terminated, at
 * *@ret_off (*@ret_len bytes). Returns the text after it, or NULL when @s
 * is not such a word or it does not fit (*@ret_fit false).
 */
static const char *sq_word(const char *s, struct argvmatch_scratch *sc, size_t *ret_off,
			   size_t *ret_len, bool *ret_fit)
{
	size_t off = sc->used;

	*ret_fit = true;
	if (*s != '\'')
		return NULL;
	for (;;) {
		char c = *++s;

		if (c == '\0')
			return NULL;
		if (c == '\'') {
			/* Outside the quotes only \' and \! are allowed, and quoting resumes. */
			if (s[1] != '\\' || (s[2] != '\'' && s[2] != '!') || s[3] != '\'')
				break;
			c = s[2];
			s += 3;
		}
		if (sc->used + 1 >= sizeof(sc->buf)) {
			*ret_fit = false;
			return NULL;
		}
		sc->buf[sc->used++] = c;
	}
	sc->buf[sc->used++] = '\0';
	*ret_off = off;
	*ret_len = sc->used - 1 - off;
	return s + 1;
}

/*
 * GIT_CONFIG_PARAMETERS: quoted words separated by blanks, each
 * 'key'='value', 'key'= / 'key' (a boolean), or old-style 'key=value'.
 * The winning value is kept at the start of the scratch space used here;
 * the other entries' bytes are given back.
 */
static void params_lookup(const struct config *c, const char *name, struct alias *a)
{
	struct argvmatch_scratch *sc = c->scratch;
	size_t base = sc->used, keep = base;
	const char *s = c->params, *next;
	bool fit = true;

	if (!s)
		return;
	while (*s) {
		size_t koff = 0, klen = 0, voff = 0, vlen = 0;
		bool has_value = true;
		const char *key;

		next = sq_word(s, sc, &koff, &klen, &fit);
		if (!next)
			break; /* git: "bogus format" (and it dies) */
		s = next;
		key = sc->buf + koff;
		if (*s == '\0' || git_space(*s)) {
			/* Old style: split at the first '=', trim the key. */
			const char *eq = memchr(key, '=', klen);

			if (eq) {
				voff = (size_t)(eq + 1 - sc->buf);
				vlen = klen - (size_t)(eq + 1 - key);
				klen = (size_t)(eq - key);
			} else {
				has_value = false;
			}
			while (klen > 0 && git_space(key[0]))
				key++, klen--;
			while (klen > 0 && git_space(key[klen - 1]))
				klen--;
		} else if (*s == '=') {
			s++;
			if (*s == '\'') {
				next = sq_word(s, sc, &voff, &vlen, &fit);
				if (!next || (*next && !git_space(*next)))
					break;
				s = next;
			} else if (*s == '\0' || git_space(*s)) {
				has_value = false;
			} else {
				break;
			}
		} else {
			break;
		}
		if (alias_key(key, klen, name)) {
			if (has_value) {
				memmove(sc->buf + base, sc->buf + voff, vlen);
				sc->buf[base + vlen] = '\0';
				keep = base + vlen + 1;
				define(a, ALIAS_VALUE, sc->buf + base, vlen);
			} else {
				define(a, ALIAS_BROKEN, NULL, 0);
			}
		}
		sc->used = keep;
		while (git_space(*s))
			s++;
	}
	if (!fit) {
		/* An entry too long for the scratch space: it may have been this alias. */
		sc->incomplete = true;
		define(a, ALIAS_UNSEEN, NULL, 0);
	}
	sc->used = keep;
}

/* The last definition of alias @name, in git's order. */
static void lookup(const struct config *c, const char *name, struct alias *a)
{
	define(a, ALIAS_NONE, NULL, 0);
	for (size_t i = 0; i < c->count; i++)
		if (alias_key(c->keys[i], strlen(c->keys[i]), name))
			define(a, ALIAS_VALUE, c->values[i], strlen(c->values[i]));
	params_lookup(c, name, a);
	for (size_t i = 1; i < c->nopts; i++) {
		const char *opt = c->w[i], *text, *eq;

		if (strcmp(opt, "--") == 0)
			break;
		if (strcmp(opt, "-c") == 0 || strcmp(opt, "--config-env") == 0) {
			if (i + 1 >= c->nopts)
				break;
			text = c->w[++i];
		} else if (strncmp(opt, "--config-env=", 13) == 0) {
			text = opt + 13;
		} else {
			/* -C DIR, --git-dir DIR: the value is not an option (command_index() agrees). */
			if (takes_value(opt))
				i++;
			continue;
		}
		if (opt[1] == 'c') {
			/* -c KEY=VALUE: the first '='; no '=' is a boolean, which git refuses for an alias. */
			eq = strchr(text, '=');
			if (alias_key(text, eq ? (size_t)(eq - text) : strlen(text), name))
				define(a, eq ? ALIAS_VALUE : ALIAS_BROKEN, eq ? eq + 1 : NULL,
				       eq ? strlen(eq + 1) : 0);
			continue;
		}
		/* --config-env KEY=ENVVAR: the last '='; the value is that variable's. */
		eq = strrchr(text, '=');
		if (!eq || !alias_key(text, (size_t)(eq - text), name))
			continue;
		if (!c->envp) {
			define(a, ALIAS_UNSEEN, NULL, 0);
		} else {
			const char *v = eq[1] ? env_get(c->envp, eq + 1) : NULL;

			/* A missing variable: git dies. */
			define(a, v ? ALIAS_VALUE : ALIAS_BROKEN, v, v ? strlen(v) : 0);
		}
	}
	if (a->kind == ALIAS_VALUE && a->len > ARGVMATCH_GIT_VALUE_MAX)
		define(a, ALIAS_UNSEEN, NULL, 0);
	if (a->kind == ALIAS_UNSEEN)
		c->scratch->incomplete = true;
}

/* ------------------------------------------------------------ expansion */

static bool put_bytes(struct argvmatch_scratch *sc, const char *s, size_t len)
{
	if (sizeof(sc->buf) - sc->used < len + 1) /* one byte stays for the NUL */
		return false;
	memcpy(sc->buf + sc->used, s, len);
	sc->used += len;
	return true;
}

/*
 * git's split_cmdline(): blanks separate words (each blank run ends one:
 * a leading blank gives an empty first word), '...' and "..." quote, a
 * backslash outside '...' takes the next byte. Words go into the scratch.
 * Returns the number of words stored in @words (at most @max), or -1 when
 * git refuses the value (an unclosed quote, a trailing backslash).
 */
static long split_alias(const char *v, size_t len, struct argvmatch_scratch *sc, const char **words,
			size_t max)
{
	size_t start = sc->used, n = 0, word = sc->used;
	char quoted = 0;

	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? v[i] : '\0';

		if (i == len || (!quoted && git_space(c))) {
			if (i == len && quoted)
				goto refused;
			if (sc->used >= sizeof(sc->buf))
				goto full;
			sc->buf[sc->used++] = '\0';
			if (n == max) {
				sc->incomplete = true; /* the later words are arguments */
				return (long)n;
			}
			words[n++] = sc->buf + word;
			while (i + 1 < len && git_space(v[i + 1]))
				i++;
			word = sc->used;
			continue;
		}
		if (!quoted && (c == '\'' || c == '"')) {
			quoted = c;
			continue;
		}
		if (c == quoted) {
			quoted = 0;
			continue;
		}
		if (c == '\\' && quoted != '\'') {
			if (++i == len)
				goto refused;
			c = v[i];
		}
		if (!put_bytes(sc, &c, 1))
			goto full;
	}
	return (long)n;
full:
	sc->incomplete = true;
	sc->used = word;
	return (long)n;
refused:
	sc->used = start;
	return -1;
}

/*
 * A "!" alias: git runs `sh -c 'VALUE "$@"' VALUE ARGS...` (or VALUE as a
 * program when it has no shell syntax, which the shell reading gives too).
 * The same as the shell line VALUE 'ARG'...: each argument single-quoted.
 */
static const char *shell_line(const char *v, size_t len, const char *const *args, size_t nargs,
			      struct argvmatch_scratch *sc)
{
	size_t start = sc->used;

	if (!put_bytes(sc, v + 1, len - 1))
		goto full;
	for (size_t i = 0; i < nargs; i++) {
		if (!put_bytes(sc, " '", 2))
			goto full;
		for (const char *s = args[i]; *s; s++)
			if (!(*s == '\'' ? put_bytes(sc, "'\\''", 4) : put_bytes(sc, s, 1)))
				goto full;
		if (!put_bytes(sc, "'", 1))
			goto full;
	}
	sc->buf[sc->used++] = '\0';
	return sc->buf + start;
full:
	sc->used = start;
	sc->incomplete = true;
	return NULL;
}

/*
 * The expansion loop, out of line: its arrays (about 2 KiB of stack) are
 * only taken when the subcommand is not a builtin. The shim runs this on
 * the stack of a vfork child or a signal handler.
 */
static __attribute__((noinline)) void expand(const char *const *w, size_t n, size_t ci,
					     const char *const *envp,
					     struct argvmatch_scratch *scratch,
					     const struct argvmatch_git_ops *ops)
{
	const char *bufs[2][ARGVMATCH_SHELL_MAX_WORDS];
	const char *seen[ARGVMATCH_GIT_MAX_CHAIN];
	const char *const *cur = w;
	size_t ncur = n;
	struct config cfg;
	bool ready = false;

	for (unsigned step = 1; ci < ncur; step++) {
		const char *name = cur[ci];
		const char **next = bufs[step % 2]; /* never cur: that is the other one */
		size_t nn = 0;
		struct alias a;
		long nw;

		/* git runs a builtin without looking for an alias of that name. */
		if (git_builtin(name))
			return;
		/* A name already expanded: git dies ("alias loop detected"). */
		for (unsigned k = 0; k + 1 < step; k++)
			if (strcmp(seen[k], name) == 0)
				return;
		if (step > ARGVMATCH_GIT_MAX_CHAIN) {
			scratch->incomplete = true;
			return;
		}
		/* Only the git command line's own options define aliases, not the alias words. */
		if (!ready && !config_init(&cfg, w, command_index(w, n), envp, scratch))
			return;
		ready = true;
		lookup(&cfg, name, &a);
		if (a.kind != ALIAS_VALUE)
			return;
		seen[step - 1] = name;
		if (a.len > 0 && a.value[0] == '!') {
			const char *line =
				shell_line(a.value, a.len, cur + ci + 1, ncur - ci - 1, scratch);

			if (line)
				ops->run_shell(ops->ctx, line, step);
			return;
		}
		next[nn++] = w[0];
		nw = split_alias(a.value, a.len, scratch, next + 1, ARRAY_SIZE(bufs[0]) - 1);
		if (nw < 0)
			return; /* git: "bad alias string", nothing runs */
		nn += (size_t)nw;
		for (size_t k = ci + 1; k < ncur; k++) {
			if (nn == ARRAY_SIZE(bufs[0])) {
				scratch->incomplete = true;
				break;
			}
			next[nn++] = cur[k];
		}
		ops->run_git(ops->ctx, next, nn, step);
		cur = next;
		ncur = nn;
		ci = command_index(cur, ncur);
	}
}

void argvmatch_git_expand(const char *const *w, size_t n, const char *const *envp,
			  struct argvmatch_scratch *scratch, const struct argvmatch_git_ops *ops)
{
	size_t ci = command_index(w, n);

	/* The common case: `git status`, `git push`: a builtin, never an alias. */
	if (ci < n && !git_builtin(w[ci]))
		expand(w, n, ci, envp, scratch, ops);
}
