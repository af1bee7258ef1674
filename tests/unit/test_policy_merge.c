/* SPDX-License-Identifier: MIT */
/* test_policy_merge.c — a project file can tighten the global policy, never loosen it. */
#include <criterion/criterion.h>
#include <string.h>

#include "policy/policy.h"

struct merged {
	struct policy *p;
	struct policy_diags w;
};

static void merge(const char *global, const char *project, struct merged *out)
{
	struct policy_diag d;
	struct policy *g = policy_new(), *pr = policy_new();
	cr_assert_eq(policy_load_buffer(g, global, strlen(global), "~/.aigate/config.yaml", &d), 0,
		     "%s", d.msg);
	cr_assert_eq(policy_load_buffer(pr, project, strlen(project), ".aigate.yaml", &d), 0, "%s",
		     d.msg);
	memset(&out->w, 0, sizeof(out->w));
	cr_assert_eq(policy_merge_project(g, pr, &out->w), 0);
	policy_free(pr);
	out->p = g;
}

static bool warned(const struct merged *m, const char *fragment, unsigned line)
{
	for (size_t i = 0; i < m->w.n; i++)
		if (strstr(m->w.items[i].msg, fragment) && m->w.items[i].line == line &&
		    strcmp(m->w.items[i].file, ".aigate.yaml") == 0)
			return true;
	return false;
}

Test(merge, deny_rules_are_added_with_their_origin)
{
	struct merged m;
	merge("deny_read: [.env]\n", "deny_read:\n  - terraform.tfstate\n", &m);
	cr_assert_eq(m.p->deny_read.n, 2);
	char buf[128];
	policy_origin_format(m.p, m.p->deny_read.items[1].origin, buf, sizeof(buf));
	cr_expect_str_eq(buf, ".aigate.yaml:2");
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, allow_net_domains_need_opt_in)
{
	struct merged m;
	merge("allow_net: [api.github.com]\n", "allow_net:\n  - evil.example\n", &m);
	cr_expect_eq(m.p->allow_net.n, 1, "the project must not widen the network");
	cr_expect(warned(&m, "loosen", 2), "warning names .aigate.yaml:2");
	policy_free(m.p);

	merge("allow_net: [api.github.com]\nproject_may_extend: [allow_net]\n",
	      "allow_net:\n  - registry.npmjs.org\n", &m);
	cr_expect_eq(m.p->allow_net.n, 2);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, allow_net_on_unrestricted_global_only_restricts)
{
	struct merged m;
	merge("deny_read: []\n", "allow_net: [api.github.com]\n", &m);
	cr_expect(m.p->allow_net.present, "host network becomes an allowlist");
	cr_expect_eq(m.p->allow_net.n, 1);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);

	/* An empty project list on an unrestricted global means: no network. */
	merge("deny_read: []\n", "allow_net: []\n", &m);
	cr_expect(m.p->allow_net.present);
	cr_expect_eq(m.p->allow_net.n, 0);
	policy_free(m.p);
}

Test(merge, empty_project_allow_net_means_no_network)
{
	struct merged m;
	merge("allow_net: [api.github.com, api.openai.com]\n", "allow_net: []\n", &m);
	cr_expect(m.p->allow_net.present);
	cr_expect_eq(m.p->allow_net.n, 0, "[] in a project tightens to no network");
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, limits_may_only_go_down)
{
	struct merged m;
	merge("resource_limits:\n  max_memory: 4G\n  max_pids: 1000\n",
	      "resource_limits:\n  max_memory: 8G\n  max_pids: 100\n", &m);
	cr_expect_eq(m.p->max_memory.value, 4ull << 30, "raise ignored");
	cr_expect(warned(&m, "raise", 2));
	cr_expect_eq(m.p->max_pids.value, 100, "lowering accepted");
	policy_free(m.p);

	/* A limit the global leaves unset can be set by the project: that only tightens. */
	merge("deny_read: []\n", "resource_limits:\n  max_pids: 50\n", &m);
	cr_expect_eq(m.p->max_pids.value, 50);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, loosening_fields_are_refused)
{
	struct merged m;
	merge("user: ai-runner\nallow_write: [\"~/.cache/\"]\n",
	      "user: root\nallow_write:\n  - \"~/\"\npass_env: [SSH_AUTH_SOCK]\n"
	      "project_may_extend: [allow_net]\n",
	      &m);
	cr_expect_str_eq(m.p->user.value, "ai-runner");
	cr_expect(warned(&m, "global config", 1), "user");
	cr_expect_eq(m.p->allow_write.n, 1);
	cr_expect(warned(&m, "loosen", 3), "allow_write");
	cr_expect_eq(m.p->pass_env.n, 0);
	cr_expect(warned(&m, "loosen", 4), "pass_env");
	cr_expect_eq(m.p->project_may_extend.n, 0);
	cr_expect(warned(&m, "global config", 5), "project_may_extend");
	policy_free(m.p);
}

/* A cloned project must not move, quieten or soften its own agent's audit trail. */
Test(merge, audit_is_global_only)
{
	struct merged m;
	merge("audit:\n  path: ~/trail.jsonl\n",
	      "audit:\n  path: /tmp/x.jsonl\n  level: denied\n  on_error: warn\n", &m);
	cr_expect_str_eq(m.p->audit_path.value, "~/trail.jsonl");
	cr_expect(!m.p->audit_on_error.present, "on_error stays unset");
	cr_expect(!m.p->audit_level.present, "level stays unset");
	cr_expect(warned(&m, "global config", 2), "path");
	cr_expect(warned(&m, "global config", 3), "level");
	cr_expect(warned(&m, "global config", 4), "on_error");
	policy_free(m.p);
}

/* A cloned project must not open the way to the metadata service, loopback or the LAN. */
Test(merge, allow_private_addresses_is_global_only)
{
	struct merged m;
	merge("allow_net: [api.github.com]\n", "deny_read: []\nallow_private_addresses: true\n",
	      &m);
	cr_expect_not(m.p->allow_private_addresses.value, "the project cannot turn it on");
	cr_expect_not(m.p->allow_private_addresses.present);
	cr_expect(warned(&m, "allow_private_addresses can only be set in the global config", 2));
	policy_free(m.p);

	merge("allow_private_addresses: yes\n", "allow_private_addresses: no\n", &m);
	cr_expect(m.p->allow_private_addresses.value, "nor turn it off: the global file decides");
	cr_expect(warned(&m, "global config", 1));
	policy_free(m.p);

	/* Restating the global value changes nothing and is not worth a warning. */
	merge("allow_private_addresses: true\n", "allow_private_addresses: true\n", &m);
	cr_expect(m.p->allow_private_addresses.value);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, masks_and_exec_rules_union)
{
	struct merged m;
	merge("deny_exec: [curl]\nmask_stdout:\n  presets: [openai]\n",
	      "deny_exec: [\"git push\", curl]\nmask_stdout:\n  presets: [github]\n  patterns:\n"
	      "    - regex: \"tok-[0-9]{8}\"\n",
	      &m);
	cr_expect_eq(m.p->deny_exec.n, 2);
	cr_expect_eq(m.p->mask_presets.n, 2);
	cr_expect_eq(m.p->mask_patterns.n, 1);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

/* On by default; a project may turn it on (tighter), never off. */
Test(merge, mask_values_may_only_be_turned_on)
{
	struct merged m;
	merge("deny_read: []\n", "mask_stdout:\n  values_from_denied_files: false\n", &m);
	cr_expect_not(m.p->mask_values_from_denied_files.present, "the default (on) stays");
	cr_expect(warned(&m, "mask_stdout.values_from_denied_files: false would loosen", 2));
	policy_free(m.p);

	merge("mask_stdout:\n  values_from_denied_files: true\n",
	      "mask_stdout:\n  values_from_denied_files: no\n", &m);
	cr_expect(m.p->mask_values_from_denied_files.value);
	cr_expect(warned(&m, "would loosen", 2));
	policy_free(m.p);

	merge("mask_stdout:\n  values_from_denied_files: false\n",
	      "deny_read: []\nmask_stdout:\n  values_from_denied_files: true\n", &m);
	cr_expect(m.p->mask_values_from_denied_files.value, "turning it on is accepted");
	char buf[128];
	policy_origin_format(m.p, m.p->mask_values_from_denied_files.origin, buf, sizeof(buf));
	cr_expect_str_eq(buf, ".aigate.yaml:3");
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);

	/* Restating the global value (or the default) is not worth a warning. */
	merge("mask_stdout:\n  values_from_denied_files: false\n",
	      "mask_stdout:\n  values_from_denied_files: false\n", &m);
	cr_expect_not(m.p->mask_values_from_denied_files.value);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
	merge("deny_read: []\n", "mask_stdout:\n  values_from_denied_files: true\n", &m);
	cr_expect_eq(m.w.n, 0);
	policy_free(m.p);
}

Test(merge, mask_delay_is_global_only)
{
	struct merged m;
	merge("mask_stdout:\n  delay_ms: 100\n", "mask_stdout:\n  delay_ms: 0\n", &m);
	cr_expect_eq(m.p->mask_delay_ms.value, 100);
	cr_expect(warned(&m, "mask_stdout.delay_ms can only be set in the global config", 2));
	policy_free(m.p);

	merge("deny_read: []\n", "mask_stdout:\n  delay_ms: 500\n", &m);
	cr_expect_not(m.p->mask_delay_ms.present, "the default stays");
	cr_expect(warned(&m, "global config", 2));
	policy_free(m.p);

	merge("mask_stdout:\n  delay_ms: 100\n", "mask_stdout:\n  delay_ms: 100\n", &m);
	cr_expect_eq(m.w.n, 0, "restating the global value");
	policy_free(m.p);
}
