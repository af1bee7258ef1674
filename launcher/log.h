/* SPDX-License-Identifier: MIT */
/*
 * log.h — the launcher's messages: "aigate: " prefix on stderr, levels from
 * AIGATE_LOG_LEVEL (debug|info|warn|error) or -v, colour only on a terminal
 * and never with NO_COLOR. The library modules never print; the launcher
 * logs once, at the level that decides.
 */
#ifndef AIGATE_LOG_H
#define AIGATE_LOG_H

#include "policy/policy.h"

enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

/** log_init() - read AIGATE_LOG_LEVEL and NO_COLOR; decide colour for stderr. */
void log_init(void);

/** log_no_color() - no colour from now on (aigate run --ci). */
void log_no_color(void);

/** log_set_level() - override the level (for -v). */
void log_set_level(enum log_level level);

/** log_enabled() - true if messages at @level are shown. */
bool log_enabled(enum log_level level);

/** log_msg() - print "aigate: [level: ]message" to stderr when enabled. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** log_diag() - print a policy diagnostic as "aigate: file:line:col: [warning: ]msg". */
void log_diag(enum log_level level, const struct policy_diag *d);

/** log_color() - true when stdout colour is allowed (terminal, no NO_COLOR). */
bool log_color_stdout(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
