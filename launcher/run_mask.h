/* SPDX-License-Identifier: MIT */
/*
 * run_mask.h — mask_stdout in the relay: what CMD writes reaches the user
 * only through aigate, masked (mask_stream.h). With a pty, the pty's output
 * is masked as "stdout"; fds 1 and 2 that do not go to the pty (CI, a
 * redirected stream) get a pipe each, relayed to aigate's own fd 1 and 2 as
 * separate streams.
 *
 * Sequence: run_mask_open() before the clone, run_mask_child_setup() in
 * CMD, run_mask_parent_after_fork() in aigate; once the policy's masks and
 * the hidden files' values are known, run_mask_arm(); run_loop() relays;
 * run_mask_record() writes the counts to the audit trail.
 */
#ifndef AIGATE_RUN_MASK_H
#define AIGATE_RUN_MASK_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "launcher/mask_stream.h"

struct run_mask;

/* Output the relay has masked, for aigate's own buffers: 0 or -errno. */
typedef int (*run_mask_sink)(void *ctx, const uint8_t *data, size_t len);

/**
 * run_mask_open() - before the clone: a pipe for each of fds 1 and 2 that is
 * not in @pty_fds (bit n: fd n goes to the pty). 0 and *@ret, or -errno.
 */
int run_mask_open(unsigned pty_fds, struct run_mask **ret);

/** run_mask_child_setup() - in CMD (async-signal-safe): the pipes onto fds 1 and 2. 0 or -errno. */
int run_mask_child_setup(const struct run_mask *m);

/** run_mask_parent_after_fork() - in aigate: close the pipes' writing ends. */
void run_mask_parent_after_fork(struct run_mask *m);

/**
 * run_mask_arm() - mask with @set (which must outlive @m), holding output
 * at most @delay_ms; @pty: the pty's output is masked too. 0 or -ENOMEM.
 */
int run_mask_arm(struct run_mask *m, const struct mask_set *set, unsigned delay_ms, bool pty);

/**
 * run_mask_read_fds() - the pipes' reading ends (-1 where none): a process
 * forked from aigate must close them, or CMD would never see EPIPE when
 * aigate's reader goes away.
 */
void run_mask_read_fds(const struct run_mask *m, int fds[2]);

/** run_mask_pollfds() - the pipes to wait for (POLLIN) in @p[0..1]; fd -1 where none. */
void run_mask_pollfds(const struct run_mask *m, struct pollfd p[2]);

/** run_mask_pipe_ready() - pipe @i (0: stdout, 1: stderr) is readable: relay what is there. */
void run_mask_pipe_ready(struct run_mask *m, int i);

/** run_mask_pty() - CMD's pty output @data: masked into @sink. 0 or the sink's error. */
int run_mask_pty(struct run_mask *m, const uint8_t *data, size_t len, run_mask_sink sink,
		 void *ctx);

/** run_mask_timeout() - ms until held output must go out (-1: nothing held). */
int run_mask_timeout(const struct run_mask *m);

/** run_mask_expire() - release what has been held for the delay (pty output into @sink). */
void run_mask_expire(struct run_mask *m, run_mask_sink sink, void *ctx);

/**
 * run_mask_finish() - init is gone: read what the pipes still hold
 * (bounded: 16 MiB, 1 s), then release everything held (the pty's into
 * @sink): nothing held is lost at the end.
 */
void run_mask_finish(struct run_mask *m, run_mask_sink sink, void *ctx);

/** run_mask_record() - one audit record per pattern and stream that masked something. */
void run_mask_record(const struct run_mask *m);

/** run_mask_free() - close everything. Accepts NULL. */
void run_mask_free(struct run_mask *m);

#endif
