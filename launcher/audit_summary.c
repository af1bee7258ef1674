/* SPDX-License-Identifier: MIT */
/*
 * audit_summary.c — see audit_summary.h. Counts live in hash tables
 * (open addressing, doubled as they fill) keyed by the NUL-separated parts
 * of what they group by; the renderings sort copies of the index, so
 * adding never pays for order and a 100,000-record log stays linear.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/audit_summary.h"
#include "policy/util.h"

#define US_PER_SEC    INT64_C(1000000)
#define TOP_OFFENDERS 10

/* ---- time ------------------------------------------------------------------------- */

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const int64_t yoe = y - era * 400;
	const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "YYYY-MM-DD" at the start of @s. Each test runs only when the ones before matched, so it never reads past the NUL. */
static int parse_date(const char *s, int64_t *ret_days)
{
	int y, m, d;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -EINVAL;
	*ret_days = days_from_civil(y, m, d);
	return 0;
}

/* ".123456", any number of digits (the first six count), at *p. */
static int parse_fraction(const char **p, int64_t *ret_us)
{
	const char *s = *p;
	int64_t us = 0;
	int n = 0;
	if (*s != '.')
		return 0;
	if (*++s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++, n++)
		if (n < 6)
			us = us * 10 + (*s - '0');
	for (; n < 6; n++)
		us *= 10;
	*p = s;
	*ret_us = us;
	return 0;
}

int audit_time_parse(const char *s, int64_t *ret_us)
{
	int64_t days, frac = 0, offset = 0;
	int h, mi, sec, oh, om;
	if (parse_date(s, &days) < 0 || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec) ||
	    h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	const char *p = s + 19;
	if (parse_fraction(&p, &frac) < 0)
		return -EINVAL;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return -EINVAL;
		offset = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
		p += 6;
	} else {
		return -EINVAL;
	}
	if (*p)
		return -EINVAL;
	*ret_us = (days * 86400 + h * 3600 + mi * 60 + sec - offset) * US_PER_SEC + frac;
	return 0;
}

int audit_since_parse(const char *s, int64_t now_us, int64_t *ret_us)
{
	static const struct {
		char unit;
		int64_t us;
	} units[] = { { 's', US_PER_SEC },
		      { 'm', 60 * US_PER_SEC },
		      { 'h', 3600 * US_PER_SEC },
		      { 'd', 86400 * US_PER_SEC } };
	size_t n = strlen(s);
	int64_t days, v = 0;
	if (n == 10 && parse_date(s, &days) == 0) {
		*ret_us = days * 86400 * US_PER_SEC;
		return 0;
	}
	for (size_t u = 0; u < ARRAY_SIZE(units) && n >= 2; u++) {
		if (s[n - 1] != units[u].unit)
			continue;
		for (size_t i = 0; i + 1 < n; i++) {
			if (s[i] < '0' || s[i] > '9' || v > INT64_MAX / 10 / units[u].us)
				return -EINVAL;
			v = v * 10 + (s[i] - '0');
		}
		*ret_us = now_us - v * units[u].us;
		return 0;
	}
	return audit_time_parse(s, ret_us);
}

/* ---- one record ------------------------------------------------------------------- */

static _printf_(2, 3) int why(struct audit_entry_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->why, sizeof(b->why), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Append @n bytes to the display text in @buf at *@o; false when it is full. */
static bool add_bytes(char *buf, size_t bufsz, size_t *o, const char *s, size_t n)
{
	if (*o + n + 1 > bufsz)
		return false;
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = 0;
	return true;
}

/* One argv word for display: quoted when it is empty or holds blanks or quotes. */
static bool add_word(char *buf, size_t bufsz, size_t *o, const char *w)
{
	if (*w && !strpbrk(w, " \t\"\\"))
		return add_bytes(buf, bufsz, o, w, strlen(w));
	if (!add_bytes(buf, bufsz, o, "\"", 1))
		return false;
	for (; *w; w++)
		if ((strchr("\"\\", *w) && !add_bytes(buf, bufsz, o, "\\", 1)) ||
		    !add_bytes(buf, bufsz, o, w, 1))
			return false;
	return add_bytes(buf, bufsz, o, "\"", 1);
}

/* session_start's command (an argv array, or one string) joined for display; cut with "...". */
static const char *join_command(const struct json_value *a, char *buf, size_t bufsz)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < a->n; i++) {
		if ((i && !add_bytes(buf, bufsz - 3, &o, " ", 1)) ||
		    !add_word(buf, bufsz - 3, &o, a->items[i].str)) {
			/* Never end inside a UTF-8 character: drop a cut one whole. */
			while (o && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
				o--;
			if (o && (unsigned char)buf[o - 1] >= 0xc0)
				o--;
			memcpy(buf + o, "...", 4);
			break;
		}
	}
	return buf;
}

static bool all_strings(const struct json_value *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->items[i].type != JSON_STRING)
			return false;
	return true;
}

enum field_kind { FIELD_STR, FIELD_INT, FIELD_BOOL, FIELD_RULE, FIELD_ARGV, FIELD_COMMAND };

struct field {
	const char *key;
	enum field_kind kind;
	size_t off;
};

#define F(name, kind)                                           \
	{                                                       \
#name, kind, offsetof(struct audit_entry, name) \
	}

/* The fields read, sorted by key for bsearch(); the others are passed over. */
static const struct field entry_fields[] = {
	F(action, FIELD_STR),	   { "argv", FIELD_ARGV, 0 }, F(command, FIELD_COMMAND),
	F(count, FIELD_INT),	   F(denied, FIELD_INT),      F(exe, FIELD_STR),
	F(exit_status, FIELD_INT), F(pid, FIELD_INT),	      F(rule, FIELD_RULE),
	F(seq, FIELD_INT),	   F(session, FIELD_STR),     F(stream, FIELD_STR),
	F(summary, FIELD_BOOL),	   F(suppressed, FIELD_INT),  F(target, FIELD_STR),
	F(truncated, FIELD_BOOL),  F(ts, FIELD_STR),	      F(verdict, FIELD_STR),
};

static int field_cmp(const void *key, const void *f)
{
	return strcmp(key, ((const struct field *)f)->key);
}

/* rule {text, origin}: both strings when present. */
static int take_rule(const struct json_value *v, struct audit_entry *e, struct audit_entry_buf *b)
{
	const struct json_value *t = json_get(v, "text"), *o = json_get(v, "origin");
	if (v->type != JSON_OBJECT)
		return why(b, "\"rule\" is not an object");
	if (t && t->type != JSON_STRING)
		return why(b, "\"rule.text\" is not a string");
	if (o && o->type != JSON_STRING)
		return why(b, "\"rule.origin\" is not a string");
	e->rule = t ? t->str : NULL;
	e->origin = o ? o->str : NULL;
	return 0;
}

static int take_field(const struct json_value *v, const struct field *f, struct audit_entry *e,
		      struct audit_entry_buf *b)
{
	void *at = (char *)e + f->off;
	switch (f->kind) {
	case FIELD_STR:
		if (v->type != JSON_STRING)
			return why(b, "\"%s\" is not a string", f->key);
		*(const char **)at = v->str;
		return 0;
	case FIELD_INT:
		if (v->type != JSON_NUMBER || !v->is_int || v->i < 0)
			return why(b, "\"%s\" is not a non-negative integer", f->key);
		*(int64_t *)at = v->i;
		return 0;
	case FIELD_BOOL:
		if (v->type != JSON_TRUE && v->type != JSON_FALSE)
			return why(b, "\"%s\" is not true or false", f->key);
		*(bool *)at = v->type == JSON_TRUE;
		return 0;
	case FIELD_RULE:
		return take_rule(v, e, b);
	case FIELD_ARGV:
		if (v->type != JSON_ARRAY || !all_strings(v))
			return why(b, "\"argv\" is not an array of strings");
		e->argv0 = v->n ? v->items[0].str : NULL;
		return 0;
	case FIELD_COMMAND:
	default:
		if (v->type == JSON_STRING)
			e->command = v->str;
		else if (v->type == JSON_ARRAY && all_strings(v))
			e->command = join_command(v, b->command, sizeof(b->command));
		else
			return why(b, "\"command\" is not an array of strings");
		return 0;
	}
}

/* One pass over the members (a repeated key: the last one counts, as in json_get()). */
static int take_fields(const struct json_value *o, struct audit_entry *e, struct audit_entry_buf *b)
{
	static const char *const required[] = { "ts", "session", "seq", "action" };
	for (size_t i = 0; i < o->n; i++) {
		const struct json_member *m = &o->members[i];
		const struct field *f = bsearch(m->key, entry_fields, ARRAY_SIZE(entry_fields),
						sizeof(entry_fields[0]), field_cmp);
		int r;
		if (f && (r = take_field(&m->value, f, e, b)) < 0)
			return r;
	}
	if (!e->ts || !e->session || e->seq < 0 || !e->action)
		for (size_t i = 0; i < ARRAY_SIZE(required); i++)
			if (!json_get(o, required[i]))
				return why(b, "missing \"%s\"", required[i]);
	return 0;
}

int audit_entry_parse(struct json_parser *jp, const char *line, size_t len, struct audit_entry *ret,
		      struct audit_entry_buf *b)
{
	struct audit_entry e = { .seq = -1, .pid = -1, .exit_status = -1, .denied = -1 };
	const struct json_value *o;
	struct json_error err;
	int r = json_parse(jp, line, len, &o, &err);
	if (r == -ENOMEM)
		return r;
	if (r == -E2BIG)
		return why(b, "longer than 1 MiB");
	if (r < 0)
		return why(b, "invalid JSON at column %zu: %s", err.offset + 1, err.msg);
	if (o->type != JSON_OBJECT)
		return why(b, "not a JSON object");
	if ((r = take_fields(o, &e, b)) < 0)
		return r;
	if (audit_time_parse(e.ts, &e.ts_us) < 0)
		return why(b, "\"ts\" is not an RFC 3339 time");
	*ret = e;
	return 0;
}

/* ---- counting: hash tables keyed by NUL-separated parts ---------------------------------- */

struct tally_entry {
	char *key; /* the parts, each NUL-terminated */
	size_t klen;
	uint64_t count;
	void *data; /* sessions: struct session_info; pids: the command name */
};

struct tally {
	struct tally_entry *v;
	size_t n, cap;
	uint32_t *slots; /* entry index + 1; 0 = free */
	size_t nslots;	 /* a power of two, more than twice n */
};

static uint64_t hash_bytes(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)k[i]) * 0x100000001b3u;
	/* MurmurHash3's finaliser: FNV's low bits, which pick the slot, mix poorly alone. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdu;
	h ^= h >> 33;
	return h;
}

static int tally_rehash(struct tally *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 64;
	uint32_t *slots = calloc(ns, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash_bytes(t->v[i].key, t->v[i].klen) & (ns - 1);
		while (slots[h])
			h = (h + 1) & (ns - 1);
		slots[h] = (uint32_t)(i + 1);
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

/* The entry of @key, made (count 0, no data) when new; NULL: out of memory. Valid until the next call. */
static struct tally_entry *tally_get(struct tally *t, const char *key, size_t klen)
{
	if ((t->n + 1) * 2 > t->nslots && tally_rehash(t) < 0)
		return NULL;
	size_t h = hash_bytes(key, klen) & (t->nslots - 1);
	for (; t->slots[h]; h = (h + 1) & (t->nslots - 1)) {
		struct tally_entry *e = &t->v[t->slots[h] - 1];
		if (e->klen == klen && memcmp(e->key, key, klen) == 0)
			return e;
	}
	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		struct tally_entry *v = ncap < UINT32_MAX ? realloc(t->v, ncap * sizeof(*v)) : NULL;
		if (!v)
			return NULL;
		t->v = v;
		t->cap = ncap;
	}
	char *k = malloc(klen + 1);
	if (!k)
		return NULL;
	memcpy(k, key, klen);
	k[klen] = 0;
	t->v[t->n] = (struct tally_entry){ .key = k, .klen = klen };
	t->slots[h] = (uint32_t)++t->n;
	return &t->v[t->n - 1];
}

static void tally_done(struct tally *t, void (*free_data)(void *))
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].key);
		free_data(t->v[i].data);
	}
	free(t->v);
	free(t->slots);
}

/* Part @idx of a key. */
static const char *key_part(const struct tally_entry *e, unsigned idx)
{
	const char *p = e->key;
	while (idx--)
		p += strlen(p) + 1;
	return p;
}

struct session_info {
	char *command, *start_ts; /* from session_start */
	int64_t order_us;	  /* session_start's ts, else the earliest record's */
	bool has_start;
	int64_t exit_status, denied; /* from session_end; -1 when absent */
	uint64_t denials;	     /* denials of the records read */
};

struct audit_summary {
	struct tally sessions;	/* id → struct session_info */
	struct tally rules;	/* text, origin */
	struct tally commands;	/* name */
	struct tally offenders; /* command, pid (20 digits, "" unknown: sorts by number), session */
	struct tally masks;	/* name, stream */
	struct tally pids;	/* session, pid → the process's last known command */
	uint64_t records, denials, killed, suppressed, masked, allowed_execs, truncated, invalid;
	char *kbuf; /* scratch for keys */
	size_t kcap;
};

int audit_summary_new(struct audit_summary **ret)
{
	struct audit_summary *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

static void session_info_free(void *p)
{
	struct session_info *si = p;
	if (!si)
		return;
	free(si->command);
	free(si->start_ts);
	free(si);
}

void audit_summary_free(struct audit_summary *s)
{
	if (!s)
		return;
	tally_done(&s->sessions, session_info_free);
	tally_done(&s->rules, free);
	tally_done(&s->commands, free);
	tally_done(&s->offenders, free);
	tally_done(&s->masks, free);
	tally_done(&s->pids, free);
	free(s->kbuf);
	free(s);
}

void audit_summary_note_invalid(struct audit_summary *s)
{
	s->invalid++;
}

/* The entry of the key made of @n parts (NULL counts as ""), in @t. */
static struct tally_entry *tally_parts(struct audit_summary *s, struct tally *t, size_t n, ...)
{
	const char *parts[4];
	size_t len = 0, o = 0;
	va_list ap;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		parts[i] = va_arg(ap, const char *);
		parts[i] = parts[i] ? parts[i] : "";
		len += strlen(parts[i]) + 1;
	}
	va_end(ap);
	if (len > s->kcap) {
		char *k = realloc(s->kbuf, len);
		if (!k)
			return NULL;
		s->kbuf = k;
		s->kcap = len;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(parts[i]) + 1;
		memcpy(s->kbuf + o, parts[i], l);
		o += l;
	}
	return tally_get(t, s->kbuf, len - 1);
}

static int replace_str(char **dst, const char *src)
{
	char *c = NULL;
	if (src && !(c = strdup(src)))
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

static struct session_info *session_of(struct audit_summary *s, const struct audit_entry *e)
{
	struct tally_entry *te = tally_parts(s, &s->sessions, 1, e->session);
	if (!te)
		return NULL;
	if (!te->data) {
		struct session_info *si = calloc(1, sizeof(*si));
		if (!si)
			return NULL;
		*si = (struct session_info){ .order_us = e->ts_us,
					     .exit_status = -1,
					     .denied = -1 };
		te->data = si;
	}
	return te->data;
}

static int add_session_record(struct session_info *si, const struct audit_entry *e)
{
	if (util_streq(e->action, "session_start")) {
		if (replace_str(&si->command, e->command) < 0 ||
		    replace_str(&si->start_ts, e->ts) < 0)
			return -ENOMEM;
		si->order_us = e->ts_us;
		si->has_start = true;
	} else if (util_streq(e->action, "session_end")) {
		si->exit_status = e->exit_status;
		si->denied = e->denied;
	}
	if (!si->has_start && e->ts_us < si->order_us)
		si->order_us = e->ts_us;
	return 0;
}

/* The basename of a path; "" stays "". */
static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b && b[1] ? b + 1 : path;
}

static const char *entry_command(const struct audit_entry *e)
{
	const char *path = e->exe ? e->exe : e->argv0;
	return path && *path ? base_name(path) : NULL;
}

/*
 * The command of the record's process: exe, else argv[0], else what an
 * earlier record of the same process said (summary records carry only the
 * pid), else "?". Sets *ret to a string valid until the next call.
 */
static int command_of(struct audit_summary *s, const struct audit_entry *e, const char **ret)
{
	const char *name = entry_command(e);
	char pid[24];
	*ret = name ? name : "?";
	if (e->pid < 0)
		return 0;
	snprintf(pid, sizeof(pid), "%" PRId64, e->pid);
	struct tally_entry *te = tally_parts(s, &s->pids, 2, e->session, pid);
	if (!te)
		return -ENOMEM;
	if (name && !util_streq(te->data, name))
		return replace_str((char **)&te->data, name);
	if (!name && te->data)
		*ret = te->data;
	return 0;
}

static int add_denials(struct audit_summary *s, const struct audit_entry *e, uint64_t n)
{
	const char *cmd;
	char pid[24] = "";
	struct tally_entry *te;
	if (command_of(s, e, &cmd) < 0)
		return -ENOMEM;
	if (e->pid >= 0)
		snprintf(pid, sizeof(pid), "%020" PRId64, e->pid);
	if (!(te = tally_parts(s, &s->rules, 2, e->rule, e->origin)))
		return -ENOMEM;
	te->count += n;
	if (!(te = tally_parts(s, &s->commands, 1, cmd)))
		return -ENOMEM;
	te->count += n;
	if (!(te = tally_parts(s, &s->offenders, 3, cmd, pid, e->session)))
		return -ENOMEM;
	te->count += n;
	return 0;
}

int audit_summary_add(struct audit_summary *s, const struct audit_entry *e)
{
	struct session_info *si = session_of(s, e);
	if (!si || add_session_record(si, e) < 0)
		return -ENOMEM;
	s->records++;
	s->truncated += e->truncated;
	if (util_streq(e->action, "session_start") || util_streq(e->action, "session_end"))
		return 0;
	/* A summary record stands for its `suppressed` drops only, not for an event of its own. */
	bool denial = !e->summary &&
		      (util_streq(e->verdict, "denied") || util_streq(e->verdict, "killed"));
	uint64_t n = (uint64_t)denial + (uint64_t)e->suppressed;
	if (!e->summary && util_streq(e->verdict, "allowed") && util_streq(e->action, "exec"))
		s->allowed_execs++;
	if (util_streq(e->action, "mask")) {
		struct tally_entry *te = tally_parts(s, &s->masks, 2, e->target, e->stream);
		if (!te)
			return -ENOMEM;
		te->count += (uint64_t)e->count;
		s->masked += (uint64_t)e->count;
	}
	if (n == 0) {
		/* Still learn the process's command for later summary records. */
		const char *unused;
		return command_of(s, e, &unused);
	}
	s->denials += n;
	s->suppressed += (uint64_t)e->suppressed;
	if (util_streq(e->verdict, "killed"))
		s->killed += n;
	si->denials += n;
	return add_denials(s, e, n);
}

/* ---- order ------------------------------------------------------------------------------ */

static int key_cmp(const struct tally_entry *x, const struct tally_entry *y)
{
	int c = memcmp(x->key, y->key, x->klen < y->klen ? x->klen : y->klen);
	return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

/* Count descending, then the key's parts in byte order. */
static int by_count(const void *a, const void *b)
{
	const struct tally_entry *x = *(const struct tally_entry *const *)a;
	const struct tally_entry *y = *(const struct tally_entry *const *)b;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return key_cmp(x, y);
}

/* Start (or first record) ascending, then id. */
static int by_start(const void *a, const void *b)
{
	const struct tally_entry *x = *(const struct tally_entry *const *)a;
	const struct tally_entry *y = *(const struct tally_entry *const *)b;
	const struct session_info *sx = x->data, *sy = y->data;
	if (sx->order_us != sy->order_us)
		return sx->order_us < sy->order_us ? -1 : 1;
	return key_cmp(x, y);
}

static const struct tally_entry **sorted(const struct tally *t,
					 int (*cmp)(const void *, const void *))
{
	const struct tally_entry **v = malloc((t->n ? t->n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		v[i] = &t->v[i];
	qsort(v, t->n, sizeof(*v), cmp);
	return v;
}

/* ---- text for people: tables and markdown -------------------------------------------------- */

enum esc { ESC_TEXT, ESC_MARKDOWN };

/*
 * The next display unit of @s: a printable UTF-8 character (*raw, its
 * length) or one byte to show as \xNN. Control characters, DEL and the C1
 * controls (U+0080…U+009F) are escaped: a terminal acts on them, and a
 * sandboxed process chooses the paths and argv its records carry.
 */
static size_t disp_unit(const unsigned char *s, size_t n, bool *raw)
{
	size_t l = json_utf8_len(s, n);
	*raw = l > 1 ? !(s[0] == 0xc2 && s[1] < 0xa0) : l == 1 && s[0] >= 0x20 && s[0] != 0x7f;
	return *raw ? l : 1;
}

static void put_text(FILE *out, const char *s, enum esc esc)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s);
	bool raw;
	for (size_t i = 0, l; i < n; i += l) {
		l = disp_unit(u + i, n - i, &raw);
		if (!raw)
			fprintf(out, esc == ESC_MARKDOWN ? "\\\\x%02x" : "\\x%02x", u[i]);
		else if (esc == ESC_MARKDOWN && l == 1 && strchr("\\`*_[]<>|~&", u[i]))
			fprintf(out, "\\%c", u[i]);
		else
			fwrite(u + i, 1, l, out);
	}
}

/* Columns the text takes on a terminal (one per character: no wide-character tables). */
static size_t text_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), w = 0;
	bool raw;
	for (size_t i = 0; i < n; w += raw ? 1 : 4) /* \xNN */
		i += disp_unit(u + i, n - i, &raw);
	return w;
}

struct grid {
	size_t ncols, nrows, caprows;
	const char *const *heads;
	const char *align; /* per column: 'l' or 'r' */
	char **cells;	   /* nrows * ncols */
};

static audit_cell_filter cell_filter;
static void *cell_filter_ctx;

void audit_summary_set_cell_filter(audit_cell_filter fn, void *ctx)
{
	cell_filter = fn;
	cell_filter_ctx = ctx;
}

static int grid_row(struct grid *g, ...)
{
	char **cells;
	va_list ap;
	if (g->nrows == g->caprows) {
		size_t cap = g->caprows ? g->caprows * 2 : 16;
		if (!(cells = realloc(g->cells, cap * g->ncols * sizeof(*cells))))
			return -ENOMEM;
		g->cells = cells;
		g->caprows = cap;
	}
	cells = g->cells + g->nrows * g->ncols;
	va_start(ap, g);
	for (size_t c = 0; c < g->ncols; c++) {
		const char *cell = va_arg(ap, const char *);
		/* Filtered (masked) before put_text() escapes it: see audit_summary_set_cell_filter(). */
		cells[c] = cell_filter ? cell_filter(cell_filter_ctx, cell) : strdup(cell);
	}
	va_end(ap);
	g->nrows++;
	for (size_t c = 0; c < g->ncols; c++)
		if (!cells[c])
			return -ENOMEM;
	return 0;
}

static void grid_free(struct grid *g)
{
	for (size_t i = 0; i < g->nrows * g->ncols; i++)
		free(g->cells[i]);
	free(g->cells);
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

static void grid_print_text(const struct grid *g, const char *title, FILE *out)
{
	size_t w[8] = { 0 };
	fprintf(out, "\n%s\n", title);
	if (!g->nrows) {
		fputs("  (none)\n", out);
		return;
	}
	for (size_t c = 0; c < g->ncols; c++) {
		w[c] = strlen(g->heads[c]);
		for (size_t r = 0; r < g->nrows; r++)
			if (text_width(g->cells[r * g->ncols + c]) > w[c])
				w[c] = text_width(g->cells[r * g->ncols + c]);
	}
	for (size_t r = 0; r <= g->nrows; r++) {
		for (size_t c = 0; c < g->ncols; c++) {
			const char *cell = r ? g->cells[(r - 1) * g->ncols + c] : g->heads[c];
			size_t fill = w[c] - (r ? text_width(cell) : strlen(cell));
			bool last = c + 1 == g->ncols;
			fputs("  ", out);
			if (g->align[c] == 'r')
				pad(out, fill);
			for (const char *h = cell; !r && *h; h++)
				fputc(*h >= 'a' && *h <= 'z' ? *h - 'a' + 'A' : *h, out);
			if (r)
				put_text(out, cell, ESC_TEXT);
			if (g->align[c] != 'r' && !last)
				pad(out, fill);
		}
		fputc('\n', out);
	}
}

static void grid_print_markdown(const struct grid *g, const char *title, FILE *out)
{
	fprintf(out, "\n### %s\n\n", title);
	if (!g->nrows) {
		fputs("_none_\n", out);
		return;
	}
	for (size_t c = 0; c < g->ncols; c++)
		fprintf(out, "| %s ", g->heads[c]);
	fputs("|\n", out);
	for (size_t c = 0; c < g->ncols; c++)
		fputs(g->align[c] == 'r' ? "|---:" : "|---", out);
	fputs("|\n", out);
	for (size_t r = 0; r < g->nrows; r++) {
		for (size_t c = 0; c < g->ncols; c++) {
			fputs("| ", out);
			put_text(out, g->cells[r * g->ncols + c], ESC_MARKDOWN);
			fputc(' ', out);
		}
		fputs("|\n", out);
	}
}

static const char *num(char buf[24], int64_t v)
{
	if (v < 0)
		return "-";
	snprintf(buf, 24, "%" PRId64, v);
	return buf;
}

/* The sections, each as a grid; @sel picks one (0 … 4). */
enum { SEC_SESSIONS, SEC_RULES, SEC_COMMANDS, SEC_OFFENDERS, SEC_MASKS, SEC_N };

static const char *const sec_title[SEC_N] = { "Sessions", "Denials by rule", "Denials by command",
					      "Top offenders", "Masked secrets" };

static int rows_sessions(const struct audit_summary *s, struct grid *g)
{
	static const char *const heads[] = { "Session", "Start", "Exit", "Denied", "Command" };
	_cleanup_free_ const struct tally_entry **v = sorted(&s->sessions, by_start);
	char a[24], b[24];
	*g = (struct grid){ .ncols = 5, .heads = heads, .align = "llrrl" };
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->sessions.n; i++) {
		const struct session_info *si = v[i]->data;
		if (grid_row(g, v[i]->key, si->start_ts ? si->start_ts : "-",
			     num(a, si->exit_status), num(b, si->denied),
			     si->command ? si->command : "-") < 0)
			return -ENOMEM;
	}
	return 0;
}

static int rows_counted(const struct audit_summary *s, int sec, struct grid *g)
{
	static const char *const heads[SEC_N][4] = {
		[SEC_RULES] = { "Count", "Rule", "Origin" },
		[SEC_COMMANDS] = { "Count", "Command" },
		[SEC_OFFENDERS] = { "Count", "PID", "Command", "Session" },
		[SEC_MASKS] = { "Count", "Name", "Stream" },
	};
	static const char *const align[SEC_N] = { [SEC_RULES] = "rll",
						  [SEC_COMMANDS] = "rl",
						  [SEC_OFFENDERS] = "rrll",
						  [SEC_MASKS] = "rll" };
	const struct tally *t = sec == SEC_RULES       ? &s->rules
				: sec == SEC_COMMANDS  ? &s->commands
				: sec == SEC_OFFENDERS ? &s->offenders
						       : &s->masks;
	_cleanup_free_ const struct tally_entry **v = sorted(t, by_count);
	size_t n = sec == SEC_OFFENDERS && t->n > TOP_OFFENDERS ? TOP_OFFENDERS : t->n;
	char cnt[24], pid[24];
	int r = 0;
	*g = (struct grid){ .ncols = strlen(align[sec]), .heads = heads[sec], .align = align[sec] };
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct tally_entry *e = v[i];
		num(cnt, (int64_t)e->count);
		if (sec == SEC_RULES && !*key_part(e, 0) && !*key_part(e, 1))
			r = grid_row(g, cnt, "(no rule)", "-");
		else if (sec == SEC_OFFENDERS)
			r = grid_row(g, cnt,
				     *key_part(e, 1) ? num(pid, strtoll(key_part(e, 1), NULL, 10))
						     : "-",
				     key_part(e, 0), key_part(e, 2));
		else
			r = grid_row(g, cnt, key_part(e, 0), key_part(e, 1));
	}
	return r;
}

static int section_grid(const struct audit_summary *s, int sec, struct grid *g)
{
	return sec == SEC_SESSIONS ? rows_sessions(s, g) : rows_counted(s, sec, g);
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void print_totals(const struct audit_summary *s, FILE *out)
{
	const struct {
		uint64_t n;
		const char *one, *many;
	} more[] = {
		{ s->masked, "masked secret", "masked secrets" },
		{ s->allowed_execs, "allowed exec", "allowed execs" },
		{ s->truncated, "truncated record", "truncated records" },
		{ s->invalid, "invalid line", "invalid lines" },
	};
	fprintf(out, "%zu %s, %" PRIu64 " %s", s->sessions.n,
		plural(s->sessions.n, "session", "sessions"), s->denials,
		plural(s->denials, "denial", "denials"));
	if (s->killed || s->suppressed)
		fprintf(out, " (%" PRIu64 " killed, %" PRIu64 " suppressed)", s->killed,
			s->suppressed);
	for (size_t i = 0; i < ARRAY_SIZE(more); i++)
		if (more[i].n)
			fprintf(out, ", %" PRIu64 " %s", more[i].n,
				plural(more[i].n, more[i].one, more[i].many));
}

static int print_people(const struct audit_summary *s, bool md, FILE *out)
{
	fputs(md ? "## aigate audit\n\n**" : "aigate audit: ", out);
	print_totals(s, out);
	fputs(md ? "**\n" : "\n", out);
	for (int sec = 0; sec < SEC_N; sec++) {
		struct grid g;
		int r = section_grid(s, sec, &g);
		if (r == 0)
			(md ? grid_print_markdown : grid_print_text)(&g, sec_title[sec], out);
		grid_free(&g);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- json --------------------------------------------------------------------------------- */

/* A JSON string; bytes that are not UTF-8 as \u00XX, as the audit writer does (json_read decodes them back). */
static void put_json(FILE *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0;
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (size_t i = 0, l; i < n; i += l ? l : 1) {
		l = json_utf8_len(u + i, n - i);
		if (u[i] == '"' || u[i] == '\\')
			fprintf(out, "\\%c", u[i]);
		else if (!l || u[i] < 0x20 || u[i] == 0x7f)
			fprintf(out, "\\u%04x", u[i]);
		else
			fwrite(u + i, 1, l, out);
	}
	fputc('"', out);
}

static void put_json_int(FILE *out, int64_t v)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%" PRId64, v);
}

static void json_sessions(const struct tally_entry *const *v, size_t n, FILE *out)
{
	fputs("  \"sessions\": [", out);
	for (size_t i = 0; i < n; i++) {
		const struct session_info *si = v[i]->data;
		fprintf(out, "%s\n    {\"id\": ", i ? "," : "");
		put_json(out, v[i]->key);
		fputs(", \"start\": ", out);
		put_json(out, si->start_ts);
		fputs(", \"command\": ", out);
		put_json(out, si->command);
		fputs(", \"exit_status\": ", out);
		put_json_int(out, si->exit_status);
		fputs(", \"denied\": ", out);
		put_json_int(out, si->denied);
		fprintf(out, ", \"recorded_denials\": %" PRIu64 "}", si->denials);
	}
	fputs(n ? "\n  ],\n" : "],\n", out);
}

/* One counted list: "name": [{"<field>": part, …, "count": N}, …]. */
static void json_counted(const char *name, const char *const *fields, size_t nfields,
			 const struct tally_entry *const *v, size_t n, bool last, FILE *out)
{
	fprintf(out, "  \"%s\": [", name);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n    {" : "\n    {", out);
		for (size_t f = 0; f < nfields; f++) {
			const char *part = key_part(v[i], (unsigned)f);
			fprintf(out, "\"%s\": ", fields[f]);
			if (strcmp(fields[f], "pid") == 0)
				put_json_int(out, *part ? strtoll(part, NULL, 10) : -1);
			else
				put_json(out, *part ? part : NULL);
			fputs(", ", out);
		}
		fprintf(out, "\"count\": %" PRIu64 "}", v[i]->count);
	}
	fprintf(out, "%s]%s\n", n ? "\n  " : "", last ? "" : ",");
}

static int print_json(const struct audit_summary *s, FILE *out)
{
	static const char *const rule_f[] = { "rule", "origin" };
	static const char *const cmd_f[] = { "command" };
	static const char *const off_f[] = { "command", "pid", "session" };
	static const char *const mask_f[] = { "name", "stream" };
	_cleanup_free_ const struct tally_entry **ses = sorted(&s->sessions, by_start);
	_cleanup_free_ const struct tally_entry **rul = sorted(&s->rules, by_count);
	_cleanup_free_ const struct tally_entry **cmd = sorted(&s->commands, by_count);
	_cleanup_free_ const struct tally_entry **off = sorted(&s->offenders, by_count);
	_cleanup_free_ const struct tally_entry **msk = sorted(&s->masks, by_count);
	if (!ses || !rul || !cmd || !off || !msk)
		return -ENOMEM;
	fprintf(out,
		"{\n  \"totals\": {\"sessions\": %zu, \"records\": %" PRIu64
		", \"denials\": %" PRIu64 ", \"killed\": %" PRIu64 ", \"suppressed\": %" PRIu64
		", \"masked\": %" PRIu64 ", \"allowed_execs\": %" PRIu64 ", \"truncated\": %" PRIu64
		", \"invalid_lines\": %" PRIu64 "},\n",
		s->sessions.n, s->records, s->denials, s->killed, s->suppressed, s->masked,
		s->allowed_execs, s->truncated, s->invalid);
	json_sessions(ses, s->sessions.n, out);
	json_counted("rules", rule_f, 2, rul, s->rules.n, false, out);
	json_counted("commands", cmd_f, 1, cmd, s->commands.n, false, out);
	json_counted("offenders", off_f, 3, off,
		     s->offenders.n > TOP_OFFENDERS ? TOP_OFFENDERS : s->offenders.n, false, out);
	json_counted("masks", mask_f, 2, msk, s->masks.n, true, out);
	fputs("}\n", out);
	return 0;
}

int audit_summary_print(const struct audit_summary *s, enum audit_format fmt, FILE *out)
{
	switch (fmt) {
	case AUDIT_FORMAT_JSON:
		return print_json(s, out);
	case AUDIT_FORMAT_MARKDOWN:
		return print_people(s, true, out);
	case AUDIT_FORMAT_TABLE:
	default:
		return print_people(s, false, out);
	}
}

/* ---- one line for --follow ------------------------------------------------------------------ */

static void put_rule_and_process(const struct audit_entry *e, FILE *out)
{
	const char *cmd = entry_command(e);
	if (e->rule && *e->rule) {
		fputs("  \"", out);
		put_text(out, e->rule, ESC_TEXT);
		fputc('"', out);
		if (e->origin) {
			fputs(" (", out);
			put_text(out, e->origin, ESC_TEXT);
			fputc(')', out);
		}
	}
	if (cmd || e->pid >= 0) {
		fputs("  ", out);
		put_text(out, cmd ? cmd : "?", ESC_TEXT);
		if (e->pid >= 0)
			fprintf(out, "[%" PRId64 "]", e->pid);
	}
}

static void put_word(FILE *out, const char *s)
{
	if (!s)
		return;
	fputc(' ', out);
	put_text(out, s, ESC_TEXT);
}

void audit_entry_print_line(const struct audit_entry *e, FILE *out)
{
	/* HH:MM:SS of the (UTC) ts: audit_entry_parse() made sure it is RFC 3339. */
	fprintf(out, "%.8s", strlen(e->ts) >= 19 ? e->ts + 11 : e->ts);
	if (util_streq(e->action, "session_start")) {
		fputs(" session", out);
		put_word(out, e->session);
		fputs(" started:", out);
		put_word(out, e->command ? e->command : "?");
	} else if (util_streq(e->action, "session_end")) {
		fputs(" session", out);
		put_word(out, e->session);
		fputs(" ended", out);
		if (e->exit_status >= 0)
			fprintf(out, ": exit %" PRId64, e->exit_status);
		if (e->denied >= 0)
			fprintf(out, ", %" PRId64 " denied", e->denied);
	} else if (util_streq(e->action, "mask")) {
		fprintf(out, " masked %" PRId64, e->count);
		put_word(out, e->target);
		if (e->stream) {
			fputs(" on", out);
			put_word(out, e->stream);
		}
	} else {
		if (e->summary)
			fprintf(out, " suppressed %" PRId64, e->suppressed);
		else
			put_word(out, e->verdict);
		put_word(out, e->action);
		put_word(out, e->summary ? NULL : e->target);
		put_rule_and_process(e, out);
		if (!e->summary && e->suppressed)
			fprintf(out, "  (+%" PRId64 " suppressed)", e->suppressed);
	}
	if (e->truncated)
		fputs("  (truncated)", out);
	fputc('\n', out);
}
