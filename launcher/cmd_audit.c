/* SPDX-License-Identifier: MIT */
/*
 * cmd_audit.c — `aigate audit [FILE…] [--session ID] [--since TIME]
 * [--format table|json|markdown] [--follow]`: summarise audit logs, or
 * follow one as it grows. The records, the counting and the renderings are
 * audit_summary.c's; this file finds and reads the files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit_summary.h"
#include "launcher/cli.h"
#include "launcher/config.h"
#include "launcher/json_read.h"
#include "launcher/log.h"
#include "policy/util.h"

struct audit_opts {
	const char *session; /* --session, or NULL */
	bool has_since;
	int64_t since_us;
	char since_day[16]; /* "YYYY-MM-DD" (UTC) of --since: older daily files are skipped */
	enum audit_format format;
	bool format_given;
	bool follow;
};

/*
 * Lines of at most JSON_READ_MAX_LEN bytes from an fd, without trusting
 * the file: a longer line is dropped up to its newline (and reported once)
 * rather than buffered, and a last line without its newline is held until
 * the newline arrives (--follow) or the file ends (a summary).
 */
struct line_reader {
	int fd;
	char *buf;
	size_t start, len, cap;
	bool skipping; /* inside a line that is too long */
	bool eof;      /* the last read returned nothing */
	unsigned long lineno;
	uint64_t consumed; /* bytes of the file up to the end of the last line returned */
};

enum { LINE_NONE, LINE_OK, LINE_TOO_LONG };

struct audit_run {
	const struct audit_opts *o;
	struct json_parser *jp;
	struct audit_summary *sum; /* NULL when following */
	struct audit_entry_buf ebuf;
	const char *name; /* the file as shown in messages */
	uint64_t old_end; /* --follow: lines ending by this offset were there before it started */
	bool bad;	  /* an unreadable file or a line that is not a record: exit 1 */
	bool done;	  /* --follow --session: the session ended */
};

static int line_fill(struct line_reader *lr)
{
	/* No newline in what is held: drop a line that is already too long, keep the rest. */
	if (lr->skipping || lr->len - lr->start > JSON_READ_MAX_LEN) {
		lr->skipping = true;
		lr->start = lr->len = 0;
	} else if (lr->start) {
		memmove(lr->buf, lr->buf + lr->start, lr->len - lr->start);
		lr->len -= lr->start;
		lr->start = 0;
	}
	if (lr->len == lr->cap) {
		size_t ncap = lr->cap ? lr->cap * 2 : 64 * 1024;
		ncap = ncap > JSON_READ_MAX_LEN + 2 ? JSON_READ_MAX_LEN + 2 : ncap;
		char *b = realloc(lr->buf, ncap);
		if (!b)
			return -ENOMEM;
		lr->buf = b;
		lr->cap = ncap;
	}
	for (;;) {
		ssize_t n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len);
		if (n >= 0) {
			lr->len += (size_t)n;
			lr->eof = n == 0;
			return 0;
		}
		if (errno != EINTR)
			return -errno;
	}
}

static int line_emit(struct line_reader *lr, size_t n, size_t newline, const char **ret,
		     size_t *ret_len)
{
	bool too_long = lr->skipping || n > JSON_READ_MAX_LEN;
	*ret = lr->buf + lr->start;
	*ret_len = n;
	lr->start += n + newline;
	lr->consumed += n + newline;
	lr->skipping = false;
	lr->lineno++;
	return too_long ? LINE_TOO_LONG : LINE_OK;
}

/*
 * The next line (without its newline) in *ret, valid until the next call.
 * Returns LINE_OK, LINE_TOO_LONG, LINE_NONE (no whole line until more is
 * written; with @final a last line without its newline is returned
 * first), or -errno.
 */
static int line_next(struct line_reader *lr, bool final, const char **ret, size_t *ret_len)
{
	for (;;) {
		size_t held = lr->len - lr->start;
		const char *nl = held ? memchr(lr->buf + lr->start, '\n', held) : NULL;
		if (nl)
			return line_emit(lr, (size_t)(nl - lr->buf) - lr->start, 1, ret, ret_len);
		if (lr->eof) {
			lr->eof = false; /* --follow: the next call reads again */
			if (final && (held || lr->skipping))
				return line_emit(lr, held, 0, ret, ret_len);
			return LINE_NONE;
		}
		int r = line_fill(lr);
		if (r < 0)
			return r;
	}
}

static void not_a_record(struct audit_run *run, unsigned long lineno, const char *why)
{
	struct policy_diag d = { .line = (uint32_t)lineno };
	snprintf(d.file, sizeof(d.file), "%s", run->name);
	snprintf(d.msg, sizeof(d.msg), "not an audit record (%s)", why);
	log_diag(LOG_ERROR, &d);
	run->bad = true;
	if (run->sum)
		audit_summary_note_invalid(run->sum);
}

static bool wanted(const struct audit_opts *o, const struct audit_entry *e)
{
	return (!o->session || strcmp(o->session, e->session) == 0) &&
	       (!o->has_since || e->ts_us >= o->since_us);
}

/* One line: checked, filtered, then counted (a summary) or shown (--follow). 0 or -ENOMEM. */
static int take_line(struct audit_run *run, int kind, const char *line, size_t len,
		     const struct line_reader *lr)
{
	unsigned long lineno = lr->lineno;
	struct audit_entry e;
	int r;
	if (lr->consumed <= run->old_end || (kind == LINE_OK && len == 0))
		return 0;
	if (kind == LINE_TOO_LONG) {
		not_a_record(run, lineno, "longer than 1 MiB");
		return 0;
	}
	r = audit_entry_parse(run->jp, line, len, &e, &run->ebuf);
	if (r == -EINVAL) {
		not_a_record(run, lineno, run->ebuf.why);
		return 0;
	}
	if (r < 0)
		return r;
	if (!wanted(run->o, &e))
		return 0;
	if (run->sum)
		return audit_summary_add(run->sum, &e);
	audit_entry_print_line(&e, stdout);
	fflush(stdout);
	if (run->o->session && strcmp(e.action, "session_end") == 0)
		run->done = true;
	return 0;
}

/* Every whole line available now (@final: up to the end of the file). 0 or -errno. */
static int take_lines(struct audit_run *run, struct line_reader *lr, bool final)
{
	const char *line;
	size_t len;
	int kind, r;
	while (!run->done && (kind = line_next(lr, final, &line, &len)) != LINE_NONE) {
		if (kind < 0) {
			log_error("cannot read %s: %s", run->name, strerror(-kind));
			run->bad = true;
			return kind == -ENOMEM ? kind : 0;
		}
		if ((r = take_line(run, kind, line, len, lr)) < 0)
			return r;
	}
	return 0;
}

static int summarise_file(struct audit_run *run, const char *path)
{
	bool is_stdin = strcmp(path, "-") == 0;
	_cleanup_close_ int fd = is_stdin ? -1 : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct line_reader lr = { .fd = is_stdin ? STDIN_FILENO : fd };
	run->name = is_stdin ? "(stdin)" : path;
	if (lr.fd < 0) {
		log_error("cannot read %s: %s", path, strerror(errno));
		run->bad = true;
		return 0;
	}
	int r = take_lines(run, &lr, true);
	free(lr.buf);
	return r;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A daily file ("YYYY-MM-DD.jsonl") of a day before --since. */
static bool before_since(const struct audit_opts *o, const char *name)
{
	static const char shape[] = "dddd-dd-dd.jsonl";
	if (!o->has_since || strlen(name) != strlen(shape))
		return false;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? name[i] < '0' || name[i] > '9' : name[i] != shape[i])
			return false;
	return strncmp(name, o->since_day, 10) < 0;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The *.jsonl files of @dir in name order, as paths; none when @dir does not exist. 0 or -errno. */
static int list_logs(const char *dir, const struct audit_opts *o, char ***ret, size_t *ret_n)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	if (!d) {
		*ret = NULL;
		*ret_n = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nn;
		if (l < 7 || strcmp(de->d_name + l - 6, ".jsonl") != 0 ||
		    before_since(o, de->d_name))
			continue;
		if (!(nn = realloc(names, (n + 1) * sizeof(*names))) ||
		    asprintf(&nn[n], "%s/%s", dir, de->d_name) < 0) {
			free_names(nn ? nn : names, n);
			closedir(d);
			return -ENOMEM;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	*ret = names;
	*ret_n = n;
	return 0;
}

static int summarise(struct audit_run *run, const char *dir, char **files, size_t nfiles)
{
	_cleanup_(audit_summary_freep) struct audit_summary *sum = NULL;
	char **found = NULL;
	size_t nfound = 0;
	int r = 0;
	if (audit_summary_new(&sum) < 0)
		return -ENOMEM;
	run->sum = sum;
	if (nfiles == 0) {
		if ((r = list_logs(dir, run->o, &found, &nfound)) < 0) {
			log_error("cannot read %s: %s", dir, strerror(-r));
			return EXIT_ERROR;
		}
		files = found;
		nfiles = nfound;
	}
	for (size_t i = 0; i < nfiles && r == 0; i++)
		r = summarise_file(run, files[i]);
	free_names(found, nfound);
	if (r == 0)
		r = audit_summary_print(sum, run->o->format, stdout);
	if (r < 0 || fflush(stdout) != 0) {
		log_error("cannot summarise the audit log: %s", strerror(r < 0 ? -r : errno));
		return EXIT_ERROR;
	}
	return run->bad ? EXIT_ERROR : EXIT_OK;
}

/* Read the inotify events that woke us; false when the watch is gone (the file system went away). */
static bool drain_events(int ifd)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;
	bool alive = true;
	while ((n = read(ifd, ev, sizeof(ev))) > 0) {
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *ie = (const struct inotify_event *)p;
			alive = alive && !(ie->mask & IN_IGNORED);
			p += sizeof(*ie) + ie->len;
		}
	}
	return alive;
}

/*
 * Wait for writes with inotify rather than polling the size: a follower
 * costs nothing while the log is quiet and sees a record as soon as it is
 * written. SIGINT and SIGTERM arrive on a signalfd so they end the wait
 * cleanly (exit 0).
 */
static int follow_wait(struct audit_run *run, struct line_reader *lr, int ifd, int sfd)
{
	struct pollfd pfd[2] = { { .fd = ifd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
	int r;
	while (!run->done) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("cannot wait for %s: %s", run->name, strerror(errno));
			return EXIT_ERROR;
		}
		if (pfd[1].revents)
			break;
		if (!drain_events(ifd)) {
			log_error("%s is gone (its file system was unmounted)", run->name);
			return EXIT_ERROR;
		}
		if ((r = take_lines(run, lr, false)) < 0) {
			log_error("cannot follow %s: %s", run->name, strerror(-r));
			return EXIT_ERROR;
		}
	}
	return run->bad ? EXIT_ERROR : EXIT_OK;
}

static int follow(struct audit_run *run, const char *path)
{
	_cleanup_close_ int fd = -1, ifd = -1, sfd = -1;
	struct stat st;
	char self[64];
	sigset_t mask;
	int r;
	run->name = path;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0 || fstat(fd, &st) < 0) {
		log_error("cannot read %s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	/* Watch the inode just opened (through its fd), not whatever the name means later. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0 ||
	    (sfd = signalfd(-1, &mask, SFD_CLOEXEC)) < 0 ||
	    (ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
	    inotify_add_watch(ifd, self, IN_MODIFY) < 0) {
		log_error("cannot follow %s: %s", path, strerror(errno));
		return EXIT_ERROR;
	}
	struct line_reader lr = { .fd = fd };
	/*
	 * The watch exists before the first read, so no write is missed. Without
	 * --session only what is written from now on is shown: the lines that
	 * were whole when the file was opened are read just to count them
	 * (FILE:LINE in messages stays true), whatever was appended since is new.
	 */
	run->old_end = run->o->session ? 0 : (uint64_t)st.st_size;
	r = take_lines(run, &lr, false);
	if (r == 0) {
		r = follow_wait(run, &lr, ifd, sfd);
	} else {
		log_error("cannot follow %s: %s", path, strerror(-r));
		r = EXIT_ERROR;
	}
	free(lr.buf);
	return r;
}

/* Today's daily file (UTC), as `aigate run` names it. */
static void todays_log(const char *dir, char *buf, size_t bufsz)
{
	char day[16];
	struct tm tm;
	time_t now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(buf, bufsz, "%s/%s.jsonl", dir, day);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int set_since(struct audit_opts *o, const char *arg)
{
	struct tm tm;
	if (audit_since_parse(arg, now_us(), &o->since_us) < 0)
		return cli_usage_error("audit",
				       "invalid --since '%s': expected an RFC 3339 time "
				       "(2026-11-23T10:00:00Z), a date (2026-11-23) or a duration "
				       "(30m, 2h, 7d)",
				       arg);
	/* Floor division: the day of a time before 1970 too. */
	time_t secs = (time_t)(o->since_us / 1000000 - (o->since_us % 1000000 < 0));
	if (!gmtime_r(&secs, &tm))
		return cli_usage_error("audit", "invalid --since '%s': out of range", arg);
	strftime(o->since_day, sizeof(o->since_day), "%Y-%m-%d", &tm);
	o->has_since = true;
	return 0;
}

static int set_format(struct audit_opts *o, const char *arg)
{
	static const struct {
		const char *name;
		enum audit_format format;
	} formats[] = { { "table", AUDIT_FORMAT_TABLE },
			{ "json", AUDIT_FORMAT_JSON },
			{ "markdown", AUDIT_FORMAT_MARKDOWN } };
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		if (strcmp(arg, formats[i].name) == 0) {
			o->format = formats[i].format;
			o->format_given = true;
			return 0;
		}
	}
	return cli_usage_error("audit", "invalid --format '%s': expected table, json or markdown",
			       arg);
}

/* Options; FILE arguments stay at argv[optind…]. 0, or the usage error's exit status. */
static int parse_opts(int argc, char **argv, struct audit_opts *o)
{
	static const struct option opts[] = { { "session", required_argument, NULL, 's' },
					      { "since", required_argument, NULL, 'S' },
					      { "format", required_argument, NULL, 'f' },
					      { "follow", no_argument, NULL, 'F' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	int c, r;
	opterr = 0;
	/* ':' first: a missing value is reported as such; no '+': FILEs and options mix. */
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->session = optarg;
			break;
		case 'S':
			if ((r = set_since(o, optarg)) != 0)
				return r;
			break;
		case 'f':
			if ((r = set_format(o, optarg)) != 0)
				return r;
			break;
		case 'F':
			o->follow = true;
			break;
		case 'h':
			cli_print_help("audit");
			return -1;
		case ':':
			return cli_usage_error("audit", "option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error("audit", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (o->follow && argc - optind > 1)
		return cli_usage_error("audit", "--follow follows one FILE");
	if (o->follow && optind < argc && strcmp(argv[optind], "-") == 0)
		return cli_usage_error("audit", "--follow needs a file, not stdin");
	if (o->follow && o->format_given)
		return cli_usage_error("audit", "--format does not apply to --follow");
	return 0;
}

/* The audit directory of the config dir (~/.aigate/audit), where the daily files are. */
static int audit_dir(char *buf, size_t bufsz)
{
	struct config_paths cp;
	int r = config_paths_init(&cp);
	if (r < 0) {
		log_error("cannot find the home or working directory: %s", strerror(-r));
		return r;
	}
	snprintf(buf, bufsz, "%s/audit", cp.dir);
	return 0;
}

int cmd_audit(int argc, char **argv)
{
	struct audit_opts o = { .format = AUDIT_FORMAT_TABLE };
	_cleanup_(json_parser_freep) struct json_parser *jp = NULL;
	char dir[PATH_MAX + 8] = "", today[PATH_MAX + 32];
	int r = parse_opts(argc, argv, &o);
	size_t nfiles;
	if (r != 0)
		return r < 0 ? EXIT_OK : r;
	nfiles = (size_t)(argc - optind);
	if (nfiles == 0 && audit_dir(dir, sizeof(dir)) < 0)
		return EXIT_ERROR;
	if (json_parser_new(&jp) < 0) {
		log_error("cannot read the audit log: %s", strerror(ENOMEM));
		return EXIT_ERROR;
	}
	struct audit_run run = { .o = &o, .jp = jp };
	if (!o.follow)
		return summarise(&run, dir, argv + optind, nfiles);
	if (nfiles)
		return follow(&run, argv[optind]);
	todays_log(dir, today, sizeof(today));
	return follow(&run, today);
}
