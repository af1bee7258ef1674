/* SPDX-License-Identifier: MIT */
/* msg.c — see msg.h. */
#include <string.h>

#include "shim/fmt.h"
#include "shim/msg.h"
#include "shim/shim_protocol.h"

const char *shim_list_name(enum policy_blob_list list)
{
	switch (list) {
	case POLICY_BLOB_DENY_READ:
		return "deny_read";
	case POLICY_BLOB_DENY_EXEC:
		return "deny_exec";
	case POLICY_BLOB_ALLOW_NET:
		return "allow_net";
	case POLICY_BLOB_ALLOW_WRITE:
		return "allow_write";
	default:
		return "?";
	}
}

/* One field "key=value\0", whole or not at all. */
static void field(struct shim_fmt *f, const char *key, const char *value)
{
	size_t saved = f->len;

	shim_fmt_str(f, key);
	shim_fmt_char(f, '=');
	shim_fmt_str(f, value);
	shim_fmt_char(f, '\0');
	if (f->full) {
		f->len = saved;
		f->buf[saved] = '\0';
	}
}

static void field_uint(struct shim_fmt *f, const char *key, unsigned long v)
{
	char num[24];
	struct shim_fmt n;

	shim_fmt_init(&n, num, sizeof(num));
	shim_fmt_uint(&n, v);
	field(f, key, num);
}

size_t shim_msg_encode(const struct shim_denial *d, char *buf, size_t cap)
{
	struct shim_fmt f;
	char target[PATHMATCH_PATH_MAX];
	size_t tlen;

	if (cap > SHIM_MSG_MAX)
		cap = SHIM_MSG_MAX;
	shim_fmt_init(&f, buf, cap);
	field(&f, "v", "1");
	field(&f, "action", d->action);
	field(&f, "verdict", "denied");
	field(&f, "list", shim_list_name(d->list));
	field_uint(&f, "rule", (unsigned long)(d->rule < 0 ? 0 : d->rule));
	field(&f, "call", d->call);
	field_uint(&f, "errno", (unsigned long)d->err);
	/* The target last but the argv: cut to what is left, so the record always has one. */
	tlen = d->target ? strlen(d->target) : 0;
	if (tlen >= sizeof(target))
		tlen = sizeof(target) - 1;
	if (cap > f.len + 16 && tlen > cap - f.len - 16)
		tlen = cap - f.len - 16;
	memcpy(target, d->target ? d->target : "", tlen);
	target[tlen] = '\0';
	field(&f, "target", target);
	for (size_t i = 0; d->argv && d->argv[i] && i < SHIM_MSG_ARGV; i++) {
		size_t before = f.len;
		field(&f, "argv", d->argv[i]);
		if (f.len == before)
			break; /* whole words only, in order: stop at the first that does not fit */
	}
	return f.len;
}

/* "file:line" of rule @r, as policy_blob_origin() writes it, without snprintf. */
static void origin(struct shim_fmt *f, const struct policy_blob *b,
		   const struct policy_blob_rule *r)
{
	const char *file = "?";

	if (r->file < b->hdr->nfiles) {
		uint32_t off;
		memcpy(&off, b->base + b->hdr->files_off + r->file * sizeof(uint32_t), sizeof(off));
		file = policy_blob_str(b, off);
	}
	shim_fmt_str(f, file);
	if (r->line) {
		shim_fmt_char(f, ':');
		shim_fmt_uint(f, r->line);
	}
}

size_t shim_line_encode(const struct policy_blob *b, const struct shim_denial *d, char *buf,
			size_t cap)
{
	const struct policy_blob_rule *r = policy_blob_rule(b, d->list, (uint32_t)d->rule);
	struct shim_fmt f;

	/* One byte kept back for the newline. */
	shim_fmt_init(&f, buf, cap - 1);
	shim_fmt_str(&f, "aigate: denied: ");
	if (r && d->list == POLICY_BLOB_DENY_EXEC && d->inv && d->inv->name) {
		/* The command and the subcommand words the rule names: "kubectl delete". */
		const char *words[ARGVMATCH_MAX_WORDS];
		size_t nw = policy_blob_exec_words(b, r, words);
		shim_fmt_str(&f, strchr(words[0], '/') ? d->inv->cmd : d->inv->name);
		for (size_t i = 1; i < nw && i - 1 < d->inv->npos; i++) {
			shim_fmt_char(&f, ' ');
			shim_fmt_str(&f, d->inv->pos[i - 1]);
		}
	} else {
		shim_fmt_str(&f, d->action);
		shim_fmt_char(&f, ' ');
		shim_fmt_str(&f, d->target);
	}
	if (d->list == POLICY_BLOB_ALLOW_NET) {
		/* An allowlist: no rule broke, the list lacks the destination; where it is written. */
		shim_fmt_str(&f, " (allow_net: ");
		shim_fmt_str(&f, d->reason);
		if (r) {
			shim_fmt_str(&f, ", ");
			origin(&f, b, r);
		}
		shim_fmt_char(&f, ')');
	} else if (r) {
		shim_fmt_str(&f, " (");
		shim_fmt_str(&f, shim_list_name(d->list));
		shim_fmt_str(&f, " \"");
		shim_fmt_str(&f, policy_blob_str(b, r->text_off));
		shim_fmt_str(&f, "\", ");
		origin(&f, b, r);
		shim_fmt_char(&f, ')');
	}
	buf[f.len] = '\n';
	return f.len + 1;
}
