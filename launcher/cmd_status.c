/* SPDX-License-Identifier: MIT */
/* cmd_status.c — `aigate status [--json]`: the effective policy and where each rule comes from. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/json.h"
#include "launcher/log.h"

struct shown_list {
	const char *name;
	size_t offset;
};

#define LIST(f)                                \
	{                                      \
#f, offsetof(struct policy, f) \
	}
static const struct shown_list shown[] = {
	LIST(deny_read), LIST(deny_exec), LIST(allow_net),    LIST(allow_write),
	LIST(pass_env),	 LIST(deny_env),  LIST(mask_presets),
};

static const struct policy_list *list_at(const struct policy *p, size_t offset)
{
	return (const struct policy_list *)((const char *)p + offset);
}

static const char *network_summary(const struct policy *p)
{
	if (!p->allow_net.present)
		return "host network (allow_net not set)";
	return p->allow_net.n ? "only the allow_net domains" : "none (allow_net is empty)";
}

static void human_size(uint64_t v, char *buf, size_t bufsz)
{
	static const char units[] = "KMGT";
	int u = -1;
	while (v >= 1024 && v % 1024 == 0 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, bufsz, "%llu", (unsigned long long)v);
	else
		snprintf(buf, bufsz, "%llu%c", (unsigned long long)v, units[u]);
}

static void print_human(const struct config_paths *cp, const struct policy *p)
{
	char origin[1024], size[32];
	printf("aigate %s\n", AIGATE_VERSION);
	printf("global config:  %s%s\n", cp->global_display,
	       cp->global_exists ? "" : " (not found: the built-in default applies)");
	printf("project config: %s\n", cp->project[0] ? cp->project_display : "(none)");
	printf("project root:   %s\n", cp->root);
	printf("network:        %s\n", network_summary(p));
	if (p->allow_net.present)
		printf("private addrs:  %s\n",
		       p->allow_private_addresses.value
			       ? "reachable (allow_private_addresses: true)"
			       : "refused (loopback, LAN, link-local, cloud metadata)");
	for (size_t s = 0; s < sizeof(shown) / sizeof(shown[0]); s++) {
		const struct policy_list *l = list_at(p, shown[s].offset);
		const char *name = strcmp(shown[s].name, "mask_presets") == 0
					   ? "mask_stdout.presets"
					   : shown[s].name;
		if (!l->present && l->n == 0)
			continue;
		printf("%s (%u):\n", name, l->n);
		for (uint32_t i = 0; i < l->n; i++) {
			policy_origin_format(p, l->items[i].origin, origin, sizeof(origin));
			printf("  %-30s %s\n", l->items[i].value, origin);
		}
	}
	if (p->mask_patterns.n) {
		printf("mask_stdout.patterns (%u):\n", p->mask_patterns.n);
		for (uint32_t i = 0; i < p->mask_patterns.n; i++) {
			const struct policy_mask_pattern *m = &p->mask_patterns.items[i];
			policy_origin_format(p, m->origin, origin, sizeof(origin));
			printf("  %-30s %s\n", m->regex, origin);
		}
	}
	if (p->max_memory.present || p->max_cpu_percent.present || p->max_pids.present) {
		printf("resource_limits:\n");
		if (p->max_memory.present) {
			human_size(p->max_memory.value, size, sizeof(size));
			printf("  max_memory       %s\n", size);
		}
		if (p->max_cpu_percent.present)
			printf("  max_cpu_percent  %llu\n",
			       (unsigned long long)p->max_cpu_percent.value);
		if (p->max_pids.present)
			printf("  max_pids         %llu\n", (unsigned long long)p->max_pids.value);
	}
}

static void print_json(const struct config_paths *cp, const struct policy *p)
{
	char origin[1024];
	printf("{\"version\":");
	json_string(stdout, AIGATE_VERSION);
	printf(",\"global_config\":");
	json_string(stdout, cp->global);
	printf(",\"global_config_exists\":%s,\"project_config\":",
	       cp->global_exists ? "true" : "false");
	if (cp->project[0])
		json_string(stdout, cp->project);
	else
		printf("null");
	printf(",\"project_root\":");
	json_string(stdout, cp->root);
	printf(",\"network\":");
	json_string(stdout, !p->allow_net.present ? "host" : p->allow_net.n ? "allowlist" : "none");
	printf(",\"allow_private_addresses\":%s",
	       p->allow_private_addresses.value ? "true" : "false");
	for (size_t s = 0; s < sizeof(shown) / sizeof(shown[0]); s++) {
		const struct policy_list *l = list_at(p, shown[s].offset);
		printf(",\"%s\":", shown[s].name);
		if (!l->present) {
			printf("null");
			continue;
		}
		printf("[");
		for (uint32_t i = 0; i < l->n; i++) {
			policy_origin_format(p, l->items[i].origin, origin, sizeof(origin));
			printf("%s{\"value\":", i ? "," : "");
			json_string(stdout, l->items[i].value);
			printf(",\"origin\":");
			json_string(stdout, origin);
			printf("}");
		}
		printf("]");
	}
	printf(",\"mask_patterns\":[");
	for (uint32_t i = 0; i < p->mask_patterns.n; i++) {
		const struct policy_mask_pattern *m = &p->mask_patterns.items[i];
		printf("%s{\"regex\":", i ? "," : "");
		json_string(stdout, m->regex);
		printf(",\"show_prefix\":%u,\"case_insensitive\":%s}", m->show_prefix,
		       m->case_insensitive ? "true" : "false");
	}
	printf("],\"resource_limits\":{");
	printf("\"max_memory\":");
	p->max_memory.present ? printf("%llu", (unsigned long long)p->max_memory.value)
			      : printf("null");
	printf(",\"max_cpu_percent\":");
	p->max_cpu_percent.present ? printf("%llu", (unsigned long long)p->max_cpu_percent.value)
				   : printf("null");
	printf(",\"max_pids\":");
	p->max_pids.present ? printf("%llu", (unsigned long long)p->max_pids.value)
			    : printf("null");
	printf("}}\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = { { "json", no_argument, NULL, 'j' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	struct config_paths cp;
	struct policy *p = NULL;
	bool json = false;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			return cli_print_help("status");
		default:
			return cli_usage_error("status", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind]);
	if ((r = config_paths_init(&cp)) < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return EXIT_ERROR;
	}
	if (config_load_effective(&cp, &p) < 0)
		return EXIT_USAGE;
	if (json)
		print_json(&cp, p);
	else
		print_human(&cp, p);
	policy_free(p);
	return EXIT_OK;
}
