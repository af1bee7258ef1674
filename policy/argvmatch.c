/* SPDX-License-Identifier: MIT */
/*
 * argvmatch.c — deny_exec rules: parsing them, turning an argv into the
 * invocations it would run (unwrapping env, sudo, xargs, sh -c, ...), and
 * matching a rule against one invocation.
 *
 * Runs in the LD_PRELOAD shim between fork and exec: no allocation, no
 * stdio, no locale (bytes are compared, never classified by ctype), no
 * syscalls. Recursion is bounded by ARGVMATCH_MAX_DEPTH; all storage is the
 * caller's scratch plus small fixed arrays on the stack.
 */
#include <errno.h>
#include <string.h>

#include "policy/argvmatch.h"
#include "policy/argvmatch_internal.h"
#include "policy/util.h"

/* ---------------------------------------------------------------- rules */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Why a rule byte is refused, or NULL. */
static const char *bad_rule_byte(unsigned char c)
{
	/*
	 * A rule is compared literally. Quotes and globs would suggest a
	 * syntax that is not implemented: "kube*" would silently match nothing.
	 */
	if (c == '\'' || c == '"' || c == '`')
		return "quotes are not allowed: a rule is literal words";
	if (c == '*' || c == '?' || c == '[')
		return "glob characters are not allowed: a rule is literal words";
	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return "control characters are not allowed";
	return NULL;
}

int argvmatch_parse_rule(const char *text, char *buf, size_t bufsz, struct argvmatch_rule *ret,
			 const char **ret_reason)
{
	struct argvmatch_rule rule;
	const char *reason = NULL;
	const char *s;
	size_t used = 0;
	int r = -EINVAL;

	memset(&rule, 0, sizeof(rule));
	if (!text || !buf || !ret) {
		reason = "missing rule text or buffer";
		goto fail;
	}
	if (strnlen(text, ARGVMATCH_RULE_MAX + 1) > ARGVMATCH_RULE_MAX) {
		reason = "rule text too long";
		goto fail;
	}
	for (s = text; *s; s++) {
		reason = bad_rule_byte((unsigned char)*s);
		if (reason)
			goto fail;
	}
	for (s = text;;) {
		size_t len;

		while (is_blank(*s))
			s++;
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (rule.nwords == ARGVMATCH_MAX_WORDS) {
			reason = "too many words: a command and at most 7 subcommand words";
			goto fail;
		}
		if (len > ARGVMATCH_WORD_MAX) {
			reason = "rule word too long";
			goto fail;
		}
		/*
		 * Positional words are collected after skipping options, so an
		 * option in a rule could never match: refuse it instead.
		 */
		if (rule.nwords > 0 && s[0] == '-') {
			reason = "options are not subcommands";
			goto fail;
		}
		if (bufsz - used < len + 1) {
			reason = "rule does not fit the buffer";
			r = -ENOSPC;
			goto fail;
		}
		memcpy(buf + used, s, len);
		buf[used + len] = '\0';
		rule.words[rule.nwords++] = buf + used;
		used += len + 1;
		s += len;
	}
	if (rule.nwords == 0) {
		reason = "empty rule";
		goto fail;
	}
	*ret = rule;
	return 0;

fail:
	if (ret_reason)
		*ret_reason = reason;
	return r;
}

/* ------------------------------------------------------- option tables */

static const char *base_name(const char *cmd)
{
	const char *slash = strrchr(cmd, '/');

	return slash ? slash + 1 : cmd;
}

static bool has_char(const char *set, char c)
{
	return set && c != '\0' && strchr(set, c) != NULL;
}

/*
 * Is @name (its first @len bytes) the option @opt? With @abbrev, a prefix
 * counts too: getopt_long, argparse and nopt take "--adj 5" for
 * "--adjustment 5", and reading "5" as the command would hide the real one.
 * (An ambiguous prefix makes the tool fail, so over-consuming there hides
 * nothing that runs.)
 */
static bool opt_is(const char *opt, const char *name, size_t len, bool abbrev)
{
	size_t olen = opt ? strlen(opt) : 0;

	return len > 0 && len <= olen && memcmp(opt, name, len) == 0 && (len == olen || abbrev);
}

/* The same for any option of the NULL-terminated @list. */
static bool opt_listed(const char *const *list, const char *name, size_t len, bool abbrev)
{
	for (; list && *list; list++)
		if (opt_is(*list, name, len, abbrev))
			return true;
	return false;
}

static const struct argvmatch_cli *find_cli(const char *name)
{
	for (size_t i = 0; i < argvmatch_nclis; i++)
		if (strcmp(argvmatch_clis[i].name, name) == 0)
			return &argvmatch_clis[i];
	return NULL;
}

static const struct argvmatch_wrapper *find_wrapper(const char *name)
{
	for (size_t i = 0; i < argvmatch_nwrappers; i++)
		if (strcmp(argvmatch_wrappers[i].name, name) == 0)
			return &argvmatch_wrappers[i];
	return NULL;
}

/* Does option word @w (starting with '-') take the next word as its value? */
static bool cli_consumes(const struct argvmatch_cli *cli, const char *w)
{
	/* Unknown CLI: no option is known to take a value. */
	if (!cli)
		return false;
	/*
	 * "--x=y" and "-n=x" carry their value: otherwise
	 * `kubectl --namespace=x delete` would hide delete.
	 */
	if (strchr(w, '='))
		return false;
	if (w[1] == '-')
		return opt_listed(cli->value_opts, w, strlen(w), cli->abbrev && w[2] != '\0');
	/*
	 * A short cluster, as pflag and getopt read it: the first value-taking
	 * letter takes the rest of the word, or the next word when it is last.
	 * So "-nx delete" keeps delete (value "x") while "docker -Dl debug rm"
	 * skips debug.
	 */
	for (const char *c = w + 1; *c; c++) {
		char opt[3] = { '-', *c, '\0' };

		if (opt_listed(cli->value_opts, opt, 2, false))
			return c[1] == '\0';
	}
	return false;
}

/* The leading positional words of an invocation's arguments. */
static void collect_pos(struct argvmatch_invocation *inv, const char *const *a, size_t n,
			const struct argvmatch_cli *cli)
{
	bool options = true;

	for (size_t i = 0; i < n && inv->npos < ARGVMATCH_MAX_POS; i++) {
		const char *w = a[i];

		/* A lone "-" is an operand (stdin), never an option. */
		if (options && w[0] == '-' && w[1] != '\0') {
			/* `kubectl -- delete`: what follows "--" is positional. */
			if (strcmp(w, "--") == 0)
				options = false;
			else if (cli_consumes(cli, w))
				i++;
			continue;
		}
		inv->pos[inv->npos++] = w;
	}
}

/* ---------------------------------------------------------- extraction */

struct extract {
	struct argvmatch_scratch *scratch;
	struct argvmatch_invocation *out;
	size_t outmax;
	size_t n;
	const char *const *envp; /* may be NULL: the environment is not known */
};

static void extract_words(struct extract *x, const char *const *w, size_t n, unsigned depth);

static void incomplete(struct extract *x)
{
	x->scratch->incomplete = true;
}

struct shell_ctx {
	struct extract *x;
	unsigned depth;
};

static void emit_command(void *ctx, const char *const *words, size_t n)
{
	struct shell_ctx *sc = ctx;

	extract_words(sc->x, words, n, sc->depth);
}

/* Shell code run by a wrapper at @depth: its simple commands are one level deeper. */
static void shell_code(struct extract *x, const char *code, unsigned depth)
{
	struct shell_ctx ctx = { .x = x, .depth = depth + 1 };

	if (depth + 1 > ARGVMATCH_MAX_DEPTH) {
		incomplete(x);
		return;
	}
	argvmatch_shell_split(code, x->scratch, emit_command, &ctx);
}

/*
 * Words that env and sudo put in the environment instead of running: any
 * word with '=' after its first byte (env does not check the name). A word
 * starting with '=' makes env fail, so nothing runs.
 */
static bool is_env_assignment(const char *w)
{
	const char *eq = strchr(w, '=');

	return eq && eq != w;
}

struct opts {
	size_t next;	 /* index of the first word after the options */
	bool norun;	 /* an option says nothing is run (command -v) */
	bool have_cmd;	 /* the short_cmd / long_cmd option was seen ... */
	const char *cmd; /* ... with this value (NULL: it was missing) */
};

/*
 * Skip @wr's options in a[0..n) the way getopt_long("+...") does: options
 * end at "--" or at the first word that does not start with '-' ("-" alone
 * included). Stops early at the short_cmd / long_cmd option (env -S).
 */
static struct opts skip_options(const struct argvmatch_wrapper *wr, const char *const *a, size_t n)
{
	struct opts o = { 0 };
	bool cmd_opt = wr->kind != ARGVMATCH_WRAP_EXEC || !(wr->flags & ARGVMATCH_WF_OPERAND_C);
	size_t i = 0;

	while (i < n) {
		const char *w = a[i];

		if (w[0] != '-' || w[1] == '\0')
			break;
		i++;
		if (strcmp(w, "--") == 0)
			break;
		if (w[1] == '-') {
			const char *name = w + 2;
			size_t len = strcspn(name, "=");

			if (cmd_opt && opt_is(wr->long_cmd, name, len, true)) {
				o.have_cmd = true;
				o.cmd = name[len] == '=' ? name + len + 1 : i < n ? a[i++] : NULL;
				break;
			}
			/* Exact only: a wrong "runs nothing" would hide a command. */
			if (opt_listed(wr->long_norun, name, len, false))
				o.norun = true;
			/* "--opt=value" never consumes the next word. */
			if (name[len] == '\0' && opt_listed(wr->long_val, name, len, true) && i < n)
				i++;
			continue;
		}
		for (const char *c = w + 1; *c; c++) {
			if (has_char(wr->short_norun, *c))
				o.norun = true;
			if (cmd_opt && *c == wr->short_cmd) {
				o.have_cmd = true;
				o.cmd = c[1] ? c + 1 : i < n ? a[i++] : NULL;
				o.next = i;
				return o;
			}
			/* "-ovalue" never consumes; "-o value" does. */
			if (has_char(wr->short_val, *c)) {
				if (c[1] == '\0' && i < n)
					i++;
				break;
			}
			if (has_char(wr->short_optval, *c)) {
				if (c[1] == '\0' && i < n && a[i][0] != '-')
					i++;
				break;
			}
		}
	}
	o.next = i;
	return o;
}

static void unwrap_exec(struct extract *x, const struct argvmatch_wrapper *wr, const char *const *a,
			size_t n, unsigned depth);

/*
 * env -S STRING: GNU env splits STRING into words and parses them as its own
 * arguments again, followed by the remaining ones: `env -S "-i A=1 kubectl
 * delete" pod` runs kubectl delete pod. Each -S level counts as one level of
 * nesting, which bounds `-S "-S '...'"`.
 */
static void unwrap_split(struct extract *x, const struct argvmatch_wrapper *wr, const char *str,
			 const char *const *rest, size_t nrest, unsigned depth)
{
	const char *w[ARGVMATCH_SHELL_MAX_WORDS];
	size_t n, i;

	if (depth + 1 > ARGVMATCH_MAX_DEPTH) {
		incomplete(x);
		return;
	}
	n = argvmatch_shell_words(str, x->scratch, w, ARRAY_SIZE(w));
	for (i = 0; i < nrest && n < ARRAY_SIZE(w); i++)
		w[n++] = rest[i];
	if (i < nrest)
		incomplete(x);
	unwrap_exec(x, wr, w, n, depth + 1);
}

static void unwrap_exec(struct extract *x, const struct argvmatch_wrapper *wr, const char *const *a,
			size_t n, unsigned depth)
{
	struct opts o = skip_options(wr, a, n);
	size_t i = o.next;

	if (o.have_cmd) {
		if (o.cmd)
			unwrap_split(x, wr, o.cmd, a + i, n - i, depth);
		return;
	}
	/* command -v, taskset -p, ionice -p: the words are names or pids. */
	if (o.norun)
		return;
	if ((wr->flags & ARGVMATCH_WF_LONE_DASH) && i < n && strcmp(a[i], "-") == 0)
		i++;
	/* `env -i A=1 B=2 kubectl delete`: the assignments are not the command. */
	if (wr->flags & ARGVMATCH_WF_ASSIGN)
		while (i < n && is_env_assignment(a[i]))
			i++;
	/* timeout DURATION, flock FILE, taskset MASK, chrt PRIORITY, chroot DIR */
	for (unsigned k = 0; k < wr->noperands; k++)
		if (i++ >= n)
			return;
	if ((wr->flags & ARGVMATCH_WF_OPERAND_C) && i < n &&
	    ((a[i][0] == '-' && a[i][1] == wr->short_cmd && a[i][2] == '\0') ||
	     (wr->long_cmd && a[i][0] == '-' && a[i][1] == '-' &&
	      strcmp(a[i] + 2, wr->long_cmd) == 0))) {
		/* flock FILE -c STRING runs STRING with $SHELL -c. */
		if (i + 1 < n)
			shell_code(x, a[i + 1], depth);
		return;
	}
	extract_words(x, a + i, n - i, depth + 1);
}

/*
 * sh, bash, dash, zsh, ksh: find -c in any short cluster ("-c", "-ec",
 * "-lc"); -o/+o NAME and -O/+O SHOPT take the next word, as do bash's
 * --rcfile / --init-file; other long options are flags. The command string
 * is the first operand. Without -c the shell runs a script or stdin, which
 * the supervisor judges when its commands execve().
 */
static void unwrap_shell(struct extract *x, const struct argvmatch_wrapper *wr,
			 const char *const *a, size_t n, unsigned depth)
{
	bool have_c = false;
	size_t i = 0;

	while (i < n) {
		const char *w = a[i];

		if ((w[0] != '-' && w[0] != '+') || w[1] == '\0') {
			if (strcmp(w, "-") == 0) /* "sh -c - CMD": "-" ends the options */
				i++;
			break;
		}
		i++;
		if (strcmp(w, "--") == 0)
			break;
		if (w[0] == '-' && w[1] == '-') {
			if (opt_listed(wr->long_val, w + 2, strlen(w + 2), false) && i < n)
				i++;
			continue;
		}
		for (const char *c = w + 1; *c; c++) {
			if (*c == wr->short_cmd && w[0] == '-')
				have_c = true;
			else if (has_char(wr->short_val, *c) && i < n)
				i++;
		}
	}
	if (have_c && i < n)
		shell_code(x, a[i], depth);
}

/*
 * eval ARG..., watch [opts] ARG...: the words joined by spaces are shell
 * code (`eval kubectl delete x` and `eval "kubectl delete x"` alike).
 */
static void unwrap_join(struct extract *x, const struct argvmatch_wrapper *wr, const char *const *a,
			size_t n, unsigned depth)
{
	struct argvmatch_scratch *sc = x->scratch;
	size_t i = skip_options(wr, a, n).next;
	size_t start = sc->used;

	if (i >= n)
		return;
	for (; i < n; i++) {
		size_t len = strlen(a[i]);

		if (sizeof(sc->buf) - sc->used < len + 1) {
			sc->used = start;
			incomplete(x);
			return;
		}
		memcpy(sc->buf + sc->used, a[i], len);
		sc->used += len;
		sc->buf[sc->used++] = i + 1 < n ? ' ' : '\0';
	}
	shell_code(x, sc->buf + start, depth);
}

/*
 * su and runuser permute their arguments, and the words after the user are
 * passed to the user's shell, which reads -c too: so "-c STRING" counts
 * wherever it is (`su -c CMD`, `su USER -c CMD`, `su USER -- -c CMD`).
 * runuser -u USER [--] CMD ARGS runs CMD directly.
 */
static void unwrap_su(struct extract *x, const struct argvmatch_wrapper *wr, const char *const *a,
		      size_t n, unsigned depth)
{
	bool by_user = false;

	for (size_t i = 0; i < n; i++) {
		const char *w = a[i];
		bool option = w[0] == '-' && w[1] != '\0' && strcmp(w, "--") != 0;
		const char *name = option ? w + 2 : "";
		size_t len = strcspn(name, "=");

		if (!option) {
			if (!by_user)
				continue; /* the user name, or words for the user's shell */
			i += strcmp(w, "--") == 0;
			extract_words(x, a + i, n - i, depth + 1);
			return;
		}
		if (w[1] != '-') {
			/* A short cluster: the first value-taking letter ends it. */
			for (const char *c = w + 1; *c; c++) {
				if (*c != wr->short_cmd && !has_char(wr->short_val, *c))
					continue;
				if (*c == wr->short_cmd && (c[1] || i + 1 < n))
					shell_code(x, c[1] ? c + 1 : a[i + 1], depth);
				by_user |= (wr->flags & ARGVMATCH_WF_USER_CMD) && *c == 'u';
				i += c[1] == '\0';
				break;
			}
		} else if (opt_is(wr->long_cmd, name, len, true) ||
			   opt_is("session-command", name, len, true)) {
			if (name[len] == '=')
				shell_code(x, name + len + 1, depth);
			else if (++i < n)
				shell_code(x, a[i], depth);
		} else if (name[len] == '\0' && opt_listed(wr->long_val, name, len, true)) {
			by_user |= (wr->flags & ARGVMATCH_WF_USER_CMD) &&
				   opt_is("user", name, len, true);
			i++;
		}
	}
}

/* Record the invocation of w[0] with its arguments; NULL past a bound. */
static struct argvmatch_invocation *add_invocation(struct extract *x, const char *const *w,
						   size_t n, unsigned depth)
{
	struct argvmatch_invocation *inv;

	/* Past either bound the rest is judged by the supervisor at its execve(). */
	if (depth > ARGVMATCH_MAX_DEPTH || x->n >= x->outmax) {
		incomplete(x);
		return NULL;
	}
	inv = &x->out[x->n++];
	memset(inv, 0, sizeof(*inv));
	inv->cmd = w[0];
	inv->name = base_name(w[0]);
	inv->depth = depth;
	collect_pos(inv, w + 1, n - 1, find_cli(inv->name));
	return inv;
}

/* git aliases (argvmatch_git.c): each expansion is one level deeper. */
struct git_ctx {
	struct extract *x;
	unsigned depth;
};

static void git_run(void *ctx, const char *const *words, size_t n, unsigned step)
{
	struct git_ctx *gc = ctx;

	(void)add_invocation(gc->x, words, n, gc->depth + step);
}

static void git_shell(void *ctx, const char *line, unsigned step)
{
	struct git_ctx *gc = ctx;

	shell_code(gc->x, line, gc->depth + step - 1);
}

static void extract_words(struct extract *x, const char *const *w, size_t n, unsigned depth)
{
	const struct argvmatch_wrapper *wr;
	struct argvmatch_invocation *inv;

	if (n == 0)
		return;
	inv = add_invocation(x, w, n, depth);
	if (!inv)
		return;
	if (strcmp(inv->name, "git") == 0) {
		struct git_ctx gc = { .x = x, .depth = depth };
		struct argvmatch_git_ops ops = { .run_git = git_run,
						 .run_shell = git_shell,
						 .ctx = &gc };

		argvmatch_git_expand(w, n, x->envp, x->scratch, &ops);
		return;
	}

	/* Wrappers are known by base name: /usr/bin/env is env. */
	wr = find_wrapper(inv->name);
	if (!wr)
		return;
	switch (wr->kind) {
	case ARGVMATCH_WRAP_EXEC:
		unwrap_exec(x, wr, w + 1, n - 1, depth);
		break;
	case ARGVMATCH_WRAP_SHELL:
		unwrap_shell(x, wr, w + 1, n - 1, depth);
		break;
	case ARGVMATCH_WRAP_JOIN:
		unwrap_join(x, wr, w + 1, n - 1, depth);
		break;
	case ARGVMATCH_WRAP_SU:
		unwrap_su(x, wr, w + 1, n - 1, depth);
		break;
	default:
		break;
	}
}

size_t argvmatch_extract(const char *const *argv, size_t argc, struct argvmatch_scratch *scratch,
			 struct argvmatch_invocation *out, size_t outmax)
{
	return argvmatch_extract_env(argv, argc, NULL, scratch, out, outmax);
}

size_t argvmatch_extract_env(const char *const *argv, size_t argc, const char *const *envp,
			     struct argvmatch_scratch *scratch, struct argvmatch_invocation *out,
			     size_t outmax)
{
	struct extract x = { .scratch = scratch, .out = out, .outmax = outmax, .envp = envp };
	size_t n = 0;

	scratch->used = 0;
	scratch->incomplete = false;
	if (!argv)
		return 0;
	/* A NULL before argc ends the vector, as it does for execve(). */
	while (n < argc && argv[n])
		n++;
	if (n > 0 && outmax == 0)
		incomplete(&x);
	extract_words(&x, argv, n, 0);
	return x.n;
}

/* ------------------------------------------------------------ matching */

bool argvmatch_rule_matches(const char *const *rule_words, size_t nwords,
			    const struct argvmatch_invocation *inv)
{
	const char *cmd;

	if (!rule_words || nwords == 0 || !inv || !inv->cmd || !inv->name)
		return false;
	if (nwords - 1 > inv->npos)
		return false;
	/* "/opt/bin/tool" names one file; "tool" names it wherever it is. */
	cmd = strchr(rule_words[0], '/') ? inv->cmd : inv->name;
	if (!util_streq(rule_words[0], cmd))
		return false;
	/* A prefix of the positionals: "kubectl get pod delete-me" is not "kubectl delete". */
	for (size_t i = 1; i < nwords; i++)
		if (!util_streq(rule_words[i], inv->pos[i - 1]))
			return false;
	return true;
}
