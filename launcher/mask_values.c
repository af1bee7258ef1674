/* SPDX-License-Identifier: MIT */
/* mask_values.c — see mask_values.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/mask_values.h"
#include "policy/util.h"

struct collector {
	char **v; /* NULL-terminated once n > 0 */
	size_t n, cap;
	bool dropped; /* a new value did not fit past MASK_VALUES_MAX (this file) */
};

/* One line of a value, decoded, at most MASK_VALUE_MAX bytes kept. */
struct piece {
	char buf[MASK_VALUE_MAX];
	size_t len;
};

static int collect(struct collector *c, const char *s, size_t len)
{
	/* A CR before the line break: CRLF files, also inside multi-line quotes. */
	if (len && s[len - 1] == '\r')
		len--;
	if (len < MASK_VALUE_MIN)
		return 0;
	for (size_t i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == len && memcmp(c->v[i], s, len) == 0)
			return 0;
	if (c->n >= MASK_VALUES_MAX) {
		c->dropped = true;
		return 0;
	}
	if (c->n + 1 >= c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **v = reallocarray(c->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
		c->v[c->n] = NULL; /* mask_values_free() may see it before the next value */
	}
	char *copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	c->v[c->n++] = copy;
	c->v[c->n] = NULL;
	return 0;
}

static int piece_add(struct collector *c, struct piece *pc, char ch)
{
	if (ch == '\n') {
		int r = collect(c, pc->buf, pc->len);
		pc->len = 0;
		return r;
	}
	/* Past MASK_VALUE_MAX the rest of the line is dropped: the head is still masked. */
	if (pc->len < sizeof(pc->buf))
		pc->buf[pc->len++] = ch;
	return 0;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_key_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* The end of the line at @p: the LF or NUL that ends it, or @end. */
static const char *line_end(const char *p, const char *end)
{
	while (p < end && *p != '\n' && *p != '\0')
		p++;
	return p;
}

/*
 * The closing quote @q of a value that opens before @p, or NULL. It may be
 * on a later line, never past a NUL (a binary file's quotes do not pair up).
 */
static const char *closing_quote(const char *p, const char *end, char q)
{
	for (; p < end && *p != '\0'; p++) {
		if (*p == q)
			return p;
		if (q == '"' && *p == '\\' && p + 1 < end && p[1] != '\0')
			p++;
	}
	return NULL;
}

/* Decode the quoted value [@p, @e) (quotes excluded) and collect its lines. */
static int collect_quoted(struct collector *c, const char *p, const char *e, char q)
{
	struct piece pc = { .len = 0 };
	int r = 0;

	for (; p < e && r == 0; p++) {
		char ch = *p;
		if (q == '"' && ch == '\\' && p + 1 < e) {
			switch (p[1]) {
			case '"':
			case '\\':
				ch = p[1];
				p++;
				break;
			case 'n':
				ch = '\n';
				p++;
				break;
			default:
				break; /* kept as written, with the backslash */
			}
		}
		r = piece_add(c, &pc, ch);
	}
	return r < 0 ? r : collect(c, pc.buf, pc.len);
}

/*
 * A dotenv file by its name: ".env", ".env.<anything>", "<anything>.env".
 * Any other file is read as npmrc/ini (mask_values.h).
 */
static bool dotenv_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n;
	base = base ? base + 1 : path;
	n = strlen(base);
	return strcmp(base, ".env") == 0 || strncmp(base, ".env.", 5) == 0 ||
	       (n > 4 && strcmp(base + n - 4, ".env") == 0);
}

/*
 * Config noise in an npmrc/ini file: an http(s) URL with no credentials in
 * it ("registry=https://registry.npmjs.org/"): no userinfo ('@'), no query
 * ('?') and no run of 16 letters or digits (a webhook's token in the path).
 * Masking it would mangle every install log; it gives nothing away.
 */
static bool config_noise(const char *v, size_t len)
{
	size_t run = 0, skip;
	if (len > 8 && strncmp(v, "https://", 8) == 0)
		skip = 8;
	else if (len > 7 && strncmp(v, "http://", 7) == 0)
		skip = 7;
	else
		return false;
	for (size_t i = skip; i < len; i++) {
		bool alnum = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
			     (v[i] >= '0' && v[i] <= '9');
		if (v[i] == '@' || v[i] == '?')
			return false;
		run = alnum ? run + 1 : 0;
		if (run >= 16)
			return false;
	}
	return true;
}

/*
 * Parse the line at @p ending at @eol (@end: the end of the file, for a
 * multi-line value). @ini: an npmrc/ini file, whose keys are anything
 * before the first '=' (npm's "//registry.npmjs.org/:_authToken"): a
 * dotenv key's characters alone would skip exactly the token lines.
 * Returns 0 or -ENOMEM.
 */
static int parse_line(struct collector *c, const char *p, const char *eol, const char *end,
		      bool ini)
{
	p = skip_blank(p, eol);
	if (p == eol || *p == '#' || (ini && (*p == ';' || *p == '[')))
		return 0;
	if ((size_t)(eol - p) > 6 && memcmp(p, "export", 6) == 0 && is_blank(p[6]))
		p = skip_blank(p + 6, eol);
	const char *key = p;
	if (ini) {
		const char *eq = memchr(p, '=', (size_t)(eol - p));
		p = eq ? eq : eol;
	} else {
		while (p < eol && is_key_char(*p))
			p++;
	}
	if (p == key)
		return 0;
	p = skip_blank(p, eol);
	if (p == eol || *p != '=')
		return 0;
	const char *v = skip_blank(p + 1, eol);
	if (v == eol)
		return 0; /* KEY= : empty */
	if (ini && config_noise(v, (size_t)(eol - v)))
		return 0;

	if (*v == '\'' || *v == '"') {
		/*
		 * The lines a multi-line value spans are parsed as lines too
		 * (parse() goes on at the next line): a quote left open by
		 * mistake would otherwise swallow the assignments below it,
		 * pairing with the next value's opening quote. Reading both
		 * ways only masks more.
		 */
		const char *close = closing_quote(v + 1, end, *v);
		if (close)
			return collect_quoted(c, v + 1, close, *v);
		/* Never closed: the rest of the line, as written after the quote. */
		return collect_quoted(c, v + 1, eol, *v);
	}
	/* "KEY= # comment" is empty; "KEY=#x" is "#x". */
	if (*v == '#' && v > p + 1)
		return 0;
	const char *e = v;
	while (e < eol && !(is_blank(*e) && e + 1 < eol && e[1] == '#'))
		e++;
	while (e > v && (is_blank(e[-1]) || e[-1] == '\r'))
		e--;
	return collect(c, v, (size_t)(e - v) > MASK_VALUE_MAX ? MASK_VALUE_MAX : (size_t)(e - v));
}

static int parse(struct collector *c, const char *buf, size_t len, bool ini)
{
	const char *p = buf, *end = buf + len;
	while (p < end) {
		const char *eol = line_end(p, end);
		int r = parse_line(c, p, eol, end, ini);
		if (r < 0)
			return r;
		if (eol == end)
			break;
		p = eol + 1; /* past the LF or NUL */
	}
	return 0;
}

/*
 * Read @path whole. Returns 0 with a malloc'd buffer, -ENOMEM, or another
 * -errno for a file to skip (-EFBIG too large, -EINVAL not a regular file).
 */
static int read_file(const char *path, char **ret_buf, size_t *ret_len)
{
	/*
	 * O_NOFOLLOW: the sandbox may have planted a symlink where .env was.
	 * O_NONBLOCK: a FIFO planted there would otherwise block the launcher
	 * in open() until someone writes; fstat() then refuses it. O_NOCTTY: a
	 * terminal device must not become our controlling terminal.
	 */
	_cleanup_close_ int fd =
		open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > MASK_VALUES_FILE_MAX)
		return -EFBIG;

	/* One byte more than allowed: a file that grew since fstat() is too large, too. */
	size_t cap = (size_t)st.st_size + 1, len = 0;
	if (cap > MASK_VALUES_FILE_MAX + 1)
		cap = MASK_VALUES_FILE_MAX + 1;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > MASK_VALUES_FILE_MAX)
				return -EFBIG;
			size_t ncap = cap * 2 > MASK_VALUES_FILE_MAX + 1 ? MASK_VALUES_FILE_MAX + 1
									 : cap * 2;
			char *nbuf = realloc(buf, ncap);
			if (!nbuf)
				return -ENOMEM;
			buf = nbuf;
			cap = ncap;
		}
		ssize_t k = read(fd, buf + len, cap - len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			break;
		len += (size_t)k;
	}
	if (len > MASK_VALUES_FILE_MAX)
		return -EFBIG;
	*ret_buf = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

int mask_values_read(const char *const *paths, size_t n, char ***ret, size_t *ret_skipped)
{
	struct collector c = { 0 };
	size_t skipped = 0;
	int r = 0;

	for (size_t i = 0; i < n && r == 0; i++) {
		_cleanup_free_ char *buf = NULL;
		size_t len = 0;

		if (!paths[i]) {
			skipped++;
			continue;
		}
		r = read_file(paths[i], &buf, &len);
		if (r == -ENOMEM)
			break;
		if (r < 0) {
			skipped++;
			r = 0;
			continue;
		}
		c.dropped = false;
		r = parse(&c, buf, len, !dotenv_name(paths[i]));
		if (c.dropped)
			skipped++;
	}
	if (r == 0 && !c.v) {
		c.v = calloc(1, sizeof(*c.v));
		if (!c.v)
			r = -ENOMEM;
	}
	if (r < 0) {
		mask_values_free(c.v);
		return r;
	}
	*ret = c.v;
	if (ret_skipped)
		*ret_skipped = skipped;
	return 0;
}

void mask_values_free(char **values)
{
	if (!values)
		return;
	for (char **v = values; *v; v++)
		free(*v);
	free(values);
}
