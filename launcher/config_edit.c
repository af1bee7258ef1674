/* SPDX-License-Identifier: MIT */
/*
 * config_edit.c — see config_edit.h.
 *
 * The edit is textual, guided by libyaml's event marks: we find the field's
 * sequence and insert or delete whole lines (block style) or items (flow
 * style). Re-emitting the document would be simpler but would throw away
 * every comment the user wrote. Each operation re-parses the text, and the
 * final text must load and hold exactly the expected list, or nothing is
 * written.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "launcher/config.h"
#include "launcher/config_edit.h"
#include "policy/util.h"

/* A growable text buffer. */
struct text {
	char *s;
	size_t len;
};

struct seq_item {
	size_t start, end; /* byte offsets of the scalar */
	char *value;
};

/* Where the field is in the text. */
struct located {
	bool found;	    /* the key exists */
	bool is_null;	    /* "key:", "key: ~", "key: null" */
	size_t null_end;    /* byte offset after the null token ("~", "null"), or after_colon */
	bool is_flow;	    /* [a, b] */
	size_t after_colon; /* byte offset just after the key's ':' */
	size_t seq_start;   /* first '-' (block) or '[' (flow) */
	size_t seq_end;	    /* just after the last item (block) or the ']' (flow) */
	size_t first_col;   /* column of the first '-' (block) */
	struct seq_item items[POLICY_MAX_RULES];
	size_t nitems;
};

/*
 * libyaml marks count characters, not bytes; convert so that UTF-8 in
 * comments (the default policy has some) does not shift the edit.
 */
static size_t char_to_byte(const char *s, size_t len, size_t chars)
{
	size_t b = 0, c = 0;
	if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
	    (unsigned char)s[2] == 0xBF)
		b = 3; /* the reader drops a BOM before counting */
	for (; b < len && c < chars; b++)
		if (((unsigned char)s[b] & 0xC0) != 0x80)
			c++;
	while (b < len && ((unsigned char)s[b] & 0xC0) == 0x80)
		b++;
	return b;
}

static void located_free(struct located *loc)
{
	for (size_t i = 0; i < loc->nitems; i++)
		free(loc->items[i].value);
	loc->nitems = 0;
}

static int locate(const struct text *t, const char *field, struct located *loc)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, r = 0;
	bool expect_key = false, in_field = false, done = false;
	bool key_is_field = false;

	memset(loc, 0, sizeof(*loc));
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)t->s, t->len);
	while (!done) {
		if (!yaml_parser_parse(&parser, &ev)) {
			r = -EINVAL;
			break;
		}
		size_t sb = char_to_byte(t->s, t->len, ev.start_mark.index);
		size_t eb = char_to_byte(t->s, t->len, ev.end_mark.index);
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (depth == 1 && key_is_field) {
				/* the field's value: only a list is editable (the loader rejects others) */
				if (ev.type == YAML_SEQUENCE_START_EVENT) {
					loc->is_flow = ev.data.sequence_start.style ==
						       YAML_FLOW_SEQUENCE_STYLE;
					loc->seq_start = sb;
					loc->first_col = ev.start_mark.column;
					in_field = true;
				} else {
					r = -EINVAL;
				}
				key_is_field = false;
			} else if (in_field) {
				r = -EINVAL; /* a nested collection inside the list */
			}
			depth++;
			if (depth == 1)
				expect_key = true;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			if (depth == 1) {
				if (in_field && loc->is_flow)
					loc->seq_end = eb;
				in_field = false;
				expect_key = true;
			}
			break;
		case YAML_SCALAR_EVENT:
			if (depth == 1 && expect_key) {
				key_is_field =
					strcmp((const char *)ev.data.scalar.value, field) == 0;
				if (key_is_field) {
					loc->found = true;
					/* the ':' follows the key (after optional blanks) */
					size_t c = eb;
					while (c < t->len && t->s[c] != ':')
						c++;
					loc->after_colon = c < t->len ? c + 1 : c;
				}
				expect_key = false;
			} else if (depth == 1) {
				if (key_is_field) {
					/* a scalar value: only null is editable (the loader rejects others) */
					const char *v = (const char *)ev.data.scalar.value;
					loc->is_null = ev.data.scalar.plain_implicit &&
						       (ev.data.scalar.length == 0 ||
							!strcmp(v, "~") || !strcmp(v, "null") ||
							!strcmp(v, "Null") || !strcmp(v, "NULL"));
					loc->null_end =
						ev.data.scalar.length ? eb : loc->after_colon;
					if (!loc->is_null)
						r = -EINVAL;
					key_is_field = false;
				}
				expect_key = true;
			} else if (in_field && depth == 2) {
				if (loc->nitems >= POLICY_MAX_RULES) {
					r = -E2BIG;
					break;
				}
				struct seq_item *it = &loc->items[loc->nitems];
				it->start = sb;
				it->end = eb;
				it->value = strdup((const char *)ev.data.scalar.value);
				if (!it->value)
					r = -ENOMEM;
				else
					loc->nitems++;
				loc->seq_end = eb;
			}
			break;
		case YAML_ALIAS_EVENT:
			if (in_field)
				r = -EINVAL;
			break;
		case YAML_NO_EVENT:
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (r < 0)
			break;
	}
	yaml_parser_delete(&parser);
	if (r < 0)
		located_free(loc);
	return r;
}

static int text_splice(struct text *t, size_t at, size_t del, const char *ins, size_t inslen)
{
	char *s = malloc(t->len - del + inslen + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, t->s, at);
	memcpy(s + at, ins, inslen);
	memcpy(s + at + inslen, t->s + at + del, t->len - at - del);
	t->len = t->len - del + inslen;
	s[t->len] = '\0';
	free(t->s);
	t->s = s;
	return 0;
}

/* A double-quoted YAML scalar: only '"', '\\' and control bytes need escapes. */
static void quote(const char *v, char *buf, size_t bufsz)
{
	size_t o = 0;
	buf[o++] = '"';
	for (const unsigned char *p = (const unsigned char *)v; *p && o + 6 < bufsz; p++) {
		if (*p == '"' || *p == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)*p;
		} else if (*p < 0x20 || *p == 0x7f) {
			o += (size_t)snprintf(buf + o, bufsz - o, "\\x%02x", *p);
		} else {
			buf[o++] = (char)*p;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

static size_t line_start(const struct text *t, size_t at)
{
	while (at > 0 && t->s[at - 1] != '\n')
		at--;
	return at;
}

static size_t line_end_incl(const struct text *t, size_t at)
{
	while (at < t->len && t->s[at] != '\n')
		at++;
	return at < t->len ? at + 1 : at;
}

static int add_one(struct text *t, const char *field, const char *value)
{
	struct located *loc = calloc(1, sizeof(*loc));
	char q[POLICY_MAX_STRING * 4 + 8], ins[sizeof(q) + 128];
	int r;

	if (!loc)
		return -ENOMEM;
	if ((r = locate(t, field, loc)) < 0)
		goto out;
	quote(value, q, sizeof(q));
	if (!loc->found) {
		bool nl = t->len > 0 && t->s[t->len - 1] != '\n';
		snprintf(ins, sizeof(ins), "%s%s:\n  - %s\n", nl ? "\n" : "", field, q);
		r = text_splice(t, t->len, 0, ins, strlen(ins));
	} else if (loc->is_null || (loc->is_flow && loc->nitems == 0)) {
		/* "key:" or "key: []" becomes a block list with one item. */
		size_t at = loc->after_colon, del = 0;
		if (loc->is_flow)
			del = loc->seq_end - at;
		else
			del = loc->null_end - at; /* drop a "~" or "null" token */
		snprintf(ins, sizeof(ins), "\n  - %s", q);
		r = text_splice(t, at, del, ins, strlen(ins));
	} else if (loc->is_flow) {
		/* before the closing ']' */
		snprintf(ins, sizeof(ins), ", %s", q);
		size_t at = loc->items[loc->nitems - 1].end;
		r = text_splice(t, at, 0, ins, strlen(ins));
	} else {
		/* a new line after the last item's line, indented like the first '-' */
		size_t at = line_end_incl(t, loc->seq_end);
		int pad = (int)loc->first_col;
		snprintf(ins, sizeof(ins), "%s%*s- %s\n",
			 (at == t->len && at > 0 && t->s[at - 1] != '\n') ? "\n" : "", pad, "", q);
		r = text_splice(t, at, 0, ins, strlen(ins));
	}
out:
	located_free(loc);
	free(loc);
	return r;
}

static int remove_one(struct text *t, const char *field, const char *value)
{
	struct located *loc = calloc(1, sizeof(*loc));
	int r;

	if (!loc)
		return -ENOMEM;
	if ((r = locate(t, field, loc)) < 0)
		goto out;
	r = -ENOENT;
	for (size_t i = 0; i < loc->nitems; i++) {
		struct seq_item *it = &loc->items[i];
		if (strcmp(it->value, value) != 0)
			continue;
		if (loc->is_flow) {
			size_t from = it->start, to = it->end;
			if (i + 1 < loc->nitems)
				to = loc->items[i + 1].start; /* "a, " */
			else if (i > 0)
				from = loc->items[i - 1].end; /* ", a" */
			r = text_splice(t, from, to - from, "", 0);
		} else {
			size_t from = line_start(t, it->start), to = line_end_incl(t, it->end);
			r = text_splice(t, from, to - from, "", 0);
			if (r == 0 && loc->nitems == 1) {
				/* Last item gone: write "key: []" so the empty list reads as intended. */
				r = text_splice(t, loc->after_colon, 0, " []", 3);
			}
		}
		break;
	}
out:
	located_free(loc);
	free(loc);
	return r;
}

/* Every occurrence: the loader folds duplicates, the text may still hold several. */
static int remove_all(struct text *t, const char *field, const char *value)
{
	int r = remove_one(t, field, value);
	while (r == 0) {
		r = remove_one(t, field, value);
		if (r == -ENOENT)
			return 0;
	}
	return r;
}

/* "key:" with a null value after SET to nothing reads better as "key: []". */
static int null_to_empty(struct text *t, const char *field)
{
	struct located *loc = calloc(1, sizeof(*loc));
	int r;
	if (!loc)
		return -ENOMEM;
	r = locate(t, field, loc);
	if (r == 0 && !loc->found) {
		bool nl = t->len > 0 && t->s[t->len - 1] != '\n';
		char ins[128];
		snprintf(ins, sizeof(ins), "%s%s: []\n", nl ? "\n" : "", field);
		r = text_splice(t, t->len, 0, ins, strlen(ins));
	} else if (r == 0 && loc->is_null) {
		r = text_splice(t, loc->after_colon, loc->null_end - loc->after_colon, " []", 3);
	}
	located_free(loc);
	free(loc);
	return r;
}

int config_lock_dir(const char *dir)
{
	int fd;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	/* flock on the directory itself: no lock file is ever left behind. */
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	return fd;
}

int config_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX], dirbuf[PATH_MAX], target[PATH_MAX];
	struct stat st;
	mode_t mode = 0600;
	int fd, r = 0;

	/*
	 * A config that is a symlink (a dotfile manager's) is edited where it
	 * points: replacing the link with a copy would silently fork the user's
	 * policy from the file they version.
	 */
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (!realpath(path, target))
			return -errno;
		path = target;
	}
	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0)
		r = -errno;
	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)n;
	}
	/* fsync before rename: otherwise a crash can leave an empty config after the rename. */
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}

/* The result must load, and hold exactly what we meant to write. */
static int verify(const struct text *t, const char *display, const char *field,
		  enum config_edit_op op, char *const *values, size_t n, struct policy_diag *diag)
{
	struct policy *p = policy_new();
	int r;
	if (!p)
		return -ENOMEM;
	r = policy_load_buffer(p, t->s, t->len, display, diag);
	if (r == 0) {
		struct policy_list *l = policy_list_by_name(p, field);
		for (size_t i = 0; i < n && r == 0; i++) {
			bool has = l && policy_list_find(l, values[i]) >= 0;
			if (has != (op != CONFIG_EDIT_REMOVE))
				r = -EPROTO;
		}
		if (r == 0 && op == CONFIG_EDIT_SET && (!l || !l->present || l->n != n))
			r = -EPROTO;
		if (r == -EPROTO) {
			snprintf(diag->file, sizeof(diag->file), "%s", display);
			diag->line = diag->col = 0;
			snprintf(diag->msg, sizeof(diag->msg),
				 "could not edit %s safely (unusual layout); edit the file by hand",
				 field);
			r = -EINVAL;
		}
	}
	policy_free(p);
	return r;
}

int config_edit_list(const char *path, const char *display, const char *field,
		     enum config_edit_op op, char *const *values, size_t nvalues,
		     struct config_edit_result *res, struct policy_diag *diag)
{
	char dirbuf[PATH_MAX];
	_cleanup_close_ int lock = -1;
	struct text t = { 0 };
	struct policy *cur = NULL;
	struct policy_list *l;
	char *orig = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	memset(diag, 0, sizeof(*diag));
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	lock = config_lock_dir(dirname(dirbuf));
	if (lock < 0)
		return lock;

	r = config_read_file(path, &t.s, &t.len);
	if (r == -ENOENT) {
		size_t len;
		const char *def = policy_default_yaml(&len);
		t.s = strndup(def, len);
		t.len = len;
		res->created = true;
		if (!t.s)
			return -ENOMEM;
	} else if (r < 0) {
		return r;
	}

	/* Refuse to edit a file that does not load: the user must see and fix its error first. */
	cur = policy_new();
	if (!cur) {
		r = -ENOMEM;
		goto out;
	}
	r = policy_load_buffer(cur, t.s, t.len, display, diag);
	if (r < 0)
		goto out;
	l = policy_list_by_name(cur, field);
	if (!l) {
		r = -EINVAL;
		goto out;
	}

	/* Duplicated arguments count once (and SET's verification counts distinct values). */
	char **uniq = calloc(nvalues + 1, sizeof(char *));
	size_t nuniq = 0;
	if (!uniq) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nvalues; i++) {
		bool dup = false;
		for (size_t j = 0; j < nuniq; j++)
			dup = dup || strcmp(values[i], uniq[j]) == 0;
		if (!dup)
			uniq[nuniq++] = values[i];
	}
	orig = strndup(t.s, t.len);
	if (!orig) {
		r = -ENOMEM;
		goto out_uniq;
	}

	if (op == CONFIG_EDIT_SET) {
		for (uint32_t i = 0; i < l->n && r == 0; i++) {
			bool keep = false;
			for (size_t j = 0; j < nuniq; j++)
				keep = keep || strcmp(uniq[j], l->items[i].value) == 0;
			if (!keep) {
				r = remove_all(&t, field, l->items[i].value);
				res->changed++;
			}
		}
	}
	for (size_t i = 0; i < nuniq && r == 0; i++) {
		bool has = policy_list_find(l, uniq[i]) >= 0;
		if (has == (op != CONFIG_EDIT_REMOVE)) {
			res->unchanged++;
			continue;
		}
		r = op == CONFIG_EDIT_REMOVE ? remove_all(&t, field, uniq[i])
					     : add_one(&t, field, uniq[i]);
		res->changed++;
	}
	if (r == 0 && op == CONFIG_EDIT_SET && nuniq == 0)
		r = null_to_empty(&t, field);
	if (r < 0) {
		if (r == -EINVAL || r == -ENOENT) {
			snprintf(diag->file, sizeof(diag->file), "%s", display);
			snprintf(diag->msg, sizeof(diag->msg),
				 "could not edit %s safely (unusual layout); edit the file by hand",
				 field);
			r = -EINVAL;
		}
		goto out_uniq;
	}
	/* Compare texts, not counters: "key:" -> "key: []" changes the meaning with no item. */
	if (!res->created && t.len == strlen(orig) && memcmp(t.s, orig, t.len) == 0)
		goto out_uniq; /* nothing to write */
	r = verify(&t, display, field, op, uniq, nuniq, diag);
	if (r == 0)
		r = config_write_atomic(path, t.s, t.len);
out_uniq:
	free(uniq);
out:
	policy_free(cur);
	free(orig);
	free(t.s);
	return r;
}
