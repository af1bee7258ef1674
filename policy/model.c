/* SPDX-License-Identifier: MIT */
/* model.c — allocation and small accessors of struct policy. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"
#include "policy/util.h"

struct policy *policy_new(void)
{
	return calloc(1, sizeof(struct policy));
}

static void list_clear(struct policy_list *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static void fields_free(struct policy *p, const struct policy_field *table)
{
	for (const struct policy_field *f = table; f->name; f++) {
		void *at = (char *)p + f->offset;
		switch (f->kind) {
		case FK_STRING:
			free(((struct policy_string *)at)->value);
			break;
		case FK_LIST:
			list_clear(at);
			break;
		case FK_MASK_PATTERNS: {
			struct policy_mask_patterns *mp = at;
			for (uint32_t i = 0; i < mp->n; i++) {
				free(mp->items[i].name);
				free(mp->items[i].regex);
			}
			free(mp->items);
			break;
		}
		case FK_MAP:
			fields_free(p, f->children);
			break;
		case FK_SIZE:
		case FK_UINT:
		case FK_BOOL:
		default:
			break;
		}
	}
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	fields_free(p, policy_fields);
	for (uint32_t i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p);
}

int policy_list_add(struct policy_list *l, const char *value, struct policy_origin origin)
{
	if (l->n >= POLICY_MAX_RULES)
		return -E2BIG;
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 8;
		struct policy_item *items = reallocarray(l->items, cap, sizeof(*items));
		if (!items)
			return -ENOMEM;
		l->items = items;
		l->cap = cap;
	}
	char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	l->items[l->n++] = (struct policy_item){ .value = copy, .origin = origin };
	l->present = true;
	return 0;
}

int policy_list_find(const struct policy_list *l, const char *value)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].value, value) == 0)
			return (int)i;
	return -1;
}

void policy_origin_format(const struct policy *p, struct policy_origin o, char *buf, size_t bufsz)
{
	const char *file = o.file < p->nfiles ? p->files[o.file] : "?";
	if (o.line)
		snprintf(buf, bufsz, "%s:%u", file, o.line);
	else
		snprintf(buf, bufsz, "%s", file);
}
