/* SPDX-License-Identifier: MIT */
/*
 * run_audit.c — `aigate run`'s audit trail (see run_audit.h, docs/audit.md).
 */
#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "launcher/audit_summary.h"
#include "launcher/cli.h"
#include "launcher/log.h"
#include "launcher/run_audit.h"
#include "launcher/mask_stream.h"

static const char *policy_value(const struct policy_string *s)
{
	return s->present && s->value ? s->value : NULL;
}

/* The file named by @path ("~/" is the home), or the default under @cp. -ENAMETOOLONG if too long. */
static int resolve(const struct config_paths *cp, const char *path, bool ci, char *out, size_t n)
{
	int len;
	if (path && path[0] == '~' && path[1] == '/') {
		len = snprintf(out, n, "%s/%s", cp->home, path + 2);
	} else if (path && path[0] == '/') {
		len = snprintf(out, n, "%s", path);
	} else if (path) {
		/* A relative --audit-log names a file in the working directory. */
		len = snprintf(out, n, "%s/%s", cp->cwd, path);
	} else if (ci) {
		len = snprintf(out, n, "%s/aigate-audit.jsonl", cp->cwd);
	} else {
		time_t now = time(NULL);
		struct tm tm;
		char day[16];
		gmtime_r(&now, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		len = snprintf(out, n, "%s/audit/%s.jsonl", cp->dir, day);
	}
	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int run_audit_open(struct run_audit *ra, const struct config_paths *cp, const struct policy *p,
		   const char *cli_path, bool ci)
{
	const char *path = cli_path ? cli_path : policy_value(&p->audit_path);
	const char *level = policy_value(&p->audit_level);
	const char *on_error = policy_value(&p->audit_on_error);
	int r;

	memset(ra, 0, sizeof(*ra));
	ra->cfg.fd = -1;
	ra->ci = ci;
	ra->cfg.level = !level			     ? AUDIT_LEVEL_DENIED
			: strcmp(level, "all") == 0  ? AUDIT_LEVEL_ALL
			: strcmp(level, "exec") == 0 ? AUDIT_LEVEL_EXEC
						     : AUDIT_LEVEL_DENIED;
	ra->cfg.on_error = on_error && strcmp(on_error, "warn") == 0 ? AUDIT_ON_ERROR_WARN
								     : AUDIT_ON_ERROR_FAIL;
	if (path && strcmp(path, "syslog") == 0) {
		ra->cfg.syslog = true;
		ra->cfg.path = "syslog";
	} else if (path && strcmp(path, "-") == 0) {
		ra->cfg.fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
		if (ra->cfg.fd < 0) {
			log_error("cannot use stderr for the audit trail: %s", strerror(errno));
			return EXIT_SANDBOX;
		}
		ra->cfg.path = "-";
	} else {
		r = resolve(cp, path, ci, ra->file, sizeof(ra->file));
		ra->cfg.fd = r < 0 ? r : audit_open(ra->file);
		if (ra->cfg.fd < 0) {
			/* Records must not be lost silently: no trail, no run. */
			log_error("cannot open the audit log %s: %s", ra->file,
				  strerror(-ra->cfg.fd));
			return EXIT_SANDBOX;
		}
		ra->cfg.path = ra->file;
	}
	if ((r = audit_init(&ra->cfg)) < 0) {
		log_error("cannot start the audit trail: %s", strerror(-r));
		return EXIT_SANDBOX;
	}
	return 0;
}

static void stopped_message(void)
{
	int e = 0;
	audit_failed(&e);
	log_error("the audit log %s cannot be written: %s; the run was stopped "
		  "(audit.on_error: fail)",
		  audit_destination(), strerror(e));
}

int run_audit_start(struct run_audit *ra, char **cmd, const struct policy_blob *b,
		    const char *enforcement, const char *const *degraded)
{
	const char *files[64];
	size_t n = 0;
	const uint32_t *offs = (const uint32_t *)(b->base + b->hdr->files_off);
	for (uint32_t i = 0; i < b->hdr->nfiles && n + 1 < sizeof(files) / sizeof(files[0]); i++)
		files[n++] = policy_blob_str(b, offs[i]);
	files[n] = NULL;
	struct audit_session_start s = { .command = (const char *const *)cmd,
					 .policy_blob = b->base,
					 .policy_size = b->size,
					 .policy_files = files,
					 .enforcement = enforcement,
					 .degraded = degraded,
					 .limits = ra->limits,
					 .version = AIGATE_VERSION };
	if (audit_session_start(&s) < 0 && audit_failed(NULL)) {
		stopped_message();
		return EXIT_SANDBOX;
	}
	ra->started = true;
	ra->blob = b;
	return 0;
}

static int fd_emit(void *ctx, const uint8_t *data, size_t len)
{
	int fd = *(int *)ctx;
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static void summary_raw(struct run_audit *ra, int fd, const char *format);

static char *mask_cell(void *ctx, const char *cell)
{
	return mask_string(ctx, cell);
}

/*
 * `aigate audit --session ID --format FORMAT FILE` with its stdout on @fd,
 * through the masks when there are: a denied program's name is the
 * sandbox's choice (a copy of cat named after a token), and the command
 * line is the user's (a token in a curl header).
 */
static void summary_to(struct run_audit *ra, int fd, const char *format)
{
	struct mask_set *own = NULL;
	const struct mask_set *set = ra->mask;
	char err[256] = "";
	int r;
	/*
	 * A run that ended before its masks were built (refused up front):
	 * the policy's presets and patterns still mask it. Only "nothing to
	 * mask" (-ENOENT) prints it raw.
	 */
	if (!set && ra->blob) {
		r = mask_set_build(ra->blob, NULL, 0, &own, err, sizeof(err));
		if (r < 0 && r != -ENOENT) {
			log_warn("cannot mask the audit summary (%s): not shown (it is in %s)",
				 err[0] ? err : strerror(-r), ra->file);
			return;
		}
		set = own;
	}
	if (!set) {
		summary_raw(ra, fd, format);
		return;
	}
	int mem = memfd_create("aigate-summary", MFD_CLOEXEC);
	struct mask_stream *ms = mem >= 0 ? mask_stream_new(set) : NULL;
	if (!ms) {
		if (mem >= 0)
			close(mem);
		mask_set_free(own);
		log_warn("cannot mask the audit summary: not shown (it is in %s)", ra->file);
		return;
	}
	/*
	 * Each cell masked before the markdown escaping: escaped first,
	 * "sk-ant-…Zq7X_bT2…" became "Zq7X\_bT2…", which no mask knows. The
	 * whole text is masked again as it streams out (the totals, the
	 * titles: nothing the sandbox chose, but cheap to be sure).
	 */
	audit_summary_set_cell_filter(mask_cell, (void *)set);
	summary_raw(ra, mem, format);
	audit_summary_set_cell_filter(NULL, NULL);
	uint8_t buf[16384];
	ssize_t n;
	lseek(mem, 0, SEEK_SET);
	while ((n = read(mem, buf, sizeof(buf))) > 0)
		mask_stream_feed(ms, buf, (size_t)n, fd_emit, &fd);
	mask_stream_flush(ms, fd_emit, &fd);
	mask_stream_free(ms);
	mask_set_free(own);
	close(mem);
}

static void summary_raw(struct run_audit *ra, int fd, const char *format)
{
	char *args[] = { "audit",    "--session",    (char *)audit_session_id(),
			 "--format", (char *)format, ra->file,
			 NULL };
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		if (saved >= 0)
			close(saved);
		return;
	}
	optind = 0; /* a fresh getopt for the second command line of this process */
	(void)cmd_audit(6, args);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

/* --ci: the session's summary where a CI job shows it. */
static void ci_summary(struct run_audit *ra)
{
	if (!ra->ci || !ra->started || !ra->file[0])
		return; /* stderr or syslog: nothing to read back */
	summary_to(ra, STDERR_FILENO, "table");
	const char *gh = getenv("GITHUB_STEP_SUMMARY");
	if (gh && *gh) {
		int fd = open(gh, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		if (fd < 0) {
			log_warn("cannot append the audit summary to $GITHUB_STEP_SUMMARY (%s): %s",
				 gh, strerror(errno));
			return;
		}
		/* A blank line: the file holds the job's earlier steps' summaries. */
		if (write(fd, "\n", 1) == 1)
			summary_to(ra, fd, "markdown");
		close(fd);
	}
}

int run_audit_end(struct run_audit *ra, int status, bool fail_on_violation)
{
	struct audit_totals t;
	audit_totals(&t);
	int exit_status = status;
	if (audit_failed(NULL))
		exit_status = EXIT_SANDBOX;
	else if (fail_on_violation && status == 0 && t.denied > 0)
		exit_status = EXIT_VIOLATION;
	/* The end record says what we exit with; if it cannot be written, that changes (fail). */
	if (ra->started)
		(void)audit_session_end(exit_status, status);
	if (audit_failed(NULL)) {
		stopped_message();
		exit_status = EXIT_SANDBOX;
	} else if (exit_status == EXIT_VIOLATION && exit_status != status) {
		/* Ours, not CMD's own exit status 3. */
		log_error("--fail-on-violation: the command succeeded, but %lu action%s denied "
			  "(see the audit trail%s%s)",
			  t.denied, t.denied == 1 ? " was" : "s were", ra->file[0] ? ": " : "",
			  ra->file);
	}
	ci_summary(ra);
	mask_set_free(ra->mask);
	ra->mask = NULL;
	if (ra->cfg.fd >= 0)
		close(ra->cfg.fd);
	return exit_status;
}
