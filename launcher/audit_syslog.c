/* SPDX-License-Identifier: MIT */
/*
 * audit_syslog.c — `--audit-log syslog`: one record per message, facility
 * authpriv (readable by administrators only on most systems). Separate
 * because <syslog.h>'s LOG_* names clash with log.h's. The system log
 * gives no error back: on_error cannot apply (docs/audit.md).
 */
#include <syslog.h>

#include "launcher/audit_internal.h"

void audit_syslog_open(void)
{
	/* LOG_NDELAY: connect now, before the supervisor is forked, so both share it. */
	openlog("aigate", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
}

void audit_syslog_write(const char *line, size_t len)
{
	syslog(LOG_NOTICE, "%.*s", (int)len, line);
}
