/* SPDX-License-Identifier: MIT */
/*
 * report.h — tell the user and the launcher about a denial: one line on
 * stderr with write(2), one record on the audit socket with a non-blocking
 * send, both built on the stack. A denial whose record cannot be sent is
 * left to the supervisor (every denial must reach the trail).
 */
#ifndef AIGATE_SHIM_REPORT_H
#define AIGATE_SHIM_REPORT_H

#include <stdbool.h>

#include "shim/msg.h"
#include "shim/state.h"

/**
 * shim_report() - send @d's record, then print its line. Returns false when
 * the record could not be sent (nothing printed): the caller must not deny
 * then, and lets the kernel side deny and record it. Preserves errno.
 * Async-signal-safe.
 */
bool shim_report(const struct shim_state *st, const struct shim_denial *d);

#endif
