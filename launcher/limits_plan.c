/* SPDX-License-Identifier: MIT */
/*
 * limits_plan.c — a run's resource_limits before anything starts (see
 * limits.h): probe the host, decide, count what the fallbacks need; the
 * gaps for run's fail-closed check; the lines `aigate doctor` shows.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launcher/limits.h"
#include "launcher/limits_internal.h"
#include "launcher/sandbox_internal.h"

/*
 * Tasks (threads) whose real uid is @uid, as far as /proc shows them: what
 * RLIMIT_NPROC already counts for the user when the sandbox shares the
 * user's namespace (approximate: processes come and go, and other PID
 * namespaces' are not listed).
 */
static unsigned long user_tasks(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned long n = 0;
	char path[300], buf[4096];

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (limits_read_small(path, buf, sizeof(buf)) <= 0)
			continue;
		const char *u = strstr(buf, "\nUid:");
		const char *t = strstr(buf, "\nThreads:");
		if (u && t && strtoul(u + 5, NULL, 10) == (unsigned long)uid)
			n += strtoul(t + 9, NULL, 10);
	}
	closedir(d);
	return n;
}

int limits_plan(struct limits *lim, const struct policy_blob *b, bool own_userns)
{
	const struct policy_blob_header *h = b->hdr;
	struct limits_host host = { .own_userns = own_userns };
	unsigned long tasks = 0;

	memset(lim, 0, sizeof(*lim));
	/* Nothing asked: no probing at all (a few file reads saved per run). */
	if (h->max_memory || h->max_cpu_percent || h->max_pids) {
		limits_host_probe(own_userns, &host, &lim->cg);
		if (h->max_pids && !own_userns && !host.root)
			tasks = user_tasks(getuid());
	}
	limits_configure(lim, &host, h->max_memory, h->max_cpu_percent, h->max_pids, tasks);
	const uint32_t *offs = (const uint32_t *)(b->base + h->files_off);
	for (uint32_t i = 0; i < h->nfiles; i++) {
		size_t len = strlen(lim->origin);
		snprintf(lim->origin + len, sizeof(lim->origin) - len, "%s%s", i ? ", " : "",
			 policy_blob_str(b, offs[i]));
	}
	return 0;
}

int limits_plan_add(const struct limits *lim, struct sbx_plan *plan)
{
	char what[64], why[1024];
	int r;
	plan->rlimits = lim->rlimits;
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		const struct limits_choice *c = &lim->choice[k];
		if (c->mech != LIMITS_GAP)
			continue;
		snprintf(what, sizeof(what), "resource_limits.%s", limits_kind_name(k));
		snprintf(why, sizeof(why), "%s; fix: %s", c->why, c->fix);
		if ((r = sbx_add_gap(plan, what, why)) < 0)
			return r;
	}
	return 0;
}

void limits_doctor(FILE *out, bool own_userns)
{
	struct limits_host host;
	struct limits_choice c[LIMITS_NKINDS];
	const bool all[LIMITS_NKINDS] = { true, true, true };

	limits_host_probe(own_userns, &host, NULL);
	limits_decide(&host, all, c);
	fprintf(out, "resource_limits (for the whole sandbox), as `aigate run` would enforce them "
		     "here:\n");
	for (int k = 0; k < LIMITS_NKINDS; k++) {
		if (c[k].mech != LIMITS_GAP) {
			fprintf(out, "  %-16s %s\n", limits_kind_name(k), c[k].name);
			continue;
		}
		fprintf(out, "  %-16s not enforceable: it %s\n", limits_kind_name(k), c[k].why);
		fprintf(out, "  %-16s fix: %s\n", "", c[k].fix);
	}
}
