/* SPDX-License-Identifier: MIT */
/* json.h — minimal JSON output helpers for --json and, later, audit records. */
#ifndef AIGATE_JSON_H
#define AIGATE_JSON_H

#include <stdio.h>

/** json_string() - write @s as a JSON string literal (quotes, escapes, \u00XX for control bytes). */
void json_string(FILE *f, const char *s);

#endif
