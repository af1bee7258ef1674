/* SPDX-License-Identifier: MIT */
/*
 * pty_driver_nomask.c — the relay's mask_stdout hooks for the pty driver
 * (test_pty.sh), which links run_loop.c on its own: the driver never masks
 * (run_loop_args.mask is NULL), so these are never asked to do anything.
 */
#include "launcher/run_mask.h"

void run_mask_pollfds(const struct run_mask *m, struct pollfd p[2])
{
	(void)m;
	p[0] = (struct pollfd){ .fd = -1 };
	p[1] = (struct pollfd){ .fd = -1 };
}

void run_mask_pipe_ready(struct run_mask *m, int i)
{
	(void)m;
	(void)i;
}

int run_mask_pty(struct run_mask *m, const uint8_t *data, size_t len, run_mask_sink sink, void *ctx)
{
	(void)m;
	return sink(ctx, data, len);
}

int run_mask_timeout(const struct run_mask *m)
{
	(void)m;
	return -1;
}

void run_mask_expire(struct run_mask *m, run_mask_sink sink, void *ctx)
{
	(void)m;
	(void)sink;
	(void)ctx;
}

void run_mask_finish(struct run_mask *m, run_mask_sink sink, void *ctx)
{
	(void)m;
	(void)sink;
	(void)ctx;
}
