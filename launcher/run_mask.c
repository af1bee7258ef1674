/* SPDX-License-Identifier: MIT */
/* run_mask.c — see run_mask.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "launcher/audit.h"
#include "launcher/log.h"
#include "launcher/run_mask.h"

#define RUN_MASK_READ	      (64 * 1024)
#define RUN_MASK_FINISH_BYTES (16u << 20)
#define RUN_MASK_FINISH_MS    1000

enum { OUT_STDOUT, OUT_STDERR, OUT_PTY, OUT_N };

struct run_mask_out {
	struct mask_stream *ms;
	int rd;		      /* the pipe's reading end (pipes only), -1 when closed */
	int wr;		      /* the pipe's writing end, until after the fork */
	int dest;	      /* aigate's fd 1 or 2 (pipes only) */
	bool dest_ok;	      /* still writing (the reader may have gone) */
	bool reader_gone;     /* EPIPE: the pipe from CMD is to be closed */
	long long held_since; /* ms when output started waiting, 0: nothing waits */
	uint64_t hold_id;     /* which hold that was (mask_stream_hold_id()) */
};

struct run_mask {
	const struct mask_set *set;
	unsigned delay_ms;
	struct run_mask_out out[OUT_N];
};

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int run_mask_open(unsigned pty_fds, struct run_mask **ret)
{
	struct run_mask *m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (int i = 0; i < OUT_N; i++)
		m->out[i] = (struct run_mask_out){ .rd = -1, .wr = -1, .dest = -1 };
	for (int i = OUT_STDOUT; i <= OUT_STDERR; i++) {
		int fd = i == OUT_STDOUT ? 1 : 2, p[2];
		if (pty_fds & (1u << fd))
			continue; /* the pty's: masked on the master */
		/* A closed fd 1 or 2 stays closed: nothing to relay. */
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		if (pipe2(p, O_CLOEXEC) < 0) {
			int e = -errno;
			run_mask_free(m);
			return e;
		}
		m->out[i].rd = p[0];
		m->out[i].wr = p[1];
		m->out[i].dest = fd;
		m->out[i].dest_ok = true;
		fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	}
	*ret = m;
	return 0;
}

int run_mask_child_setup(const struct run_mask *m)
{
	if (!m)
		return 0;
	for (int i = OUT_STDOUT; i <= OUT_STDERR; i++)
		if (m->out[i].wr >= 0 && dup2(m->out[i].wr, i == OUT_STDOUT ? 1 : 2) < 0)
			return -errno;
	return 0;
}

void run_mask_parent_after_fork(struct run_mask *m)
{
	if (!m)
		return;
	/* Only CMD writes: the reading end sees EOF once every copy inside is closed. */
	for (int i = 0; i < OUT_N; i++)
		if (m->out[i].wr >= 0) {
			close(m->out[i].wr);
			m->out[i].wr = -1;
		}
}

int run_mask_arm(struct run_mask *m, const struct mask_set *set, unsigned delay_ms, bool pty)
{
	m->set = set;
	m->delay_ms = delay_ms;
	for (int i = 0; i < OUT_N; i++) {
		bool used = i == OUT_PTY ? pty : m->out[i].rd >= 0;
		if (used && !(m->out[i].ms = mask_stream_new(set)))
			return -ENOMEM;
	}
	return 0;
}

void run_mask_read_fds(const struct run_mask *m, int fds[2])
{
	for (int i = OUT_STDOUT; i <= OUT_STDERR; i++)
		fds[i] = m ? m->out[i].rd : -1;
}

void run_mask_pollfds(const struct run_mask *m, struct pollfd p[2])
{
	for (int i = OUT_STDOUT; i <= OUT_STDERR; i++)
		p[i] = (struct pollfd){ .fd = m ? m->out[i].rd : -1, .events = POLLIN };
}

/* Write to aigate's own fd 1 or 2, blocking (its file description is shared: no O_NONBLOCK). */
static int dest_write(void *ctx, const uint8_t *data, size_t len)
{
	struct run_mask_out *o = ctx;
	while (len && o->dest_ok) {
		ssize_t n = write(o->dest, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/*
			 * The reader went away (`| head`): CMD must learn it as it would
			 * natively, with EPIPE and SIGPIPE on its next write, so the pipe
			 * from it is closed. Other errors: its output is read and dropped.
			 */
			int e = n < 0 ? errno : EIO;
			log_debug("masked output to fd %d stopped: %s", o->dest, strerror(e));
			o->dest_ok = false;
			if (e == EPIPE)
				o->reader_gone = true;
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * The delay runs from the first byte held: output never waits longer
 * than delay_ms, so a full-screen program's frame always arrives. A
 * secret written slower than that is still masked: the release masks a
 * partial long enough to tell, and what continues it
 * (mask_stream_release()).
 */
static void note_hold(struct run_mask_out *o)
{
	if (mask_stream_held(o->ms) == 0) {
		o->held_since = 0;
		return;
	}
	/* A new hold (the bytes that started the last one went out): its own delay. */
	uint64_t id = mask_stream_hold_id(o->ms);
	if (!o->held_since || id != o->hold_id) {
		o->held_since = now_ms();
		o->hold_id = id;
	}
}

static long long due(const struct run_mask *m, const struct run_mask_out *o)
{
	return o->held_since + m->delay_ms;
}

/* Read once from pipe @i; false at EOF or error (the pipe is then closed, its stream flushed). */
static bool pipe_read(struct run_mask_out *o)
{
	static uint8_t buf[RUN_MASK_READ];
	ssize_t n = read(o->rd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		mask_stream_flush(o->ms, dest_write, o);
		o->held_since = 0;
		close(o->rd);
		o->rd = -1;
		return false;
	}
	mask_stream_feed(o->ms, buf, (size_t)n, dest_write, o);
	note_hold(o);
	if (o->reader_gone) {
		close(o->rd);
		o->rd = -1;
		o->held_since = 0;
		return false;
	}
	return true;
}

void run_mask_pipe_ready(struct run_mask *m, int i)
{
	if (m && i >= OUT_STDOUT && i <= OUT_STDERR && m->out[i].rd >= 0 && m->out[i].ms)
		pipe_read(&m->out[i]);
}

int run_mask_pty(struct run_mask *m, const uint8_t *data, size_t len, run_mask_sink sink, void *ctx)
{
	struct run_mask_out *o = &m->out[OUT_PTY];
	int r = mask_stream_feed(o->ms, data, len, sink, ctx);
	note_hold(o);
	return r;
}

int run_mask_timeout(const struct run_mask *m)
{
	long long first = 0;
	if (!m)
		return -1;
	for (int i = 0; i < OUT_N; i++)
		if (m->out[i].held_since && (!first || due(m, &m->out[i]) < first))
			first = due(m, &m->out[i]);
	if (!first)
		return -1;
	long long left = first - now_ms();
	return left > 0 ? (int)left : 0;
}

void run_mask_expire(struct run_mask *m, run_mask_sink sink, void *ctx)
{
	long long now = now_ms();
	if (!m)
		return;
	for (int i = 0; i < OUT_N; i++) {
		struct run_mask_out *o = &m->out[i];
		if (!o->held_since || due(m, o) > now)
			continue;
		/* The delay is up: a screen waiting for its next frame must get this one. */
		if (i == OUT_PTY)
			mask_stream_release(o->ms, sink, ctx);
		else
			mask_stream_release(o->ms, dest_write, o);
		o->held_since = 0;
	}
}

void run_mask_finish(struct run_mask *m, run_mask_sink sink, void *ctx)
{
	if (!m)
		return;
	long long deadline = now_ms() + RUN_MASK_FINISH_MS;
	size_t total = 0;
	for (int i = OUT_STDOUT; i <= OUT_STDERR; i++) {
		struct run_mask_out *o = &m->out[i];
		/* Daemons left behind may still hold the pipe: bounded in bytes and time. */
		while (o->rd >= 0 && o->ms && total < RUN_MASK_FINISH_BYTES &&
		       now_ms() < deadline) {
			struct pollfd p = { .fd = o->rd, .events = POLLIN };
			if (poll(&p, 1, 0) <= 0)
				break;
			if (!pipe_read(o))
				break;
			total += RUN_MASK_READ;
		}
		if (o->ms) {
			mask_stream_flush(o->ms, dest_write, o);
			o->held_since = 0;
		}
	}
	if (m->out[OUT_PTY].ms) {
		mask_stream_flush(m->out[OUT_PTY].ms, sink, ctx);
		m->out[OUT_PTY].held_since = 0;
	}
}

void run_mask_record(const struct run_mask *m)
{
	size_t n;
	if (!m || !m->set)
		return;
	const struct mask_pattern_info *pi = mask_set_patterns(m->set, &n);
	/* The pty is the terminal: the user's stdout. Counts are summed per name and stream. */
	static const char *const names[OUT_N] = { "stdout", "stderr", "stdout" };
	for (int stream = 0; stream < 2; stream++)
		for (size_t k = 0; k < n; k++) {
			bool first = true;
			for (size_t j = 0; j < k; j++)
				if (strcmp(pi[j].name, pi[k].name) == 0)
					first = false;
			if (!first)
				continue; /* counted with the first pattern of that name */
			unsigned long count = 0;
			for (int i = 0; i < OUT_N; i++)
				if (m->out[i].ms &&
				    strcmp(names[i], stream ? "stderr" : "stdout") == 0)
					for (size_t j = 0; j < n; j++)
						if (strcmp(pi[j].name, pi[k].name) == 0)
							count += mask_stream_count(m->out[i].ms, j);
			if (!count)
				continue;
			struct audit_record rec = { .action = "mask",
						    .enforcer = "mask",
						    .target = pi[k].name,
						    .verdict = "masked",
						    .uid = -1,
						    .stream = stream ? "stderr" : "stdout",
						    .count = count };
			if (audit_write_unlimited(&rec) < 0)
				log_warn("cannot record the masking counts in the audit trail");
		}
}

void run_mask_free(struct run_mask *m)
{
	if (!m)
		return;
	for (int i = 0; i < OUT_N; i++) {
		mask_stream_free(m->out[i].ms);
		if (m->out[i].rd >= 0)
			close(m->out[i].rd);
		if (m->out[i].wr >= 0)
			close(m->out[i].wr);
	}
	free(m);
}
