/* SPDX-License-Identifier: MIT */
/*
 * mask_values.h — the secret values of the files deny_read hides, read by
 * the launcher OUTSIDE the sandbox, so the output relay can mask them
 * literally (mask_stdout.values_from_denied_files): the sandbox cannot read
 * .env, but must not print a value it learnt another way either.
 *
 * `KEY=VALUE` lines: dotenv syntax for files named like dotenv files (`.env`,
 * `.env.local`, `secrets/app.env`), npmrc/ini syntax for the rest
 * (`~/.npmrc`, `.pypirc`). JSON, YAML, TOML, PEM files and the like are out
 * of scope; a line that is not an assignment is skipped, so such a file
 * yields nothing (or a stray line that happens to look like one). Values shorter than MASK_VALUE_MIN bytes are skipped:
 * masking "true", "3000" or "dev" would mangle ordinary output.
 */
#ifndef AIGATE_MASK_VALUES_H
#define AIGATE_MASK_VALUES_H

#include <stddef.h>

#define MASK_VALUE_MIN	     8		/* bytes; the same as mask_stream.h's MASK_LITERAL_MIN */
#define MASK_VALUE_MAX	     4096	/* bytes kept of one value; a longer one is cut */
#define MASK_VALUES_MAX	     1024	/* values in all; more are dropped */
#define MASK_VALUES_FILE_MAX (1u << 20) /* bytes of one file; a larger file is skipped */

/**
 * mask_values_read() - the values of dotenv-style files @paths (@n of them).
 *
 * Syntax, line by line (lines end at LF, CRLF or a NUL byte):
 *  - blank lines and lines whose first non-blank byte is '#' are skipped;
 *  - `KEY=VALUE` or `export KEY=VALUE`; KEY is [A-Za-z0-9_.-]+; blanks
 *    (space, tab) are allowed before KEY and around '='; any other line is
 *    skipped;
 *  - VALUE unquoted: up to the end of the line or a '#' preceded by a blank
 *    (`KEY=a#b` is "a#b", `KEY=a #b` is "a"), trailing blanks dropped;
 *  - VALUE in 'single quotes': taken as written; in "double quotes": \" \\
 *    and \n are decoded, any other backslash is kept as written. A quote
 *    closed on a later line spans those lines (multi-line values, as the
 *    dotenv libraries read them); a quote never closed ends at the end of
 *    its line. What follows the closing quote is ignored; the lines a
 *    multi-line value spans are also read as lines of their own (a quote
 *    left open by mistake must not swallow the assignments below it).
 *  - a value with line breaks (multi-line, or "\n") gives one value per
 *    line, each without a trailing CR: a terminal writes "\r\n" for "\n",
 *    so the whole would never match, while each line still does.
 *
 * npmrc/ini (a file whose name is not ".env", ".env.*" or "*.env"): the
 * same, except that KEY is every byte before the first '=' (npm's
 * `//registry.npmjs.org/:_authToken=…`, which dotenv's key characters
 * would skip), lines starting with '[' (sections) or ';' (comments) are
 * skipped, and an unquoted value that is an http:// or https:// URL with
 * no '@', no '?' and no run of 16 letters or digits is config noise
 * (`registry=https://registry.npmjs.org/`), not a value.
 *
 * A value (or line of one) is kept when it is at least MASK_VALUE_MIN
 * bytes; one longer than MASK_VALUE_MAX is cut to its first MASK_VALUE_MAX
 * bytes (masking them still hides most of it; skipping it would hide
 * none). A NUL byte ends the line, as a newline does: the value before it
 * is taken (a C string cannot hold the NUL; masking the part before it
 * still hides most of the secret). Duplicates (also across files) are
 * removed; at most MASK_VALUES_MAX values are kept.
 *
 * Each file is opened O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
 * O_NOCTTY and checked with fstat(): a symlink in the last component (the
 * sandbox could have planted one in the project), a FIFO (O_NONBLOCK: it
 * cannot block us), a device or a directory, a file larger than
 * MASK_VALUES_FILE_MAX, and a file that cannot be opened or read are
 * skipped, and so is a file some of whose values fell past
 * MASK_VALUES_MAX. Their number goes to *@ret_skipped (may be NULL).
 * Symlinks in earlier components are followed: the caller passes paths it
 * resolved itself.
 *
 * Returns 0 and a malloc'd NULL-terminated array of malloc'd strings in
 * *@ret (empty when nothing qualifies; free with mask_values_free()), or
 * -ENOMEM (nothing written). Never prints.
 */
int mask_values_read(const char *const *paths, size_t n, char ***ret, size_t *ret_skipped);

/** mask_values_free() - free an array from mask_values_read(). Accepts NULL. */
void mask_values_free(char **values);

#endif
