/* SPDX-License-Identifier: MIT */
/*
 * mask_stream.h — streaming redaction of the sandbox's output (mask_stdout).
 *
 * A mask set is every pattern of one run compiled together: the presets
 * the policy names (policy/mask.h, in priority order: anthropic before
 * openai), the custom patterns (regex, show_prefix, case_insensitive) and
 * literal values (the secrets of the files deny_read hides, masked
 * wherever they appear). A stream is one output (stdout, stderr, the
 * pty): bytes go in as they come; bytes come out at once unless they could
 * still be the start of a secret, which are held back until the secret is
 * complete (masked) or impossible (released), or until the caller's delay
 * runs out (mask_stream_release()). PCRE2 partial matching decides what could
 * still start a match, so only those bytes wait.
 *
 * Pure: no I/O, no clock; output goes to a callback. Not thread-safe: one
 * stream per thread at a time (a set may be shared read-only).
 */
#ifndef AIGATE_MASK_STREAM_H
#define AIGATE_MASK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/blob.h"

/* The most bytes a stream holds back; past it the oldest are released as they are. */
#define MASK_HOLD_MAX (64 * 1024)
/* Literal values: shorter ones are skipped (they would mask ordinary words). */
#define MASK_LITERAL_MIN  8
#define MASK_LITERALS_MAX 1024

struct mask_set;
struct mask_stream;

/* One pattern of a set, for the audit trail's counts. */
struct mask_pattern_info {
	/* preset name, custom pattern name ("pattern N" if unnamed), or "denied file value" */
	const char *name;
	uint32_t show_prefix;
};

/**
 * mask_set_build() - compile the masks of @b (presets and patterns) plus
 * @nlit literal values @lits (each masked as "***"; shorter than
 * MASK_LITERAL_MIN skipped; duplicates ignored; at most MASK_LITERALS_MAX)
 * into one set. Returns 0 and *@ret (free with mask_set_free()), or
 * -ENOENT when there is nothing to mask (no preset, pattern or literal),
 * -EINVAL (a pattern that does not compile: @err names it), -ENOMEM.
 */
int mask_set_build(const struct policy_blob *b, const char *const *lits, size_t nlit,
		   struct mask_set **ret, char *err, size_t errsz);

void mask_set_free(struct mask_set *set);

/** mask_set_patterns() - the set's patterns, indexed as in the counts. */
const struct mask_pattern_info *mask_set_patterns(const struct mask_set *set, size_t *ret_n);

/* Receives output: @len bytes at @data. Returns 0, or -errno to stop (passed back). */
typedef int (*mask_emit_fn)(void *ctx, const uint8_t *data, size_t len);

/** mask_stream_new() - a stream over @set (which must outlive it). NULL on ENOMEM. */
struct mask_stream *mask_stream_new(const struct mask_set *set);

void mask_stream_free(struct mask_stream *s);

/**
 * mask_stream_feed() - take @len bytes of output; emit everything that can
 * no longer be part of a secret (masked where it was one), hold the rest.
 * Returns 0 or the emitter's error.
 */
int mask_stream_feed(struct mask_stream *s, const uint8_t *data, size_t len, mask_emit_fn emit,
		     void *ctx);

/**
 * mask_stream_flush() - emit everything held, as mask_stream_release()
 * does, at the end of the stream (nothing more will continue or begin a
 * secret). Returns 0 or the emitter's error.
 */
int mask_stream_flush(struct mask_stream *s, mask_emit_fn emit, void *ctx);

/**
 * mask_stream_release() - the delay ran out: emit everything held, now.
 * Complete matches are masked (one that could still go on too, and those
 * after a partial that is let out); a partial that already looks like key
 * material (one token on one line, MASK_PARTIAL_MIN bytes or more, random-
 * looking after its shown prefix; a denied value's first 8 bytes with
 * letters and digits, or 12) is masked as its prefix and "***"; what
 * continues a secret masked here is dropped from later writes as far as
 * its pattern, or the value's exact bytes, still take it (up to
 * MASK_CONT_MAX). Anything else goes out as it is, and a short partial
 * stays where a match may begin: "sk-a" out, then "nt-api03-…", gives
 * "sk-ant-***". docs/masking.md has the rules and what they cost. Returns
 * 0 or the emitter's error.
 */
int mask_stream_release(struct mask_stream *s, mask_emit_fn emit, void *ctx);

/**
 * mask_stream_hold_id() - a number that changes whenever held bytes start
 * a new hold (the old ones went out): the caller's delay runs from then.
 */
uint64_t mask_stream_hold_id(const struct mask_stream *s);

/**
 * mask_string() - @s masked in one pass, as a stream over @set fed @s
 * whole and flushed would emit it. Returns a malloc'd string, or NULL
 * (ENOMEM). For aigate's own text that carries what the sandbox chose
 * (the --ci summary's cells).
 */
char *mask_string(const struct mask_set *set, const char *s);

/** mask_stream_held() - bytes held back now (0: nothing waits; no timer needed). */
size_t mask_stream_held(const struct mask_stream *s);

/** mask_stream_count() - occurrences of pattern @i masked so far in this stream. */
uint64_t mask_stream_count(const struct mask_stream *s, size_t i);

/*
 * Details and limits of the above (launcher/mask_stream.c):
 *
 * Patterns (mask_set_patterns()): one entry per preset regex the policy
 * enables, in the preset table's order ("github" has two regexes, so two
 * entries of that name: sum counts by name), then the custom patterns in
 * policy order, then one "denied file value" entry counting every literal.
 *
 * Matching: leftmost first; at one position the first pattern in that
 * order wins; a literal wins over a pattern only when its match is longer;
 * of literals that begin alike the longest wins. Literals are compared byte
 * for byte (no escaping involved, any byte but NUL). A match becomes its
 * first show_prefix bytes and "***"; a show_prefix not shorter than the
 * match gives just "***", never the whole secret.
 *
 * mask_set_build() also refuses (-EINVAL, @err naming the pattern) a custom
 * pattern that would change meaning inside one combined regex: a
 * back-reference, a named group, recursion or a subroutine call ((?R),
 * (?1), \g<1>), a condition on a group number, a (*VERB), and an anchor
 * (^, $, \A, \Z, \z, \G: the subject is what one write and the held bytes
 * happen to be, not a line, so the match would depend on where writes
 * split; (?<=\n) and (?=\r?\n) do not); and returns
 * -E2BIG when all the presets and patterns together pass pcre2's
 * compiled-size limit (64 KiB with the usual LINK_SIZE 2).
 *
 * Holding and its limits:
 *  - bytes are held only from a position where a match could still be
 *    arriving; the hold starts earlier only to keep an unfinished escape
 *    sequence (CSI, OSC, nF, within 256 bytes) or UTF-8 sequence whole;
 *  - a secret longer than MASK_HOLD_MAX is not masked whole: when the held
 *    bytes would pass MASK_HOLD_MAX the oldest go out (complete matches
 *    among them masked; a match reaching the end of what is held is masked
 *    as far as it came) and the rest of that secret, when it comes, is not
 *    recognised. The same goes for a literal value longer than
 *    MASK_HOLD_MAX that arrives in more than one write;
 *  - mask_stream_flush() and mask_stream_release() mask a partial secret
 *    only when it already looks like one (see mask_stream_release());
 *  - a position where pcre2 hits MASK_MATCH_LIMIT / MASK_DEPTH_LIMIT (a
 *    pathological custom pattern) is taken as no match: output is never
 *    stalled, and such a position is not masked;
 *  - a lookbehind (\b counts) sees at most 1,024 bytes before held bytes.
 *
 * If the emitter fails, the call returns its error and the stream drops
 * what it had not emitted yet, held bytes included.
 *
 * Speed: pcre2 runs only where the first two bytes could start a match
 * (tools/bench/bench_mask.c: every preset, build-log text, ~2.4 GB/s on
 * one core). A custom pattern that can start at almost any byte (a leading
 * [A-Za-z0-9], \w or .) makes most positions a pcre2 call: tens of MB/s.
 * Give custom patterns a distinctive first two bytes.
 */

#endif
