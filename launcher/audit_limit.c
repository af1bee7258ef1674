/* SPDX-License-Identifier: MIT */
/*
 * audit_limit.c — rate limiting of denial records (docs/audit.md, "Rate
 * limiting"). A loop that hits one rule must not fill the disk: per
 * (rule, pid) the first AUDIT_BURST records pass, then one per second;
 * every record written after drops carries their count, and the drops no
 * record reported are written as summary records when the writer ends. A
 * global bucket bounds what a fork loop (a new pid per attempt) can write.
 * Counters are exact: every denial counts, written or not. Per process
 * (the launcher and the supervisor each keep their own table).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "launcher/audit.h"
#include "launcher/audit_internal.h"

#define AUDIT_BURST	   10	 /* records per key before the limit */
#define AUDIT_INTERVAL_MS  1000	 /* then one per key per interval */
#define AUDIT_KEYS	   1024	 /* keys remembered; full: summaries written, table cleared */
#define AUDIT_GLOBAL_BURST 10000 /* all keys: the bucket's size */
#define AUDIT_GLOBAL_PER_S 2000	 /* and its refill per second */

struct key {
	uint64_t hash; /* 0: free */
	pid_t pid;
	unsigned written;
	double last_ms;
	unsigned long pending; /* drops not yet reported */
	char action[16], syscall[24], verdict[12], enforcer[16];
	char rule[256], origin[256];
};

static struct key keys[AUDIT_KEYS];
static size_t nkeys;
static double tokens = AUDIT_GLOBAL_BURST, tokens_ms;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return (h ^ 0xff) * UINT64_C(0x100000001b3); /* a separator: "ab"+"c" != "a"+"bc" */
}

static uint64_t key_hash(const struct audit_record *rec)
{
	uint64_t h = fnv(UINT64_C(0xcbf29ce484222325), rec->rule);
	h = fnv(h, rec->origin);
	h = fnv(h, rec->action);
	h = fnv(h, rec->syscall); /* one repeated call; another kind of attempt is news */
	h ^= (uint64_t)(uint32_t)rec->pid * UINT64_C(0x9e3779b97f4a7c15);
	return h ? h : 1;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static void fill_summary(struct audit_buf *b, const void *ctx)
{
	const struct key *k = ctx;
	char line[96];
	if (k->pid)
		audit_put_num(b, "pid", k->pid);
	if (k->syscall[0])
		audit_put_field(b, "syscall", k->syscall);
	audit_put_rule(b, k->rule, k->origin);
	audit_put_field(b, "verdict", k->verdict);
	snprintf(line, sizeof(line), "%lu more by this rule for this process were not written",
		 k->pending);
	audit_put_field(b, "reason", line);
	audit_put_num(b, "suppressed", (long long)k->pending);
	audit_put_bool(b, "summary", true);
}

static int write_summary(const struct key *k)
{
	return audit_emit(k->action, k->enforcer, fill_summary, k);
}

static bool global_token(double now);

/*
 * Under the lock. @bounded: the table is being reset mid-run (many keys:
 * a fork loop), so summaries take tokens from the global bucket like any
 * record; those that get none stay counted in the session end's
 * "suppressed" only. At the writer's end every summary is written.
 */
static void flush_locked(bool bounded)
{
	double now = audit_now_ms();
	for (size_t i = 0; i < AUDIT_KEYS; i++)
		if (keys[i].hash && keys[i].pending) {
			if (!bounded || global_token(now))
				write_summary(&keys[i]);
			keys[i].pending = 0;
		}
}

static struct key *find(const struct audit_record *rec, uint64_t h)
{
	size_t i = (size_t)(h % AUDIT_KEYS);
	for (size_t n = 0; n < AUDIT_KEYS; n++, i = (i + 1) % AUDIT_KEYS) {
		if (keys[i].hash == h && keys[i].pid == rec->pid)
			return &keys[i];
		if (keys[i].hash == 0)
			break;
	}
	if (nkeys * 4 >= AUDIT_KEYS * 3) {
		/* Mostly full: report what is pending and start over (keys only cost a burst). */
		flush_locked(true);
		memset(keys, 0, sizeof(keys));
		nkeys = 0;
		i = (size_t)(h % AUDIT_KEYS);
	}
	while (keys[i].hash)
		i = (i + 1) % AUDIT_KEYS;
	struct key *k = &keys[i];
	nkeys++;
	k->hash = h;
	k->pid = rec->pid;
	copy(k->action, sizeof(k->action), rec->action);
	copy(k->syscall, sizeof(k->syscall), rec->syscall);
	copy(k->verdict, sizeof(k->verdict), rec->verdict);
	copy(k->enforcer, sizeof(k->enforcer), rec->enforcer);
	copy(k->rule, sizeof(k->rule), rec->rule);
	copy(k->origin, sizeof(k->origin), rec->origin);
	return k;
}

static bool global_token(double now)
{
	tokens += (now - tokens_ms) * AUDIT_GLOBAL_PER_S / 1000.0;
	tokens_ms = now;
	if (tokens > AUDIT_GLOBAL_BURST)
		tokens = AUDIT_GLOBAL_BURST;
	if (tokens < 1)
		return false;
	tokens -= 1;
	return true;
}

bool audit_admit(struct audit_record *rec)
{
	rec->admitted = true;
	rec->suppressed = 0;
	if (!rec->rule) /* allowed records (audit.level): a trail, never thinned */
		return true;
	if (audit_state)
		atomic_fetch_add(&audit_state->denied, 1);
	double now = audit_now_ms();
	pthread_mutex_lock(&lock);
	if (rec->pid == 0) {
		/*
		 * No process to key on (a shim message whose sender was reaped
		 * before it was read): many different processes would share one
		 * key and thin each other out. Only the global bucket applies.
		 */
		bool pass = global_token(now);
		if (!pass && audit_state)
			atomic_fetch_add(&audit_state->suppressed, 1);
		pthread_mutex_unlock(&lock);
		return pass;
	}
	struct key *k = find(rec, key_hash(rec));
	bool pass = k->written < AUDIT_BURST || now - k->last_ms >= AUDIT_INTERVAL_MS;
	if (pass && !global_token(now))
		pass = false;
	if (pass) {
		k->written++;
		k->last_ms = now;
		rec->suppressed = k->pending;
		k->pending = 0;
	} else {
		k->pending++;
		if (audit_state)
			atomic_fetch_add(&audit_state->suppressed, 1);
	}
	pthread_mutex_unlock(&lock);
	return pass;
}

void audit_flush_suppressed(void)
{
	pthread_mutex_lock(&lock);
	flush_locked(false);
	pthread_mutex_unlock(&lock);
}
