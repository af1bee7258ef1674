/* SPDX-License-Identifier: MIT */
/*
 * merge.c — combine the project's .aigate.yaml with the global policy.
 *
 * The project file comes with the repository, so whoever wrote the
 * repository wrote it: it may only tighten. Every loosening attempt is
 * reported (file:line) and ignored unless the user's global file opted in
 * with project_may_extend. A cloned repository must never widen the sandbox.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"
#include "policy/util.h"

struct merger {
	struct policy *g;
	const struct policy *pr;
	struct policy_diags *w;
	uint32_t file_map[POLICY_MAX_FILES]; /* project file index -> global file index */
};

static void warn_at(struct merger *m, struct policy_origin o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn_at(struct merger *m, struct policy_origin o, const char *fmt, ...)
{
	va_list ap;
	if (m->w->n >= POLICY_MAX_WARNINGS) {
		m->w->dropped++;
		return;
	}
	struct policy_diag *d = &m->w->items[m->w->n++];
	snprintf(d->file, sizeof(d->file), "%s",
		 o.file < m->pr->nfiles ? m->pr->files[o.file] : "?");
	d->line = o.line;
	d->col = o.col;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

static struct policy_origin remap(const struct merger *m, struct policy_origin o)
{
	o.file = o.file < POLICY_MAX_FILES ? m->file_map[o.file] : 0;
	return o;
}

static bool may_extend(const struct merger *m, const char *extend_name)
{
	return extend_name && policy_list_find(&m->g->project_may_extend, extend_name) >= 0;
}

/* Add the project's entries to the global list; loosening entries only when allowed. */
static int merge_list(struct merger *m, const struct policy_field *f, struct policy_list *gl,
		      const struct policy_list *pl, bool allowed)
{
	for (uint32_t i = 0; i < pl->n; i++) {
		const struct policy_item *it = &pl->items[i];
		if (policy_list_find(gl, it->value) >= 0)
			continue;
		if (!allowed) {
			warn_at(m, it->origin,
				"%s entry '%s' would loosen the global policy; ignored (the global "
				"config can allow it with project_may_extend: [%s])",
				f->name, it->value, f->extend_name ? f->extend_name : f->name);
			continue;
		}
		int r = policy_list_add(gl, it->value, remap(m, it->origin));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * allow_net: absent means the host network, so a project that sets it when
 * the global file does not only restricts the network (accepted, replaces).
 * An empty project list means no network (accepted). When the global file
 * already has a list, new domains widen it (opt-in only).
 */
static int merge_net(struct merger *m, const struct policy_field *f, struct policy_list *gl,
		     const struct policy_list *pl)
{
	if (!pl->present)
		return 0;
	if (!gl->present) {
		gl->present = true;
		gl->origin = remap(m, pl->origin);
		return merge_list(m, f, gl, pl, true);
	}
	/* "allow_net: []" in a project: no network at all, the tightest choice, always accepted. */
	if (pl->n == 0) {
		for (uint32_t i = 0; i < gl->n; i++)
			free(gl->items[i].value);
		gl->n = 0;
		gl->origin = remap(m, pl->origin);
		return 0;
	}
	return merge_list(m, f, gl, pl, may_extend(m, f->extend_name));
}

static void merge_min(struct merger *m, const struct policy_field *f, struct policy_number *gn,
		      const struct policy_number *pn)
{
	if (!pn->present)
		return;
	if (!gn->present || pn->value <= gn->value || may_extend(m, f->extend_name)) {
		gn->value = pn->value;
		gn->present = true;
		gn->origin = remap(m, pn->origin);
		return;
	}
	warn_at(m, pn->origin,
		"resource_limits.%s would raise the global limit; ignored (the global config can "
		"allow it with project_may_extend: [resource_limits])",
		f->name);
}

static int merge_masks(struct merger *m, struct policy_mask_patterns *g,
		       const struct policy_mask_patterns *p)
{
	for (uint32_t i = 0; i < p->n; i++) {
		const struct policy_mask_pattern *src = &p->items[i];
		if (g->n >= POLICY_MAX_MASK_PATTERNS)
			return -E2BIG;
		if (g->n == g->cap) {
			uint32_t cap = g->cap ? g->cap * 2 : 4;
			void *items = reallocarray(g->items, cap, sizeof(*g->items));
			if (!items)
				return -ENOMEM;
			g->items = items;
			g->cap = cap;
		}
		struct policy_mask_pattern *dst = &g->items[g->n];
		*dst = *src;
		dst->origin = remap(m, src->origin);
		dst->regex = strdup(src->regex);
		dst->name = src->name ? strdup(src->name) : NULL;
		if (!dst->regex || (src->name && !dst->name)) {
			free(dst->regex);
			free(dst->name);
			return -ENOMEM;
		}
		g->n++;
		g->present = true;
	}
	return 0;
}

/*
 * A boolean whose true value is the tighter one (mask_stdout.
 * values_from_denied_files): the project may turn it on, never off. A
 * project "false" is silent only when the global value already is false.
 */
static void merge_enable(struct merger *m, const struct policy_field *f, const char *name,
			 struct policy_bool *gb, const struct policy_bool *pb)
{
	bool global = gb->present ? gb->value : f->default_true;

	if (!pb->present || pb->value == global)
		return;
	if (pb->value) {
		gb->value = true;
		gb->present = true;
		gb->origin = remap(m, pb->origin);
		return;
	}
	warn_at(m, pb->origin, "%s: false would loosen the global policy; ignored", name);
}

/* A field the project may not set: warn unless it restates the global (or default) value. */
static void merge_global_only(struct merger *m, const struct policy_field *f, const char *name,
			      const void *gat, const void *pat)
{
	struct policy_origin where;

	switch (f->kind) {
	case FK_STRING: {
		const struct policy_string *ps = pat, *gs = gat;
		if (!ps->present || util_streq(ps->value, gs->value))
			return;
		where = ps->origin;
		break;
	}
	case FK_LIST: {
		const struct policy_list *pl = pat;
		if (!pl->present)
			return;
		where = pl->origin;
		break;
	}
	case FK_BOOL: {
		const struct policy_bool *pb = pat, *gb = gat;
		if (!pb->present || pb->value == (gb->present ? gb->value : f->default_true))
			return;
		where = pb->origin;
		break;
	}
	case FK_SIZE:
	case FK_UINT: {
		const struct policy_number *pn = pat, *gn = gat;
		if (!pn->present || (gn->present && pn->value == gn->value))
			return;
		where = pn->origin;
		break;
	}
	case FK_MAP:
	case FK_MASK_PATTERNS:
	default:
		return;
	}
	warn_at(m, where, "%s can only be set in the global config; ignored", name);
}

/* @prefix: "" at the top level, "mask_stdout." inside a mapping (for the warnings). */
static int merge_fields(struct merger *m, const struct policy_field *table, const char *prefix)
{
	for (const struct policy_field *f = table; f->name; f++) {
		void *gat = (char *)m->g + f->offset;
		const void *pat = (const char *)m->pr + f->offset;
		char name[128];
		int r = 0;

		snprintf(name, sizeof(name), "%s%s", prefix, f->name);
		if (f->kind == FK_MAP) {
			char sub[sizeof(name) + 1];
			snprintf(sub, sizeof(sub), "%s.", name);
			r = merge_fields(m, f->children, sub);
		} else if (f->merge == FM_GLOBAL_ONLY) {
			merge_global_only(m, f, name, gat, pat);
		} else if (f->kind == FK_BOOL && f->merge == FM_ENABLE) {
			merge_enable(m, f, name, gat, pat);
		} else if (f->kind == FK_LIST && f->merge == FM_NET) {
			r = merge_net(m, f, gat, pat);
		} else if (f->kind == FK_LIST) {
			bool allowed = f->merge == FM_UNION || may_extend(m, f->extend_name);
			r = merge_list(m, f, gat, pat, allowed);
		} else if (f->kind == FK_SIZE || f->kind == FK_UINT) {
			merge_min(m, f, gat, pat);
		} else if (f->kind == FK_MASK_PATTERNS) {
			r = merge_masks(m, gat, pat);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int policy_merge_project(struct policy *global, const struct policy *project,
			 struct policy_diags *warnings)
{
	struct merger m = { .g = global, .pr = project, .w = warnings };

	for (uint32_t i = 0; i < project->nfiles; i++) {
		if (global->nfiles >= POLICY_MAX_FILES)
			return -E2BIG;
		if (!(global->files[global->nfiles] = strdup(project->files[i])))
			return -ENOMEM;
		m.file_map[i] = global->nfiles++;
	}
	return merge_fields(&m, policy_fields, "");
}
