// SPDX-License-Identifier: MIT
/*
 * seatbelt.c — the Seatbelt (SBPL) profile for a compiled policy; see
 * seatbelt.h for the contract and docs/macos.md for what each rule is for.
 *
 * SBPL order matters. For one operation the last matching rule wins, and a
 * rule that names a specific operation (file-write-unlink) wins over a
 * wildcard one (file-write*) wherever it stands (sandbox-runtime and
 * greywall found both on macOS 14/15). So the profile is `(deny default)`,
 * the allowances, then every deny, each deny naming the same operation as
 * the allowance it narrows (a `file-read*` deny does not undo a
 * `file-read-data` allow).
 *
 * The text is built in memory and handed out whole: an error half-way
 * through never leaves a truncated profile (which would allow more) where
 * a caller could use it.
 */
#include "launcher/rc_files.h"
#include "launcher/seatbelt_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pathmatch.h"
#include "policy/util.h"

/* Regex scratch: longer than any string SEATBELT_STRING_MAX admits. */
#define RX_MAX (4 * SEATBELT_STRING_MAX)

/* ---- the profile text ---------------------------------------------------- */

struct gen {
	char *p;
	size_t len, cap;
	int err;
	const struct policy_blob *b;
	const struct seatbelt_options *o;
	bool fold;
	const char *indent; /* of the filters being written: "  ", deeper in a require-all */
	char home[PATHMATCH_PATH_MAX], root[PATHMATCH_PATH_MAX], adir[PATHMATCH_PATH_MAX];
	char what[1024]; /* the rule being written, for the diagnostic */
	struct seatbelt_diag *diag;
	char rx[RX_MAX];
};

static void fail(struct gen *g, int err, const char *why)
{
	if (g->err)
		return;
	g->err = err;
	if (g->diag)
		snprintf(g->diag->msg, sizeof(g->diag->msg), "%.900s: %s", g->what, why);
}

static void put(struct gen *g, const char *s, size_t n)
{
	if (g->err)
		return;
	if (g->len + n + 1 > g->cap) {
		size_t cap = g->cap ? g->cap : 16384;
		while (cap < g->len + n + 1 && cap <= SEATBELT_PROFILE_MAX)
			cap *= 2;
		if (g->len + n + 1 > SEATBELT_PROFILE_MAX) {
			fail(g, -E2BIG, "the profile would be larger than 16 MiB");
			return;
		}
		char *np = realloc(g->p, cap);
		if (!np) {
			fail(g, -ENOMEM, "out of memory");
			return;
		}
		g->p = np;
		g->cap = cap;
	}
	memcpy(g->p + g->len, s, n);
	g->len += n;
	g->p[g->len] = '\0';
}

static void puts_(struct gen *g, const char *s)
{
	put(g, s, strlen(s));
}

static _printf_(2, 3) void printf_(struct gen *g, const char *fmt, ...)
{
	char tmp[PATHMATCH_PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fail(g, -ENAMETOOLONG, "a line too long to write");
		return;
	}
	put(g, tmp, (size_t)n);
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * Text inside a comment. A newline there would end the comment and make
 * the rest of a rule's text SBPL: every control byte becomes '?'.
 */
static void comment_text(struct gen *g, const char *s)
{
	for (; *s && !g->err; s++) {
		char c = is_control((unsigned char)*s) ? '?' : *s;
		put(g, &c, 1);
	}
}

/*
 * An SBPL string literal. `"` and `\` are escaped, so a path cannot end
 * the string and write rules of its own; control bytes are refused: the
 * reader's escapes for them are not documented, and a raw newline or NUL
 * is not something to hand a parser we cannot test here.
 */
static void str_lit(struct gen *g, const char *s)
{
	size_t out = 0;

	for (const char *q = s; *q; q++) {
		if (is_control((unsigned char)*q)) {
			fail(g, -EINVAL, "holds a control byte, which an SBPL string cannot carry");
			return;
		}
		out += (*q == '"' || *q == '\\') ? 2 : 1;
	}
	if (out > SEATBELT_STRING_MAX) {
		fail(g, -ENAMETOOLONG,
		     "a path or regex longer than an SBPL string may be (1,000 bytes)");
		return;
	}
	puts_(g, "\"");
	for (const char *q = s; *q && !g->err; q++) {
		if (*q == '"' || *q == '\\')
			put(g, "\\", 1);
		put(g, q, 1);
	}
	puts_(g, "\"");
}

static void filter(struct gen *g, const char *kind, const char *s)
{
	printf_(g, "\n%s(%s ", g->indent, kind);
	str_lit(g, s);
	puts_(g, ")");
}

/* (regex "^…$") with @rx the regex built in g->rx by the rx_* helpers. */
static void filter_rx(struct gen *g, struct seatbelt_rx *x)
{
	if (x->err) {
		fail(g, x->err,
		     x->err == -EINVAL ? "an invalid glob"
				       : "a regex longer than an SBPL string may be (1,000 bytes)");
		return;
	}
	filter(g, "regex", x->buf);
}

/* The regex seatbelt_rule_regex() left in g->rx (@n: what it returned), to go on with. */
static struct seatbelt_rx rx_continue(struct gen *g, int n)
{
	return (struct seatbelt_rx){ .buf = g->rx,
				     .cap = sizeof(g->rx),
				     .len = n > 0 ? (size_t)n : 0,
				     .fold = g->fold,
				     .err = n < 0 ? n : 0 };
}

static struct seatbelt_rx rx_start(struct gen *g)
{
	struct seatbelt_rx x = { .buf = g->rx, .cap = sizeof(g->rx), .fold = g->fold };
	g->rx[0] = '\0';
	return x;
}

/* (regex "^PATH$"), or "^PATH(/.*)?$" with @below: @path and everything under it. */
static void filter_path_rx(struct gen *g, const char *path, bool below)
{
	struct seatbelt_rx x = rx_start(g);
	seatbelt_rx_puts(&x, "^");
	seatbelt_rx_literal(&x, path, strlen(path));
	seatbelt_rx_puts(&x, below ? "(/.*)?$" : "$");
	filter_rx(g, &x);
}

/* (require-all (regex …) (vnode-type TYPE)): the regex, for that file type only. */
static void require_all(struct gen *g, struct seatbelt_rx *x, const char *type)
{
	puts_(g, "\n  (require-all");
	g->indent = "    ";
	filter_rx(g, x);
	g->indent = "  ";
	printf_(g, "\n    (vnode-type %s))", type);
}

static void message(struct gen *g, const char *list, uint32_t i)
{
	/* Names the rule in the unified log's sandbox violation (docs/macos.md, audit). */
	printf_(g, "\n  (with message \"aigate:%s:%u\"))\n", list, i);
}

static void rule_comment(struct gen *g, const char *field, const struct policy_blob_rule *r,
			 const char *note)
{
	char origin[512];

	policy_blob_origin(g->b, r, origin, sizeof(origin));
	snprintf(g->what, sizeof(g->what), "%s \"%s\" (%s)", field,
		 policy_blob_str(g->b, r->text_off), origin);
	/* The diagnostic reaches a terminal: no control byte of a rule's text. */
	for (char *q = g->what; *q; q++)
		if (is_control((unsigned char)*q))
			*q = '?';
	puts_(g, ";; ");
	comment_text(g, g->what);
	if (note) {
		puts_(g, "\n;;   ");
		puts_(g, note);
	}
	puts_(g, "\n");
}

/*
 * macOS reaches /etc, /tmp and /var through symlinks into /private, and
 * Seatbelt matches the resolved path: a rule for one is also written for
 * the other. Returns the alias of @path in @buf, or NULL when it has none.
 */
static const char *private_alias(const char *path, char *buf, size_t bufsz)
{
	static const char *const linked[] = { "/etc", "/tmp", "/var" };

	for (size_t i = 0; i < ARRAY_SIZE(linked); i++) {
		size_t n = strlen(linked[i]);
		if (strncmp(path, linked[i], n) == 0 && (path[n] == '/' || path[n] == '\0')) {
			int w = snprintf(buf, bufsz, "/private%s", path);
			return w > 0 && (size_t)w < bufsz ? buf : NULL;
		}
	}
	return NULL;
}

/* ---- sections ----------------------------------------------------------- */

static const char base_rules[] =
	";; ---- base: what ordinary programs need; everything else is denied ----\n"
	";; processes: children inherit this profile; deny_exec narrows exec below\n"
	"(allow process-fork)\n"
	"(allow process-exec)\n"
	"(allow process-info* (target same-sandbox))\n"
	"(allow signal (target same-sandbox))\n"
	";; dyld maps libraries from outside the shared cache (Homebrew's, the shim)\n"
	"(allow file-map-executable)\n"
	";; system facts; not kern.procargs2 or kern.proc.all: the arguments,\n"
	";; environment and list of your other processes\n"
	"(allow sysctl-read\n"
	"  (sysctl-name-prefix \"hw.\")\n"
	"  (sysctl-name-prefix \"machdep.cpu.\")\n"
	"  (sysctl-name-prefix \"kern.proc.pid.\")\n"
	"  (sysctl-name-prefix \"kern.proc.pgrp.\")\n"
	"  (sysctl-name \"kern.argmax\")\n"
	"  (sysctl-name \"kern.hostname\")\n"
	"  (sysctl-name \"kern.maxfiles\")\n"
	"  (sysctl-name \"kern.maxfilesperproc\")\n"
	"  (sysctl-name \"kern.maxproc\")\n"
	"  (sysctl-name \"kern.ngroups\")\n"
	"  (sysctl-name \"kern.osproductversion\")\n"
	"  (sysctl-name \"kern.osrelease\")\n"
	"  (sysctl-name \"kern.ostype\")\n"
	"  (sysctl-name \"kern.osvariant_status\")\n"
	"  (sysctl-name \"kern.osversion\")\n"
	"  (sysctl-name \"kern.secure_kernel\")\n"
	"  (sysctl-name \"kern.usrstack64\")\n"
	"  (sysctl-name \"kern.version\")\n"
	"  (sysctl-name \"sysctl.proc_cputype\")\n"
	"  (sysctl-name \"vm.loadavg\"))\n"
	";; CPU counts for libuv (host_processor_info), preferences, POSIX semaphores\n"
	";; and shared memory (Python's multiprocessing)\n"
	"(allow mach-host*)\n"
	"(allow user-preference-read)\n"
	"(allow ipc-posix-sem ipc-posix-shm)\n"
	";; Mach services: users and groups, notifications, logging, the per-user\n"
	";; temporary directory, preferences. Not the keychain (SecurityServer),\n"
	";; Launch Services or Apple Events: each does work outside the sandbox.\n"
	"(allow mach-lookup\n"
	"  (global-name \"com.apple.system.opendirectoryd.libinfo\")\n"
	"  (global-name \"com.apple.system.opendirectoryd.membership\")\n"
	"  (global-name \"com.apple.system.notification_center\")\n"
	"  (global-name \"com.apple.system.logger\")\n"
	"  (global-name \"com.apple.logd\")\n"
	"  (global-name \"com.apple.bsd.dirhelper\")\n"
	"  (global-name \"com.apple.cfprefsd.agent\")\n"
	"  (global-name \"com.apple.cfprefsd.daemon\"))\n"
	"(allow file-ioctl\n"
	"  (literal \"/dev/random\")\n"
	"  (literal \"/dev/urandom\")\n"
	"  (literal \"/dev/dtracehelper\"))\n"
	"\n"
	";; ---- reads: everything but what deny_read hides (below) ----\n"
	"(allow file-read*)\n"
	"\n"
	";; ---- terminals: the pty aigate relays (AIGATE_TTY) and ptys the sandbox\n"
	";; opens itself; not your other terminals (their input is your keystrokes)\n"
	"(deny file-read* file-write* file-ioctl\n"
	"  (regex \"^/dev/ttys[0-9]+$\"))\n"
	"(allow pseudo-tty)\n"
	"(allow file-read* file-write* file-ioctl\n"
	"  (literal \"/dev/null\")\n"
	"  (literal \"/dev/zero\")\n"
	"  (literal \"/dev/tty\")\n"
	"  (literal \"/dev/ptmx\")\n"
	"  (regex \"^/dev/fd/[0-9]+$\")\n"
	"  (literal (param \"AIGATE_TTY\"))\n"
	"  (require-all\n"
	"    (regex \"^/dev/ttys[0-9]+$\")\n"
	"    (extension \"com.apple.sandbox.pty\")))\n\n";

static void header(struct gen *g)
{
	puts_(g, ";; aigate Seatbelt profile (SBPL) for sandbox-exec(1), generated by\n"
		 ";; `aigate policy seatbelt` from the effective policy: do not edit, change the\n"
		 ";; policy. docs/macos.md explains each rule and what Seatbelt cannot enforce.\n");
	puts_(g, ";; home: ");
	comment_text(g, g->home);
	puts_(g, "\n;; project root: ");
	comment_text(g, g->root);
	puts_(g, "\n");
	puts_(g,
	      g->fold ? ";; case-insensitive volumes: every deny matches letters in either case\n"
		      : ";; case-sensitive volumes: paths match byte for byte\n");
	puts_(g, ";; parameters (sandbox-exec -D NAME=VALUE): AIGATE_TMPDIR, the run's private\n"
		 ";; temporary directory (its realpath, under /private/var/folders);\n"
		 ";; AIGATE_TTY, the terminal aigate relays (/dev/null without one)");
	if ((g->b->hdr->flags & POLICY_BLOB_F_ALLOW_NET_SET) &&
	    (!g->o->http_proxy_port || !g->o->socks_proxy_port))
		puts_(g, ";\n;; AIGATE_HTTP_PROXY_PORT and AIGATE_SOCKS_PROXY_PORT, the egress "
			 "proxy's\n"
			 ";; loopback ports");
	puts_(g, "\n\n(version 1)\n(deny default)\n\n");
	puts_(g, base_rules);
}

/* Is @path @dir or below it? */
static bool below_or_same(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/*
 * An allow_write rule as a write root, mirroring sandbox_plan.c: one place
 * (no glob, not a bare name), never home itself or above it, nor aigate's
 * own directory or above it. Returns NULL (and why) for a rule skipped.
 */
static const char *write_root(struct gen *g, const struct policy_blob_rule *r, char *buf,
			      size_t bufsz, const char **ret_why)
{
	const char *glob = policy_blob_str(g->b, r->glob_off);
	int n;

	if (!r->literal || r->anchor == PATHMATCH_BASENAME) {
		*ret_why = "not one place (a glob or a bare name): skipped, as `aigate run` does";
		return NULL;
	}
	if (r->anchor == PATHMATCH_HOME)
		n = snprintf(buf, bufsz, "%s%s%s", g->home, r->glob_len ? "/" : "", glob);
	else if (r->anchor == PATHMATCH_ROOT)
		n = snprintf(buf, bufsz, "%s/%s", strcmp(g->root, "/") ? g->root : "", glob);
	else
		n = snprintf(buf, bufsz, "%s", glob);
	if (n < 0 || (size_t)n >= bufsz) {
		*ret_why = "too long: skipped";
		return NULL;
	}
	if (below_or_same(g->home, buf) || below_or_same(g->adir, buf) ||
	    below_or_same(buf, g->adir)) {
		*ret_why = "would make your home, / or aigate's own directory writable: skipped";
		return NULL;
	}
	return buf;
}

static void writes(struct gen *g)
{
	char path[PATHMATCH_PATH_MAX], alias[PATHMATCH_PATH_MAX + 16], origin[512];
	uint32_t n = policy_blob_count(g->b, POLICY_BLOB_ALLOW_WRITE);
	const char *why = NULL;

	puts_(g, ";; ---- writes: the project root, the run's private temporary directory,\n"
		 ";; allow_write; everything else is read-only ----\n");
	for (uint32_t i = 0; i < n; i++) {
		const struct policy_blob_rule *r =
			policy_blob_rule(g->b, POLICY_BLOB_ALLOW_WRITE, i);
		if (!write_root(g, r, path, sizeof(path), &why))
			rule_comment(g, "allow_write", r, why);
	}
	snprintf(g->what, sizeof(g->what), "project root");
	puts_(g, "(allow file-write*");
	filter(g, "subpath", g->root);
	puts_(g, "\n  (subpath (param \"AIGATE_TMPDIR\"))");
	for (uint32_t i = 0; i < n; i++) {
		const struct policy_blob_rule *r =
			policy_blob_rule(g->b, POLICY_BLOB_ALLOW_WRITE, i);
		if (!write_root(g, r, path, sizeof(path), &why))
			continue;
		policy_blob_origin(g->b, r, origin, sizeof(origin));
		snprintf(g->what, sizeof(g->what), "allow_write \"%s\" (%s)",
			 policy_blob_str(g->b, r->text_off), origin);
		filter(g, "subpath", path);
		if (private_alias(path, alias, sizeof(alias)))
			filter(g, "subpath", alias);
	}
	puts_(g, ")\n\n");
}

/* pass_env names SSH_AUTH_SOCK (or a pattern that matches it)? */
static bool passes_ssh_agent(const struct policy_blob *b)
{
	for (uint32_t i = 0; i < policy_blob_count(b, POLICY_BLOB_PASS_ENV); i++) {
		const char *pat =
			policy_blob_str(b, policy_blob_rule(b, POLICY_BLOB_PASS_ENV, i)->text_off);
		/* Variable names hold no '/', so the path glob is the name glob here. */
		if (pathmatch_glob(pat, strlen(pat), "SSH_AUTH_SOCK", 13))
			return true;
	}
	return false;
}

static void proxy_filter(struct gen *g, uint16_t port, const char *param)
{
	if (port)
		printf_(g, "\n  (remote tcp \"localhost:%u\")", port);
	else
		printf_(g, "\n  (remote tcp (string-append \"localhost:\" (param \"%s\")))", param);
}

static void network(struct gen *g)
{
	const struct policy_blob_header *h = g->b->hdr;
	uint32_t n = policy_blob_count(g->b, POLICY_BLOB_ALLOW_NET);

	snprintf(g->what, sizeof(g->what), "network");
	if (!(h->flags & POLICY_BLOB_F_ALLOW_NET_SET)) {
		puts_(g,
		      ";; ---- network: allow_net is not set: the host network ----\n"
		      "(allow system-socket (socket-domain AF_UNIX))\n"
		      "(allow network-bind network-inbound (local ip \"*:*\"))\n"
		      "(allow network-outbound\n"
		      "  (remote ip \"*:*\")\n"
		      "  (remote unix-socket (path-literal \"/private/var/run/mDNSResponder\")))\n"
		      ";; certificate checks by Security.framework (Go, Swift, curl)\n"
		      "(allow mach-lookup\n"
		      "  (global-name \"com.apple.trustd\")\n"
		      "  (global-name \"com.apple.trustd.agent\"))\n");
	} else if (n == 0) {
		puts_(g, ";; ---- network: allow_net: [] (no network): no connection leaves\n"
			 ";; this machine ----\n"
			 "(allow system-socket (socket-domain AF_UNIX))\n");
	} else {
		puts_(g, ";; ---- network: allow_net: only through aigate's egress proxy, which\n"
			 ";; admits ");
		for (uint32_t i = 0; i < n; i++) {
			puts_(g, i ? ", " : "");
			comment_text(
				g, policy_blob_str(g->b,
						   policy_blob_rule(g->b, POLICY_BLOB_ALLOW_NET, i)
							   ->text_off));
		}
		puts_(g, ";\n;; HTTP_PROXY, HTTPS_PROXY and ALL_PROXY point at it. No DNS (names\n"
			 ";; are the proxy's to resolve), no trustd (it fetches OCSP and CRLs\n"
			 ";; outside the sandbox: a way around allow_net). ----\n"
			 "(allow system-socket (socket-domain AF_UNIX))\n"
			 "(allow network-outbound");
		proxy_filter(g, g->o->http_proxy_port, "AIGATE_HTTP_PROXY_PORT");
		proxy_filter(g, g->o->socks_proxy_port, "AIGATE_SOCKS_PROXY_PORT");
		puts_(g, ")\n");
		if (h->flags & POLICY_BLOB_F_ALLOW_PRIVATE)
			puts_(g, ";; allow_private_addresses: your machine's own services too\n"
				 "(allow network-outbound (remote ip \"localhost:*\"))\n");
	}
	if (h->flags & POLICY_BLOB_F_ALLOW_NET_SET)
		puts_(g, ";; servers the sandbox starts, reachable from this machine only\n"
			 "(allow network-bind network-inbound (local ip \"localhost:*\"))\n");
	/*
	 * Unix sockets reach servers outside the sandbox (tmux: keystrokes into
	 * your shells; Docker: root; ssh-agent, gpg-agent, 1Password): only
	 * those the sandbox makes in its own write roots are reachable.
	 */
	puts_(g, ";; unix sockets: only those in the project and the run's temporary\n"
		 ";; directory; not tmux's, Docker's, ssh-agent's or gpg-agent's\n"
		 "(allow network-bind\n  (local unix-socket (subpath ");
	str_lit(g, g->root);
	puts_(g, "))\n  (local unix-socket (subpath (param \"AIGATE_TMPDIR\"))))\n"
		 "(allow network-outbound\n  (remote unix-socket (subpath ");
	str_lit(g, g->root);
	puts_(g, "))\n  (remote unix-socket (subpath (param \"AIGATE_TMPDIR\"))))\n");
	if (passes_ssh_agent(g->b))
		puts_(g, ";; pass_env: SSH_AUTH_SOCK: launchd's ssh-agent socket\n"
			 "(allow network-outbound\n  (remote unix-socket (path-regex "
			 "\"^/private/tmp/com[.]apple[.]launchd[.][^/]+/Listeners$\")))\n");
	puts_(g, "\n");
}

static void exec_rules(struct gen *g)
{
	bool strict = g->o->flags & SEATBELT_F_STRICT_SUBCOMMANDS;
	char alias[PATHMATCH_PATH_MAX + 16];

	puts_(g, ";; ---- deny_exec: whole commands, by the path of the executable ----\n");
	for (uint32_t i = 0; i < policy_blob_count(g->b, POLICY_BLOB_DENY_EXEC); i++) {
		const struct policy_blob_rule *r = policy_blob_rule(g->b, POLICY_BLOB_DENY_EXEC, i);
		const char *words[ARGVMATCH_MAX_WORDS];
		size_t nw = policy_blob_exec_words(g->b, r, words);
		if (nw == 0)
			continue;
		if (nw > 1 && !strict) {
			rule_comment(g, "deny_exec", r,
				     "a subcommand: Seatbelt sees no argv, only the shim judges it "
				     "(docs/macos.md)");
			continue;
		}
		rule_comment(g, "deny_exec", r,
			     nw > 1 ? "a subcommand; strict: the whole command is denied" : NULL);
		puts_(g, "(deny process-exec");
		struct seatbelt_rx x = rx_start(g);
		const char *name = words[0];
		if (name[0] == '/') {
			filter_path_rx(g, name, false);
			if (private_alias(name, alias, sizeof(alias)))
				filter_path_rx(g, alias, false);
		} else {
			/* Any executable of that base name, wherever it lies. */
			const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
			seatbelt_rx_puts(&x, "/");
			seatbelt_rx_literal(&x, base, strlen(base));
			seatbelt_rx_puts(&x, "$");
			filter_rx(g, &x);
		}
		message(g, "deny_exec", i);
	}
	puts_(g, "\n");
}

/*
 * What the Linux sandbox keeps read-only inside a write root because the
 * host runs it later (sandbox_protect.c): git's config and hooks in every
 * repository of the tree, a ".git" file's pointer, .aigate.yaml, shell rc
 * files. Regexes at any depth cannot be renamed around.
 */
static void protected_paths(struct gen *g)
{
	char path[PATHMATCH_PATH_MAX + 64];
	struct seatbelt_rx x;

	snprintf(g->what, sizeof(g->what), "protected paths");
	puts_(g, ";; ---- read-only inside the write roots: what the host runs later ----\n"
		 "(deny file-write*");
	x = rx_start(g);
	seatbelt_rx_base(&x, g->root);
	seatbelt_rx_puts(&x, "(.*/)?");
	seatbelt_rx_literal(&x, ".git", 4);
	seatbelt_rx_puts(&x, "(/modules/.+|/worktrees/[^/]+)?/(");
	seatbelt_rx_literal(&x, "config", 6);
	seatbelt_rx_puts(&x, "|");
	seatbelt_rx_literal(&x, "config.worktree", 15);
	seatbelt_rx_puts(&x, "|");
	seatbelt_rx_literal(&x, "hooks", 5);
	seatbelt_rx_puts(&x, "(/.*)?)$");
	filter_rx(g, &x);
	/* A ".git" file says where the git dir is: it must not be redirected. */
	x = rx_start(g);
	seatbelt_rx_base(&x, g->root);
	seatbelt_rx_puts(&x, "(.*/)?");
	seatbelt_rx_literal(&x, ".git", 4);
	seatbelt_rx_puts(&x, "$");
	require_all(g, &x, "REGULAR-FILE");
	snprintf(path, sizeof(path), "%s/.aigate.yaml", strcmp(g->root, "/") ? g->root : "");
	filter_path_rx(g, path, false);
	for (size_t i = 0; i < rc_files_n; i++) {
		snprintf(path, sizeof(path), "%s/%s", strcmp(g->home, "/") ? g->home : "",
			 rc_files[i]);
		filter_path_rx(g, path, false);
	}
	message(g, "protected", 0);
	/* Renaming a git dir aside and building another is how hooks would come back. */
	puts_(g, "(deny file-write-unlink");
	x = rx_start(g);
	seatbelt_rx_base(&x, g->root);
	seatbelt_rx_puts(&x, "(.*/)?");
	seatbelt_rx_literal(&x, ".git", 4);
	seatbelt_rx_puts(&x, "$");
	filter_rx(g, &x);
	message(g, "protected", 1);
	puts_(g, "\n");
}

/* (regex …) filters for what deny_read rule @r hides, /private alias included. */
static void read_filters(struct gen *g, const struct policy_blob_rule *r, const char *glob,
			 size_t glob_len)
{
	struct pathmatch_rule pr = policy_blob_path_rule(g->b, r);
	char aliased[PATHMATCH_PATH_MAX + 16];

	pr.glob = glob;
	pr.glob_len = (uint32_t)glob_len;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			/* "/etc/x" is "/private/etc/x" to Seatbelt. */
			if (pr.anchor != PATHMATCH_ABSOLUTE ||
			    !private_alias(glob, aliased, sizeof(aliased)))
				return;
			pr.glob = aliased;
			pr.glob_len = (uint32_t)(glob_len + 8);
		}
		int n = seatbelt_rule_regex(&pr, g->home, g->root, g->fold, g->rx, sizeof(g->rx));
		struct seatbelt_rx x = rx_continue(g, n);
		if (!pr.dir_only) {
			seatbelt_rx_puts(&x, "(/.*)?$");
			filter_rx(g, &x);
			continue;
		}
		/* A directory only: everything below it, and itself when it is one. */
		size_t core = x.len;
		seatbelt_rx_puts(&x, "/");
		filter_rx(g, &x);
		x.len = core;
		x.buf[core] = '\0';
		seatbelt_rx_puts(&x, "$");
		require_all(g, &x, "DIRECTORY");
	}
}

/*
 * The directories a rule's match hangs from inside its pattern ("config"
 * for "config/" "*.key"): renaming one would carry the secret to a name no
 * rule matches (`mv config c; cat c/dev.key`). A "**" component matches
 * anything, so a prefix ending in one is no fixed place: it is skipped.
 */
static bool unlink_filters(struct gen *g, const struct policy_blob_rule *r)
{
	struct pathmatch_rule pr = policy_blob_path_rule(g->b, r);
	char aliased[PATHMATCH_PATH_MAX + 16];
	bool any = false;

	if (pr.anchor == PATHMATCH_BASENAME)
		return false; /* a name at any depth still matches after a rename */
	if (pr.anchor == PATHMATCH_ABSOLUTE && private_alias(pr.glob, aliased, sizeof(aliased))) {
		/* "/etc/x" is "/private/etc/x" to Seatbelt: its directories are those. */
		pr.glob = aliased;
		pr.glob_len += 8;
	}
	for (size_t i = seatbelt_glob_component_end(pr.glob, pr.glob_len, 1); i < pr.glob_len;
	     i = seatbelt_glob_component_end(pr.glob, pr.glob_len, i + 1)) {
		size_t start = i;
		while (start > 0 && pr.glob[start - 1] != '/')
			start--;
		if (i - start >= 2 && strspn(pr.glob + start, "*") == i - start)
			continue;
		struct pathmatch_rule pre = pr;
		pre.glob_len = (uint32_t)i;
		int n = seatbelt_rule_regex(&pre, g->home, g->root, g->fold, g->rx, sizeof(g->rx));
		struct seatbelt_rx x = rx_continue(g, n);
		seatbelt_rx_puts(&x, "$");
		if (!any)
			puts_(g, "(deny file-write-unlink");
		any = true;
		filter_rx(g, &x);
	}
	return any;
}

static void read_rules(struct gen *g)
{
	char path[PATHMATCH_PATH_MAX + 64];

	puts_(g, ";; ---- deny_read: hidden from reading, writing and renaming ----\n");
	for (uint32_t i = 0; i < policy_blob_count(g->b, POLICY_BLOB_DENY_READ); i++) {
		const struct policy_blob_rule *r = policy_blob_rule(g->b, POLICY_BLOB_DENY_READ, i);
		rule_comment(g, "deny_read", r, NULL);
		puts_(g, "(deny file-read* file-write*");
		read_filters(g, r, policy_blob_str(g->b, r->glob_off), r->glob_len);
		message(g, "deny_read", i);
		if (unlink_filters(g, r))
			message(g, "deny_read", i);
	}
	/* Built in, as on Linux: aigate's own directory, and the macOS keychains. */
	snprintf(g->what, sizeof(g->what), "aigate's directory");
	puts_(g, ";; aigate's policy and audit log; your keychains (offline-crackable)\n"
		 "(deny file-read* file-write*");
	filter_path_rx(g, g->adir, true);
	snprintf(path, sizeof(path), "%s/Library/Keychains", strcmp(g->home, "/") ? g->home : "");
	filter_path_rx(g, path, true);
	message(g, "builtin", 0);
	/*
	 * Hard links and clones give a hidden file a second name no rule
	 * matches; on Linux the supervisor refuses them for hidden files only,
	 * Seatbelt does not say which path its link filter sees: none at all.
	 */
	puts_(g, ";; hard links and clones would give a hidden file another name\n"
		 "(deny file-link file-clone\n  (with message \"aigate:builtin:1\"))\n\n");
}

/*
 * Every ancestor of @path, @path included, as an unlink filter; a
 * directory at or above one of the @ndone paths written before is written
 * already, with everything above it.
 */
static void ancestor_filters(struct gen *g, const char *path, const char *const *done, size_t ndone)
{
	char cur[PATHMATCH_PATH_MAX];

	if (util_strlcpy(cur, path, sizeof(cur)) < 0)
		return;
	while (cur[0] == '/' && cur[1] != '\0') {
		for (size_t i = 0; i < ndone; i++)
			if (below_or_same(done[i], cur))
				return;
		filter_path_rx(g, cur, false);
		char *slash = strrchr(cur, '/');
		if (slash == cur)
			break;
		*slash = '\0';
	}
}

static void anchors(struct gen *g)
{
	const char *const done[] = { g->root, g->home };

	snprintf(g->what, sizeof(g->what), "home and project root");
	puts_(g, ";; ---- the places rules hang from: renaming one (or a directory above\n"
		 ";; it) would move every secret below it out from under its rule ----\n"
		 "(deny file-write-unlink");
	ancestor_filters(g, g->root, done, 0);
	ancestor_filters(g, g->home, done, 1);
	ancestor_filters(g, g->adir, done, 2);
	message(g, "builtin", 2);
	puts_(g, "\n");
}

static void not_here(struct gen *g)
{
	const struct policy_blob_header *h = g->b->hdr;

	puts_(g, ";; ---- not in this profile (docs/macos.md) ----\n");
	printf_(g, ";; deny_exec subcommands: the shim only%s\n",
		(g->o->flags & SEATBELT_F_STRICT_SUBCOMMANDS) ? " (here: whole commands)" : "");
	printf_(g, ";; environment (pass_env: %u, deny_env: %u): the launcher filters it\n",
		policy_blob_count(g->b, POLICY_BLOB_PASS_ENV),
		policy_blob_count(g->b, POLICY_BLOB_DENY_ENV));
	printf_(g, ";; mask_stdout (presets: %u, patterns: %u): the launcher's output relay\n",
		policy_blob_count(g->b, POLICY_BLOB_MASK_PRESETS), h->masks.count);
	printf_(g,
		";; resource_limits (max_memory: %llu, max_cpu_percent: %u, max_pids: %u; 0 is\n"
		";; unset): setrlimit and the launcher's watch; no cgroups on macOS\n",
		(unsigned long long)h->max_memory, h->max_cpu_percent, h->max_pids);
}

static int init_paths(struct gen *g, const struct seatbelt_options *o)
{
	const char *what = "home";
	int r = pathmatch_normalize(o->home, g->home, sizeof(g->home));
	if (r >= 0) {
		what = "project root";
		r = pathmatch_normalize(o->root, g->root, sizeof(g->root));
	}
	if (r >= 0 && o->aigate_dir) {
		what = "aigate's directory";
		r = pathmatch_normalize(o->aigate_dir, g->adir, sizeof(g->adir));
	} else if (r >= 0) {
		what = "aigate's directory";
		int n = snprintf(g->adir, sizeof(g->adir), "%s/.aigate",
				 strcmp(g->home, "/") ? g->home : "");
		r = n > 0 && (size_t)n < sizeof(g->adir) ? 0 : -ENAMETOOLONG;
	}
	if (r < 0 && g->diag)
		snprintf(g->diag->msg, sizeof(g->diag->msg), "%s: %s", what,
			 r == -EINVAL ? "not an absolute path" : "too long");
	return r < 0 ? r : 0;
}

int seatbelt_generate(const struct policy_blob *b, const struct seatbelt_options *o,
		      char **ret_text, size_t *ret_len, struct seatbelt_diag *ret_diag)
{
	struct gen *g;
	int r;

	if (!b || !b->hdr || !o || !o->home || !o->root || !ret_text)
		return -EINVAL;
	/* Large scratch buffers: on the heap, not on a caller's stack. */
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->b = b;
	g->o = o;
	g->diag = ret_diag;
	g->fold = !(o->flags & SEATBELT_F_CASE_SENSITIVE);
	g->indent = "  ";
	if ((r = init_paths(g, o)) < 0)
		goto out;
	header(g);
	writes(g);
	network(g);
	exec_rules(g);
	protected_paths(g);
	read_rules(g);
	anchors(g);
	not_here(g);
	r = g->err;
	if (r == 0) {
		if (ret_len)
			*ret_len = g->len;
		*ret_text = TAKE_PTR(g->p);
	}
out:
	free(g->p);
	free(g);
	return r;
}

int seatbelt_write(FILE *out, const struct policy_blob *b, const struct seatbelt_options *o,
		   struct seatbelt_diag *ret_diag)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = seatbelt_generate(b, o, &text, &len, ret_diag);

	if (r < 0)
		return r;
	if (!out || fwrite(text, 1, len, out) != len || fflush(out) != 0)
		return -EIO;
	return 0;
}

int seatbelt_format(char *buf, size_t bufsz, const struct policy_blob *b,
		    const struct seatbelt_options *o, struct seatbelt_diag *ret_diag)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = seatbelt_generate(b, o, &text, &len, ret_diag);

	if (r < 0)
		return r;
	if (!buf || len >= bufsz || len > (size_t)INT32_MAX)
		return -ENOBUFS;
	memcpy(buf, text, len + 1);
	return (int)len;
}
