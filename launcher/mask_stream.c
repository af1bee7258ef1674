/* SPDX-License-Identifier: MIT */
/*
 * mask_stream.c — streaming redaction for mask_stdout (see mask_stream.h).
 *
 * Speed comes from doing almost nothing per byte. The presets and custom
 * patterns are compiled into ONE anchored PCRE2 alternation, each
 * alternative in its own capture group (the first group set names the
 * pattern; alternation order is priority order). At build time that
 * regex is asked, byte pair by byte pair, which pairs could begin a match
 * (a partial match on the two-byte subject says "could"); the answers
 * fill a 64 KiB table. The stream walks its bytes through that table and
 * calls pcre2 only where a pair says a secret could start: with the
 * presets, a few positions per hundred kilobytes of build log; everything
 * between is emitted as it is. Literal values are not in the regex (a
 * thousand values of up to 4 KiB would not fit pcre2's compiled-size
 * limit, 64 KiB with the usual LINK_SIZE 2, and then no value needs
 * escaping): their first two bytes mark the same table, a hash of their
 * first four filters those pairs, and a sorted array is searched.
 * tools/bench/bench_mask.c measures it.
 *
 * Holding: pcre2's PCRE2_PARTIAL_HARD reports a partial match as soon as
 * a match attempt reaches the end of the subject while it could still
 * consume more, even when a complete match was possible ("sk-ant-" and 20
 * token bytes, then the end of the buffer: the token may continue). Such
 * a position is held; everything before it goes out. So a secret split
 * across writes is masked as a whole once the byte after it arrives, and
 * the decisions are exactly those of one pass over the concatenation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher/mask_stream.h"
#include "policy/mask.h"
#include "policy/util.h"

/*
 * Bytes appended and scanned per round while something is held (the held
 * bytes are rescanned with each round). Small rounds first: a held "sk"
 * is usually settled by the next few bytes, after which the rest of the
 * write is scanned where it lies, without a copy.
 */
#define MASK_PIECE     (64 * 1024)
#define MASK_PIECE_MIN 4096
/* Bytes of context kept before the held bytes for lookbehinds (\b, (?<=…)) in custom patterns. */
#define MASK_LOOKBEHIND_MAX 1024
/* How far back from a hold boundary an unfinished escape sequence is looked for. */
#define MASK_ESC_LOOKBACK 256
/* Above this many possible first bytes, second bytes are not probed (up to 64 Ki probes). */
#define MASK_PAIR_PROBE_MAX 64
#define MASK_STARS	    "***"
/*
 * Timer releases (mask_stream_release()): a partial match at least
 * MASK_PARTIAL_MIN bytes long, on one line, is masked when the delay runs
 * out, and up to MASK_CONT_MAX bytes that continue it are masked as they
 * come; a shorter one goes out as it is, and its last MASK_REL_MAX bytes
 * stay where a match may start.
 */
#define MASK_PARTIAL_MIN 8
#define MASK_RANDOM_MIN	 5
#define MASK_CONT_MAX	 4096
#define MASK_REL_MAX	 64

/* One alternative of the combined regex. */
struct mask_alt {
	uint32_t group;	      /* its capture group */
	uint32_t pattern;     /* index into patterns[], for the counts */
	uint32_t show_prefix; /* bytes kept before "***" */
	pcre2_code *alone;    /* compiled alone: which one a partial match is (timer release) */
};

struct mask_literal {
	const uint8_t *bytes;
	size_t len;
	uint32_t key; /* first four bytes, big-endian: the sort key (values have at least 8) */
};

/* What may start at a position: bits of mask_set.first[] and .pairs[]. */
#define START_REGEX   1u
#define START_LITERAL 2u

struct mask_set {
	pcre2_code *code; /* anchored alternation of presets and patterns; NULL: literals only */
	struct mask_alt *alts;
	size_t nalts;
	struct mask_pattern_info *patterns;
	size_t npatterns;
	char **names; /* the names this set owns (custom patterns) */
	size_t nnames;
	struct mask_literal *lits;
	size_t nlits;
	uint8_t *litbytes;
	uint32_t lit_pattern; /* the patterns[] entry counting every literal */
	size_t lookbehind;    /* context bytes kept before held bytes */
	bool jit;	      /* JIT-compiled for both modes: pcre2_jit_match() may be used */
	/*
	 * Hashes of the literals' first four bytes: a pair that could start
	 * a value is looked up only if its four bytes could (with a thousand
	 * random values, a quarter of all alphanumeric pairs start one).
	 */
	uint64_t lit_filter[65536 / 64];
	uint8_t first[256]; /* START_*: what may start with this byte (the last of a subject) */
	/*
	 * START_*: what may start with this pair (byte << 8 | next byte).
	 * Bytes, not bits: one load per position in the hot loop; the lines
	 * ordinary text touches stay in L1.
	 */
	uint8_t pairs[65536];
};

struct mask_stream {
	const struct mask_set *set;
	pcre2_match_data *md;
	pcre2_match_context *mctx; /* per stream: a JIT stack may not be shared between threads */
	pcre2_match_data *md1;	   /* for the alternatives alone (one pair) */
	uint8_t *buf;		   /* [ctx bytes, already out][held bytes][room for one piece] */
	size_t ctx, held;
	/*
	 * After a timer release (mask_stream_release()): @rel, the last bytes
	 * of the context are a short partial match let out as they were, where
	 * a match may still start; @cont, the bytes that continue a secret
	 * masked at release (as far as its pattern or value still takes them,
	 * up to MASK_CONT_MAX) are dropped with it.
	 */
	size_t rel;
	struct {
		bool on;
		const struct mask_alt *alt;	/* the pattern it goes on by, or NULL: */
		const struct mask_literal *lit; /* the denied value it goes on by */
		size_t off;			/* context bytes before it in buf (lookbehinds) */
		size_t len; /* bytes in buf: the context, then the secret so far */
		uint8_t buf[MASK_CONT_MAX];
	} cont;
	size_t partial_at; /* where scan() last found a partial match */
	uint64_t hold_id;  /* a new number for each new hold (run_mask.c times it) */
	uint64_t counts[];
};

/* What a pattern source is before compilation (presets are static, custom ones in the blob). */
struct alt_src {
	const char *regex;
	bool ci;
	bool custom; /* from the policy: validated with mask_compile() */
};

static void set_err(char *err, size_t errsz, const char *fmt, ...) _printf_(3, 4);

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

static void pair_set(struct mask_set *set, unsigned b0, unsigned b1, unsigned what)
{
	set->pairs[b0 << 8 | b1] |= (uint8_t)what;
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t lit_hash(uint32_t key)
{
	return (key * UINT32_C(2654435761)) >> 16;
}

/* Byte @b (and its other ASCII case) may start a match, followed by anything. */
static void start_any(struct mask_set *set, unsigned b)
{
	unsigned other = b >= 'a' && b <= 'z' ? b - 32 : b >= 'A' && b <= 'Z' ? b + 32 : b;
	set->first[b] |= START_REGEX;
	set->first[other] |= START_REGEX;
	for (unsigned c = 0; c < 256; c++) {
		pair_set(set, b, c, START_REGEX);
		pair_set(set, other, c, START_REGEX);
	}
}

/*
 * A pattern with a lookbehind (\b counts) cannot be probed on a two-byte
 * subject: the probe has no byte before it and would say "no" where the
 * stream, with context, says "yes". Trust pcre2's own start analysis
 * instead, with any second byte.
 */
static void note_lookbehind_starts(struct mask_set *set, const pcre2_code *code)
{
	uint32_t type = 0, unit = 0;
	const uint8_t *bitmap = NULL;

	if (pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1 &&
	    pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0 && unit < 256) {
		start_any(set, unit);
		return;
	}
	if (type == 0 && pcre2_pattern_info(code, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 && bitmap) {
		for (unsigned b = 0; b < 256; b++)
			if (bitmap[b / 8] >> (b % 8) & 1)
				start_any(set, b);
		return;
	}
	for (unsigned b = 0; b < 256; b++)
		start_any(set, b);
}

/*
 * Constructs that change meaning once the pattern is one alternative among
 * others: absolute group numbers in recursion, subroutine calls and
 * conditions ((?R), (?1), \g<1>, (?(1)…)) would point at another pattern's
 * group, and backtracking verbs ((*COMMIT), (*SKIP)) would stop the
 * alternatives after this one from being tried. Back-references and named
 * groups are found with pcre2_pattern_info(). Anchors (^, $, \A, \Z, \z,
 * \G) are refused too (*@ret_anchor): they would tie a match to where a
 * write happens to split. A rough scanner: it may
 * refuse an odd pattern that would have worked, never the reverse for
 * these forms outside character classes and \Q…\E.
 */
static const char *unsupported_construct(const char *re, bool *ret_anchor)
{
	*ret_anchor = false;
	for (const char *p = re; *p; p++) {
		if (*p == '\\') {
			if (p[1] == 'Q') {
				const char *e = strstr(p + 2, "\\E");
				if (!e)
					return NULL;
				p = e + 1;
			} else if (p[1] == 'g' && (p[2] == '<' || p[2] == '\'')) {
				return "a subroutine call";
			} else if (p[1] && strchr("AZzG", p[1])) {
				*ret_anchor = true;
				return p[1] == 'A'   ? "\\A"
				       : p[1] == 'G' ? "\\G"
				       : p[1] == 'Z' ? "\\Z"
						     : "\\z";
			} else if (p[1]) {
				p++;
			}
		} else if (*p == '[') {
			p++;
			if (*p == '^')
				p++;
			if (*p == ']')
				p++;
			while (*p && *p != ']') {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '[' && p[1] == ':' && strstr(p + 2, ":]"))
					p = strstr(p + 2, ":]") + 1;
				p++;
			}
			if (!*p)
				return NULL;
		} else if (*p == '^' || *p == '$') {
			/*
			 * The subject is whatever one write and the bytes held with it
			 * happen to be, not a line: "^password=…" would be masked only
			 * when the line starts a write, and leak when it does not.
			 */
			*ret_anchor = true;
			return *p == '^' ? "^" : "$";
		} else if (*p == '(' && p[1] == '*') {
			return "a (*VERB)";
		} else if (*p == '(' && p[1] == '?') {
			char c = p[2];
			if (c == 'R' || (c >= '0' && c <= '9') || c == '&' ||
			    (c == 'P' && p[3] == '>') ||
			    ((c == '+' || c == '-') && p[3] >= '0' && p[3] <= '9'))
				return "recursion or a subroutine call";
			if (c == '(' && ((p[3] >= '0' && p[3] <= '9') || p[3] == '+' ||
					 p[3] == '-' || p[3] == 'R'))
				return "a condition on a group number";
		}
	}
	return NULL;
}

/* "(" ["(?i)"] regex "\E" ")": \E ends a \Q the pattern left open; isolated, it is ignored. */
static size_t wrap_alt(char *dst, const struct alt_src *a)
{
	return (size_t)sprintf(dst, "(%s%s\\E)", a->ci ? "(?i)" : "", a->regex);
}

static size_t wrapped_len(const struct alt_src *a)
{
	return strlen(a->regex) + 8;
}

/*
 * The alternation did not compile though each pattern did alone: find the
 * one that does not survive being wrapped (an extended-mode pattern ending
 * in a # comment swallows the closing parenthesis).
 */
static int name_uncombinable(const struct mask_set *set, const struct alt_src *src, int errcode,
			     char *err, size_t errsz)
{
	for (size_t k = 0; k < set->nalts; k++) {
		char *one = malloc(wrapped_len(&src[k]) + 1);
		pcre2_code *code;
		PCRE2_SIZE erroff;
		int e;
		if (!one)
			return -ENOMEM;
		code = pcre2_compile((PCRE2_SPTR)one, wrap_alt(one, &src[k]), 0, &e, &erroff, NULL);
		free(one);
		if (!code) {
			set_err(err, errsz,
				"mask pattern '%s' cannot be combined with the others (does it end "
				"in a # comment?)",
				set->patterns[set->alts[k].pattern].name);
			return -EINVAL;
		}
		pcre2_code_free(code);
	}
	set_err(err, errsz, "the mask patterns do not compile together (pcre2 error %d)", errcode);
	return -EINVAL;
}

/*
 * A custom pattern goes through mask_compile() (length, empty match, and
 * the message with the offset); a preset is known to compile, and is not
 * JIT-compiled alone for nothing (0.2 ms of every `aigate run`).
 */
static int compile_alone(const struct alt_src *a, pcre2_code **ret, size_t *ret_off, char *msg,
			 size_t msgsz)
{
	int errcode;
	PCRE2_SIZE erroff = 0;

	if (a->custom)
		return mask_compile(a->regex, a->ci, ret, ret_off, msg, msgsz);
	*ret = pcre2_compile((PCRE2_SPTR)a->regex, PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff,
			     NULL);
	if (!*ret) {
		*ret_off = erroff;
		snprintf(msg, msgsz, "pcre2 error %d", errcode);
		return errcode == PCRE2_ERROR_NOMEMORY ? -ENOMEM : -EINVAL;
	}
	return 0;
}

/*
 * Compile each alternative alone (to name the one that does not compile,
 * and to learn its groups and lookbehind), then all of them as one
 * anchored alternation, JIT-compiled for complete and hard-partial
 * matching.
 */
static int compile_alternatives(struct mask_set *set, const struct alt_src *src, char *err,
				size_t errsz)
{
	_cleanup_free_ char *combined = NULL;
	size_t len = 0, at = 0;
	uint32_t group = 1, caps = 0;
	int errcode, r;
	PCRE2_SIZE erroff;

	for (size_t k = 0; k < set->nalts; k++) {
		const char *name = set->patterns[set->alts[k].pattern].name;
		uint32_t backrefs = 0, named = 0, lookbehind = 0;
		const char *why = NULL;
		pcre2_code *code;
		size_t off = 0;
		char msg[256];

		r = compile_alone(&src[k], &code, &off, msg, sizeof(msg));
		if (r < 0) {
			set_err(err, errsz, "mask pattern '%s': invalid regex at offset %zu: %s",
				name, off, msg);
			return r;
		}
		pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &caps);
		pcre2_pattern_info(code, PCRE2_INFO_BACKREFMAX, &backrefs);
		pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &named);
		pcre2_pattern_info(code, PCRE2_INFO_MAXLOOKBEHIND, &lookbehind);
		bool anchor = false;
		if (backrefs)
			why = "a back-reference";
		else if (named)
			why = "a named group";
		else
			why = unsupported_construct(src[k].regex, &anchor);
		if (why && anchor) {
			pcre2_code_free(code);
			set_err(err, errsz,
				"mask pattern '%s': the anchor %s cannot be used (output is masked "
				"as "
				"it streams, and where a write starts or ends is not where a line "
				"does); use (?<=\\n) for the start of a line, (?=\\r?\\n) for its "
				"end, "
				"or a distinctive prefix such as password=",
				name, why);
			return -EINVAL;
		}
		if (why) {
			pcre2_code_free(code);
			set_err(err, errsz,
				"mask pattern '%s': %s cannot be used (all masks are matched "
				"as one regex, where it would refer to another pattern)",
				name, why);
			return -EINVAL;
		}
		if (lookbehind) {
			note_lookbehind_starts(set, code);
			if (set->lookbehind < lookbehind)
				set->lookbehind = lookbehind < MASK_LOOKBEHIND_MAX
							  ? lookbehind
							  : MASK_LOOKBEHIND_MAX;
		}
		set->alts[k].alone = code;
		set->alts[k].group = group;
		group += 1 + caps;
		len += wrapped_len(&src[k]) + 1;
	}

	if (!(combined = malloc(len + 1)))
		return -ENOMEM;
	for (size_t k = 0; k < set->nalts; k++) {
		if (k)
			combined[at++] = '|';
		at += wrap_alt(combined + at, &src[k]);
	}
	/* Anchored at compile time: the JIT does not support PCRE2_ANCHORED at match time. */
	set->code =
		pcre2_compile((PCRE2_SPTR)combined, at, PCRE2_ANCHORED, &errcode, &erroff, NULL);
	if (!set->code) {
		if (errcode == PCRE2_ERROR_NOMEMORY)
			return -ENOMEM;
		if (errcode == PCRE2_ERROR_PATTERN_TOO_LARGE) {
			set_err(err, errsz,
				"the %zu mask patterns are too large to match together (%zu "
				"bytes of regex)",
				set->nalts, at);
			return -E2BIG;
		}
		return name_uncombinable(set, src, errcode, err, errsz);
	}
	pcre2_pattern_info(set->code, PCRE2_INFO_CAPTURECOUNT, &caps);
	if (caps != group - 1) {
		set_err(err, errsz, "the mask patterns do not combine into one regex");
		return -EINVAL;
	}
	/* As in mask_compile(): without JIT the interpreter gives the same answers, slower. */
	set->jit = pcre2_jit_compile(set->code, PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD) == 0;
	return 0;
}

/* Could a match start with @subj (@n bytes, 1 or 2)? Errors answer yes: the stream will look. */
static bool probe_start(const struct mask_set *set, const uint8_t *subj, size_t n,
			pcre2_match_data *md, pcre2_match_context *mctx)
{
	int rc = pcre2_match(set->code, subj, n, 0, PCRE2_PARTIAL_HARD, md, mctx);
	return rc != PCRE2_ERROR_NOMATCH;
}

static int build_tables(struct mask_set *set)
{
	pcre2_match_context *mctx;
	pcre2_match_data *md;
	size_t nfirst = 0;
	uint8_t subj[2];

	for (size_t i = 0; i < set->nlits; i++) {
		const struct mask_literal *l = &set->lits[i];
		uint32_t h = lit_hash(l->key);
		set->first[l->bytes[0]] |= START_LITERAL;
		pair_set(set, l->bytes[0], l->bytes[1], START_LITERAL);
		set->lit_filter[h >> 6] |= UINT64_C(1) << (h & 63);
	}
	if (!set->code)
		return 0;
	mctx = mask_match_context_new();
	md = mctx ? pcre2_match_data_create_from_pattern(set->code, NULL) : NULL;
	if (!md) {
		pcre2_match_context_free(mctx);
		return -ENOMEM;
	}
	bool regex_first[256] = { false };
	for (unsigned b = 0; b < 256; b++) {
		subj[0] = (uint8_t)b;
		if (probe_start(set, subj, 1, md, mctx)) {
			regex_first[b] = true;
			set->first[b] |= START_REGEX;
			nfirst++;
		}
	}
	for (unsigned b = 0; b < 256; b++) {
		if (!regex_first[b])
			continue;
		subj[0] = (uint8_t)b;
		for (unsigned c = 0; c < 256; c++) {
			subj[1] = (uint8_t)c;
			if (nfirst > MASK_PAIR_PROBE_MAX || probe_start(set, subj, 2, md, mctx))
				pair_set(set, b, c, START_REGEX);
		}
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mctx);
	return 0;
}

static int literal_cmp(const void *a, const void *b)
{
	const struct mask_literal *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* Longest first: of two values where one begins the other, the whole longer one is masked. */
	if (x->len != y->len)
		return x->len > y->len ? -1 : 1;
	return memcmp(x->bytes, y->bytes, x->len);
}

static int add_literals(struct mask_set *set, const char *const *lits, size_t nlit)
{
	size_t total = 0, n = 0, at = 0;

	for (size_t i = 0; i < nlit; i++)
		if (lits[i] && strlen(lits[i]) >= MASK_LITERAL_MIN)
			total += strlen(lits[i]);
	if (!total)
		return 0;
	set->litbytes = malloc(total);
	set->lits = calloc(nlit, sizeof(*set->lits));
	if (!set->litbytes || !set->lits)
		return -ENOMEM;
	/* The first MASK_LITERALS_MAX that qualify, in the caller's order. */
	for (size_t i = 0; i < nlit && n < MASK_LITERALS_MAX; i++) {
		size_t len = lits[i] ? strlen(lits[i]) : 0;
		if (len < MASK_LITERAL_MIN)
			continue;
		memcpy(set->litbytes + at, lits[i], len);
		set->lits[n].bytes = set->litbytes + at;
		set->lits[n].len = len;
		set->lits[n].key = load_be32(set->lits[n].bytes);
		at += len;
		n++;
	}
	qsort(set->lits, n, sizeof(*set->lits), literal_cmp);
	/* Duplicates are adjacent now. */
	for (size_t i = 0; i < n; i++) {
		const struct mask_literal *l = &set->lits[i];
		if (set->nlits && literal_cmp(&set->lits[set->nlits - 1], l) == 0)
			continue;
		set->lits[set->nlits++] = *l;
	}
	return 0;
}

static bool preset_enabled(const struct policy_blob *b, const char *name)
{
	uint32_t n = policy_blob_count(b, POLICY_BLOB_MASK_PRESETS);
	for (uint32_t i = 0; i < n; i++) {
		const struct policy_blob_rule *r = policy_blob_rule(b, POLICY_BLOB_MASK_PRESETS, i);
		if (r && strcmp(policy_blob_str(b, r->text_off), name) == 0)
			return true;
	}
	return false;
}

/* Presets in table order (priority), then custom patterns in policy order; their info entries. */
static int collect_alternatives(struct mask_set *set, const struct policy_blob *b,
				struct alt_src **ret_src)
{
	size_t npresets;
	const struct mask_preset *ps = mask_presets(&npresets);
	uint32_t ncustom = b ? b->hdr->masks.count : 0;
	const struct policy_blob_mask *masks =
		ncustom ? (const void *)(b->base + b->hdr->masks.off) : NULL;
	struct alt_src *src;

	/* One more entry for the literals. */
	set->patterns = calloc(npresets + ncustom + 1, sizeof(*set->patterns));
	set->alts = calloc(npresets + ncustom, sizeof(*set->alts));
	set->names = calloc(ncustom ? ncustom : 1, sizeof(*set->names));
	src = calloc(npresets + ncustom, sizeof(*src));
	if (!set->patterns || !set->alts || !set->names || !src) {
		free(src);
		return -ENOMEM;
	}
	for (size_t i = 0; b && i < npresets; i++) {
		if (!preset_enabled(b, ps[i].name))
			continue;
		set->patterns[set->npatterns] =
			(struct mask_pattern_info){ ps[i].name, ps[i].show_prefix };
		set->alts[set->nalts] =
			(struct mask_alt){ 0, (uint32_t)set->npatterns++, ps[i].show_prefix, NULL };
		src[set->nalts++] = (struct alt_src){ ps[i].regex, false, false };
	}
	for (uint32_t i = 0; i < ncustom; i++) {
		char *name;
		if (masks[i].name_off)
			name = strdup(policy_blob_str(b, masks[i].name_off));
		else if (asprintf(&name, "pattern %u", i + 1) < 0)
			name = NULL;
		if (!name) {
			free(src);
			return -ENOMEM;
		}
		set->names[set->nnames++] = name;
		set->patterns[set->npatterns] =
			(struct mask_pattern_info){ name, masks[i].show_prefix };
		set->alts[set->nalts] = (struct mask_alt){ 0, (uint32_t)set->npatterns++,
							   masks[i].show_prefix, NULL };
		src[set->nalts++] = (struct alt_src){ policy_blob_str(b, masks[i].regex_off),
						      masks[i].case_insensitive != 0, true };
	}
	*ret_src = src;
	return 0;
}

int mask_set_build(const struct policy_blob *b, const char *const *lits, size_t nlit,
		   struct mask_set **ret, char *err, size_t errsz)
{
	struct mask_set *set = calloc(1, sizeof(*set));
	_cleanup_free_ struct alt_src *src = NULL;
	int r;

	if (!set)
		return -ENOMEM;
	if ((r = collect_alternatives(set, b, &src)) < 0 || (r = add_literals(set, lits, nlit)) < 0)
		goto fail;
	if (!set->nalts && !set->nlits) {
		set_err(err, errsz, "nothing to mask");
		r = -ENOENT;
		goto fail;
	}
	if (set->nlits) {
		set->lit_pattern = (uint32_t)set->npatterns;
		set->patterns[set->npatterns++] =
			(struct mask_pattern_info){ "denied file value", 0 };
	}
	if ((set->nalts && (r = compile_alternatives(set, src, err, errsz)) < 0) ||
	    (r = build_tables(set)) < 0)
		goto fail;
	*ret = set;
	return 0;
fail:
	if (r == -ENOMEM)
		set_err(err, errsz, "out of memory");
	mask_set_free(set);
	return r;
}

void mask_set_free(struct mask_set *set)
{
	if (!set)
		return;
	pcre2_code_free(set->code);
	for (size_t i = 0; i < set->nnames; i++)
		free(set->names[i]);
	free(set->names);
	free(set->patterns);
	for (size_t k = 0; set->alts && k < set->nalts; k++)
		pcre2_code_free(set->alts[k].alone);
	free(set->alts);
	free(set->lits);
	free(set->litbytes);
	free(set);
}

const struct mask_pattern_info *mask_set_patterns(const struct mask_set *set, size_t *ret_n)
{
	*ret_n = set->npatterns;
	return set->patterns;
}

struct mask_stream *mask_stream_new(const struct mask_set *set)
{
	struct mask_stream *s = calloc(1, sizeof(*s) + set->npatterns * sizeof(s->counts[0]));
	if (!s)
		return NULL;
	s->set = set;
	s->buf = malloc(set->lookbehind + MASK_REL_MAX + MASK_HOLD_MAX + MASK_PIECE);
	s->md1 = pcre2_match_data_create(1, NULL);
	if (!s->buf || !s->md1)
		goto fail;
	if (set->code) {
		s->md = pcre2_match_data_create_from_pattern(set->code, NULL);
		s->mctx = mask_match_context_new();
		if (!s->md || !s->mctx)
			goto fail;
	}
	return s;
fail:
	mask_stream_free(s);
	return NULL;
}

void mask_stream_free(struct mask_stream *s)
{
	if (!s)
		return;
	pcre2_match_data_free(s->md);
	pcre2_match_data_free(s->md1);
	pcre2_match_context_free(s->mctx);
	free(s->buf);
	free(s);
}

size_t mask_stream_held(const struct mask_stream *s)
{
	return s->held;
}

uint64_t mask_stream_count(const struct mask_stream *s, size_t i)
{
	return i < s->set->npatterns ? s->counts[i] : 0;
}

/* ---- Scanning ---- */

enum probe_result { PROBE_NONE, PROBE_MATCH, PROBE_PARTIAL };

struct hit {
	size_t start, end;
	uint32_t pattern, show_prefix;
};

static int emit_bytes(mask_emit_fn emit, void *ctx, const uint8_t *p, size_t n)
{
	return n ? emit(ctx, p, n) : 0;
}

/*
 * The first show_prefix bytes, then "***". A prefix as long as the match
 * would print the whole secret: then only "***".
 */
static int emit_mask(mask_emit_fn emit, void *ctx, const uint8_t *m, const struct hit *h)
{
	uint8_t out[POLICY_MAX_SHOW_PREFIX + sizeof(MASK_STARS)];
	size_t len = h->end - h->start;
	size_t keep = h->show_prefix < len && h->show_prefix <= POLICY_MAX_SHOW_PREFIX
			      ? h->show_prefix
			      : 0;
	memcpy(out, m, keep);
	memcpy(out + keep, MASK_STARS, sizeof(MASK_STARS) - 1);
	return emit(ctx, out, keep + sizeof(MASK_STARS) - 1);
}

static bool lit_filter_test(const struct mask_set *set, uint32_t key)
{
	uint32_t h = lit_hash(key);
	return set->lit_filter[h >> 6] >> (h & 63) & 1;
}

/* The first position in [@c, @limit) where a match could start, or @limit. */
static size_t next_candidate(const struct mask_set *set, const uint8_t *p, size_t c, size_t limit,
			     size_t end)
{
	size_t stop;
	if (c >= limit)
		return limit;
	/* The last byte has no pair. */
	stop = limit < end ? limit : end - 1;
	while (c < stop) {
		/*
		 * The hot loop: eight table loads, one branch (twice the speed
		 * of a branch per byte). Almost every block of build output has
		 * no candidate; the block that has one is searched byte by byte.
		 */
#define PAIR(i) set->pairs[(unsigned)p[c + (i)] << 8 | p[c + (i) + 1]]
		for (; c + 8 <= stop; c += 8)
			if (PAIR(0) | PAIR(1) | PAIR(2) | PAIR(3) | PAIR(4) | PAIR(5) | PAIR(6) |
			    PAIR(7))
				break;
#undef PAIR
		for (size_t block = c + 8 < stop ? c + 8 : stop; c < block; c++) {
			unsigned what = set->pairs[(unsigned)p[c] << 8 | p[c + 1]];
			/* A pair only a value starts with: are the four bytes one's? */
			if (what == START_LITERAL && c + 4 <= end &&
			    !lit_filter_test(set, load_be32(p + c)))
				continue;
			if (what)
				return c;
		}
	}
	if (c < limit && c == end - 1 && set->first[p[c]])
		return c;
	return limit;
}

static enum probe_result probe_regex(struct mask_stream *s, const uint8_t *p, size_t c, size_t end,
				     bool partial, struct hit *h)
{
	const struct mask_set *set = s->set;
	PCRE2_SIZE *ov;
	int rc;

	if (!set->code)
		return PROBE_NONE;
	/* pcre2_jit_match() skips the argument checks: a third of a probe's cost. */
	rc = (set->jit ? pcre2_jit_match : pcre2_match)(
		set->code, p, end, c, partial ? PCRE2_PARTIAL_HARD : 0, s->md, s->mctx);
	if (rc == PCRE2_ERROR_PARTIAL)
		return PROBE_PARTIAL;
	/*
	 * No match, or a match or depth limit hit by a pathological custom
	 * pattern: nothing starts here. The relay must not stall (header).
	 */
	if (rc <= 0)
		return PROBE_NONE;
	ov = pcre2_get_ovector_pointer(s->md);
	/* \K can make a match empty or move its start; an empty one masks nothing. */
	if (ov[0] < c || ov[1] <= ov[0] || ov[1] > end)
		return PROBE_NONE;
	for (size_t k = 0; k < set->nalts; k++) {
		uint32_t g = set->alts[k].group;
		if (g < (uint32_t)rc && ov[2 * g] != PCRE2_UNSET) {
			*h = (struct hit){ ov[0], ov[1], set->alts[k].pattern,
					   set->alts[k].show_prefix };
			return PROBE_MATCH;
		}
	}
	return PROBE_NONE;
}

static enum probe_result probe_literals(const struct mask_set *set, const uint8_t *p, size_t c,
					size_t end, bool partial, size_t *ret_end)
{
	size_t avail = end - c, lo = 0, hi = set->nlits;
	uint32_t key, shift = 0;

	if (avail >= 4) {
		key = load_be32(p + c);
		if (!lit_filter_test(set, key))
			return PROBE_NONE;
	} else {
		/* The end of the subject: the values that begin with what is here. */
		uint8_t four[4] = { 0 };
		memcpy(four, p + c, avail);
		key = load_be32(four);
		shift = 8 * (uint32_t)(4 - avail);
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set->lits[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Longest first: a longer value that is still arriving is waited for. */
	for (; lo < set->nlits && set->lits[lo].key >> shift == key >> shift; lo++) {
		const struct mask_literal *l = &set->lits[lo];
		if (avail >= l->len) {
			if (memcmp(p + c, l->bytes, l->len) == 0) {
				*ret_end = c + l->len;
				return PROBE_MATCH;
			}
		} else if (partial && memcmp(p + c, l->bytes, avail) == 0) {
			return PROBE_PARTIAL;
		}
	}
	return PROBE_NONE;
}

/*
 * What starts at @c: a partial anywhere holds (the longer answer may be
 * still arriving); of two matches the longer wins, a tie goes to the
 * pattern (it names the secret and may keep a prefix).
 */
static enum probe_result probe(struct mask_stream *s, const uint8_t *p, size_t c, size_t end,
			       bool partial, struct hit *h)
{
	const struct mask_set *set = s->set;
	unsigned what = c + 1 < end ? set->pairs[(unsigned)p[c] << 8 | p[c + 1]] : set->first[p[c]];
	enum probe_result r = PROBE_NONE, l = PROBE_NONE;
	size_t lend = 0;

	if (what & START_REGEX)
		r = probe_regex(s, p, c, end, partial, h);
	if (r == PROBE_PARTIAL)
		return r;
	if (what & START_LITERAL)
		l = probe_literals(set, p, c, end, partial, &lend);
	if (l == PROBE_PARTIAL)
		return l;
	if (l == PROBE_MATCH && (r == PROBE_NONE || lend > h->end)) {
		*h = (struct hit){ c, lend, s->set->lit_pattern, 0 };
		return PROBE_MATCH;
	}
	return r;
}

/*
 * Inside an escape sequence that has not ended by @e? @q is the byte after
 * the ESC. CSI (ESC [ params intermediates final), the string sequences
 * (OSC, DCS, APC, PM, SOS: up to BEL or ESC \; the ESC found is the last
 * one, so no ST follows it), and nF sequences (ESC intermediates final).
 */
static bool escape_open(const uint8_t *q, const uint8_t *e)
{
	if (q == e)
		return true;
	if (*q == '[') {
		for (q++; q < e; q++)
			if (*q < 0x20 || *q > 0x3f)
				return false;
		return true;
	}
	if (*q == ']' || *q == 'P' || *q == '_' || *q == '^' || *q == 'X')
		return !memchr(q + 1, 0x07, (size_t)(e - q - 1));
	while (q < e && *q >= 0x20 && *q <= 0x2f)
		q++;
	return q == e;
}

/*
 * Where to hold from, given that a secret could start at @c: @c, moved back
 * to the start of an escape sequence or UTF-8 sequence the cut would fall
 * inside, so that what waits never leaves a terminal halfway through a
 * colour change or a character. Never before @lo (already out).
 */
static size_t hold_boundary(const uint8_t *p, size_t lo, size_t c, size_t end)
{
	size_t floor = c - lo > MASK_ESC_LOOKBACK ? c - MASK_ESC_LOOKBACK : lo;
	const uint8_t *esc = memrchr(p + floor, 0x1b, c - floor);
	size_t j = c;

	if (esc && escape_open(esc + 1, p + c))
		return (size_t)(esc - p);
	/* p[c] a continuation byte: step back over at most two more to the lead byte. */
	if (c >= end || (p[c] & 0xc0) != 0x80)
		return c;
	while (j > lo && c - j < 3 && (p[j - 1] & 0xc0) == 0x80)
		j--;
	if (j > lo) {
		uint8_t lead = p[j - 1];
		size_t n = lead >= 0xf0	  ? (lead <= 0xf4 ? 4 : 0)
			   : lead >= 0xe0 ? 3
			   : lead >= 0xc2 ? 2
					  : 0;
		if (n && j - 1 + n > c)
			return j - 1;
	}
	return c;
}

/*
 * Scan @p[@from, @end) for matches starting before @limit and emit: text
 * as it is, matches masked. With @partial, stop at the first position
 * where a match could still be arriving. *@ret_stop: where emission
 * stopped (everything before it is out; from there on is held).
 */
static int scan(struct mask_stream *s, const uint8_t *p, size_t from, size_t limit, size_t end,
		bool partial, mask_emit_fn emit, void *ctx, size_t *ret_stop)
{
	size_t out = from, c = from, stop;
	int r;

	while ((c = next_candidate(s->set, p, c, limit, end)) < limit) {
		struct hit h = { 0 };
		switch (probe(s, p, c, end, partial, &h)) {
		case PROBE_PARTIAL:
			s->partial_at = c;
			stop = hold_boundary(p, out, c, end);
			if ((r = emit_bytes(emit, ctx, p + out, stop - out)) < 0)
				return r;
			*ret_stop = stop;
			return 0;
		case PROBE_MATCH:
			if ((r = emit_bytes(emit, ctx, p + out, h.start - out)) < 0 ||
			    (r = emit_mask(emit, ctx, p + h.start, &h)) < 0)
				return r;
			s->counts[h.pattern]++;
			out = c = h.end;
			break;
		case PROBE_NONE:
		default:
			c++;
			break;
		}
	}
	stop = out > limit ? out : limit;
	if ((r = emit_bytes(emit, ctx, p + out, stop - out)) < 0)
		return r;
	*ret_stop = stop;
	return 0;
}

/*
 * Scan @p[@from, @end) as a stream: emit what is settled, and return in
 * *@ret_stop where the held part begins. A held part longer than
 * MASK_HOLD_MAX is a "secret" too long to wait for: its oldest bytes go
 * out, with the complete matches among them masked (a match reaching the
 * end of what is here is masked as far as it goes; the rest of it, when it
 * comes, is not recognised: documented in the header).
 */
static int process(struct mask_stream *s, const uint8_t *p, size_t from, size_t end,
		   mask_emit_fn emit, void *ctx, size_t *ret_stop)
{
	size_t stop;
	int r = scan(s, p, from, end, end, true, emit, ctx, &stop);
	if (r < 0)
		return r;
	if (end - stop > MASK_HOLD_MAX &&
	    ((r = scan(s, p, stop, end - MASK_HOLD_MAX, end, false, emit, ctx, &stop)) < 0 ||
	     (r = scan(s, p, stop, end, end, true, emit, ctx, &stop)) < 0))
		return r;
	*ret_stop = stop;
	return 0;
}

/*
 * Keep buf[@stop, @end) as the held bytes, with the context before them:
 * the released partial's (s->rel) and, before it, the lookbehind's.
 */
static void keep_held(struct mask_stream *s, size_t stop, size_t end)
{
	size_t want = s->set->lookbehind + s->rel;
	size_t ctx = want < stop ? want : stop;
	/*
	 * A hold whose first byte came in this write is a new one: its delay
	 * starts now. One whose first byte was held already keeps the delay
	 * it had (it runs from no later than that byte's arrival).
	 */
	if (end > stop && (!s->held || stop >= s->ctx + s->held))
		s->hold_id++;
	memmove(s->buf, s->buf + stop - ctx, ctx + end - stop);
	s->ctx = ctx;
	s->held = end - stop;
}

/* The emitter failed: what was not out yet is dropped; the stream starts afresh. */
static int stream_fail(struct mask_stream *s, int r)
{
	s->ctx = s->held = s->rel = 0;
	s->cont.on = false;
	return r;
}

/* A byte of a token (key, JWT, base64): what a partial masked at release must be made of. */
static bool token_byte(uint8_t b)
{
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
	       b == '-' || b == '_' || b == '.' || b == '~' || b == '+' || b == '/' || b == '=';
}

/* Is @h a denied value's (the literals'), not a pattern's? */
static bool literal_hit(const struct mask_set *set, const struct hit *h)
{
	return set->nlits && h->pattern == set->lit_pattern;
}

/*
 * A secret masked at a release may go on in later writes: remember what
 * of it came (@p[@c, @end)) and by what it goes on, the pattern @h names
 * or, for a denied value, its exact bytes.
 */
static void cont_start(struct mask_stream *s, const struct hit *h, const uint8_t *p, size_t c,
		       size_t end)
{
	const struct mask_set *set = s->set;
	s->cont.on = false;
	s->cont.alt = NULL;
	s->cont.lit = NULL;
	/* The bytes before it that a lookbehind may need, then the secret's. */
	size_t back = set->lookbehind < c ? set->lookbehind : c;
	if (back + end - c > MASK_CONT_MAX)
		return;
	if (literal_hit(set, h)) {
		back = 0;
		for (size_t k = 0; k < set->nlits; k++)
			if (set->lits[k].len > end - c &&
			    memcmp(set->lits[k].bytes, p + c, end - c) == 0) {
				s->cont.lit = &set->lits[k];
				break;
			}
	} else {
		for (size_t k = 0; k < set->nalts; k++)
			if (set->alts[k].pattern == h->pattern && set->alts[k].alone)
				s->cont.alt = &set->alts[k];
	}
	if (!s->cont.alt && !s->cont.lit)
		return;
	memcpy(s->cont.buf, p + c - back, back + end - c);
	s->cont.off = back;
	s->cont.len = back + end - c;
	s->cont.on = true;
}

/* Another denied value that begins with the bytes seen so far and goes on with @b, or NULL. */
static const struct mask_literal *cont_other_literal(const struct mask_stream *s, uint8_t b)
{
	const struct mask_set *set = s->set;
	for (size_t k = 0; k < set->nlits; k++) {
		const struct mask_literal *l = &set->lits[k];
		if (l->len > s->cont.len && l->bytes[s->cont.len] == b &&
		    memcmp(l->bytes, s->cont.buf, s->cont.len) == 0)
			return l;
	}
	return NULL;
}

/* How many of @data's first @len bytes still belong to the secret masked at release (dropped). */
static size_t cont_take(struct mask_stream *s, const uint8_t *data, size_t len)
{
	size_t n = 0;
	if (s->cont.lit) {
		/* Byte for byte, by whichever denied value the bytes so far still begin. */
		while (n < len && s->cont.len < s->cont.lit->len && s->cont.len < MASK_CONT_MAX) {
			const struct mask_literal *l = s->cont.lit;
			if (data[n] != l->bytes[s->cont.len] &&
			    !(l = cont_other_literal(s, data[n])))
				break;
			s->cont.lit = l;
			s->cont.buf[s->cont.len++] = data[n++];
		}
		if (n < len || s->cont.len >= s->cont.lit->len)
			s->cont.on = false;
		return n;
	}
	size_t take = len < MASK_CONT_MAX - s->cont.len ? len : MASK_CONT_MAX - s->cont.len;
	memcpy(s->cont.buf + s->cont.len, data, take);
	int rc = pcre2_match(s->cont.alt->alone, s->cont.buf, s->cont.len + take, s->cont.off,
			     PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, s->md1, s->mctx);
	if (rc == PCRE2_ERROR_PARTIAL) {
		n = take; /* all of it may still be the secret */
		s->cont.len += take;
		if (take < len)
			s->cont.on = false; /* MASK_CONT_MAX: the rest is not followed */
		return n;
	}
	s->cont.on = false;
	if (rc > 0) {
		PCRE2_SIZE e = pcre2_get_ovector_pointer(s->md1)[1];
		if (e > s->cont.len)
			n = e - s->cont.len < take ? e - s->cont.len : take;
	}
	return n;
}

/*
 * The mask of a match @h that began at @c in bytes already out (the last
 * s->rel of the context) and runs to @h->end: what is left of its shown
 * prefix, then "***".
 */
static int emit_tail_mask(struct mask_stream *s, mask_emit_fn emit, void *ctx, const struct hit *h,
			  size_t c)
{
	size_t shown = s->ctx - c, keep = 0;
	int r;
	if (h->show_prefix > shown && h->show_prefix < h->end - c)
		keep = h->show_prefix - shown;
	if (keep > h->end - s->ctx)
		keep = h->end - s->ctx;
	if ((r = emit_bytes(emit, ctx, s->buf + s->ctx, keep)) < 0 ||
	    (r = emit(ctx, (const uint8_t *)MASK_STARS, sizeof(MASK_STARS) - 1)) < 0)
		return r;
	s->counts[h->pattern]++;
	return 0;
}

/* A partial let out by a release goes on into the bytes fed since: see mask_stream_feed(). */
static int rel_resolve(struct mask_stream *s, size_t end, mask_emit_fn emit, void *ctx,
		       size_t *ret_from, bool *ret_held)
{
	size_t c = s->ctx - s->rel;
	struct hit h = { 0 };
	int r;

	*ret_from = s->ctx;
	*ret_held = false;
	switch (probe(s, s->buf, c, end, true, &h)) {
	case PROBE_PARTIAL:
		*ret_held = true; /* still arriving: all held, the context kept */
		return 0;
	case PROBE_MATCH:
		if (h.end > s->ctx) {
			if ((r = emit_tail_mask(s, emit, ctx, &h, c)) < 0)
				return r;
			*ret_from = h.end;
		}
		break;
	case PROBE_NONE:
	default:
		break;
	}
	s->rel = 0;
	return 0;
}

int mask_stream_feed(struct mask_stream *s, const uint8_t *data, size_t len, mask_emit_fn emit,
		     void *ctx)
{
	size_t stop;
	int r;

	/* The rest of a secret whose beginning a release masked: dropped with it. */
	if (s->cont.on && len) {
		size_t n = cont_take(s, data, len);
		data += n;
		len -= n;
	}
	while (len) {
		if (!s->held && !s->set->lookbehind && !s->rel) {
			/* Nothing waits and no context is needed: scan the bytes where they are. */
			if ((r = process(s, data, 0, len, emit, ctx, &stop)) < 0)
				return stream_fail(s, r);
			memcpy(s->buf, data + stop, len - stop);
			s->ctx = 0;
			s->held = len - stop;
			if (s->held)
				s->hold_id++;
			return 0;
		}
		size_t n = s->held > MASK_PIECE_MIN ? s->held : MASK_PIECE_MIN;
		if (n > MASK_PIECE)
			n = MASK_PIECE;
		if (n > len)
			n = len;
		size_t end = s->ctx + s->held + n, from = s->ctx;
		memcpy(s->buf + end - n, data, n);
		data += n;
		len -= n;
		if (s->rel && end - s->ctx > MASK_HOLD_MAX / 2)
			s->rel = 0; /* never that long: the hold stays bounded */
		if (s->rel) {
			bool held;
			if ((r = rel_resolve(s, end, emit, ctx, &from, &held)) < 0)
				return stream_fail(s, r);
			if (held) {
				keep_held(s, s->ctx, end);
				continue;
			}
		}
		if ((r = process(s, s->buf, from, end, emit, ctx, &stop)) < 0)
			return stream_fail(s, r);
		keep_held(s, stop, end);
	}
	return 0;
}

/*
 * Which pattern (or the literals) a partial match at @c of @p[..@end) is,
 * with its show_prefix, in *@h. Asked only when held bytes are released:
 * each alternative alone, in priority order.
 */
static bool partial_owner(struct mask_stream *s, const uint8_t *p, size_t c, size_t end,
			  struct hit *h)
{
	const struct mask_set *set = s->set;
	size_t lend;
	for (size_t k = 0; k < set->nalts; k++) {
		if (!set->alts[k].alone)
			continue;
		int rc = pcre2_match(set->alts[k].alone, p, end, c,
				     PCRE2_ANCHORED | PCRE2_PARTIAL_HARD, s->md1, s->mctx);
		if (rc == PCRE2_ERROR_PARTIAL) {
			*h = (struct hit){ c, end, set->alts[k].pattern, set->alts[k].show_prefix };
			return true;
		}
	}
	if (set->nlits && probe_literals(set, p, c, end, true, &lend) == PROBE_PARTIAL) {
		*h = (struct hit){ c, end, set->lit_pattern, 0 };
		return true;
	}
	return false;
}

/* Bytes of @p[@a, @b) on one line: no newline, no control byte. */
static bool one_line(const uint8_t *p, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	return true;
}

/*
 * Does @p[@a, @b), a partial match after its shown prefix, look like key
 * material rather than a word? It must be one token. After a prefix that
 * is common in words (up to three bytes: "sk-" in "task-42-fix", custom
 * patterns), at least 8 bytes mixing digits and both cases; after a
 * distinctive one ("sk-ant-", "AKIA", "ghp_", "xoxb-"), at least 5 bytes
 * with two of digits, capitals and small letters, or 8 digits, or 10
 * capitals. "sk-based", "sk-42-fix-l", "-----BEGIN RSA" (a header named
 * in text) do not; "sk-ant-api03", "AKIAIOSF", "xoxb-23456789" do.
 */
static bool looks_random(const uint8_t *p, size_t a, size_t b, bool common_prefix)
{
	size_t digits = 0, upper = 0, lower = 0;
	for (size_t i = a; i < b; i++) {
		if (!token_byte(p[i]))
			return false;
		digits += p[i] >= '0' && p[i] <= '9';
		upper += p[i] >= 'A' && p[i] <= 'Z';
		lower += p[i] >= 'a' && p[i] <= 'z';
	}
	if (common_prefix)
		return b >= a + 8 && digits && upper && lower;
	return b >= a + MASK_RANDOM_MIN &&
	       ((!!digits + !!upper + !!lower) >= 2 || digits >= 8 || upper >= 10);
}

/* A partial @h at @c..@end worth masking when released: see looks_random(). */
static bool distinctive(const struct mask_stream *s, const struct hit *h, size_t c, size_t end)
{
	const uint8_t *p = s->buf;
	if (end - c < MASK_PARTIAL_MIN)
		return false;
	if (literal_hit(s->set, h)) {
		/*
		 * A denied value's first bytes: 8 with letters and digits, or 12
		 * ("https://" alone, the start of many values and of ordinary
		 * URLs, is not enough).
		 */
		bool letter = false, digit = false;
		for (size_t i = c; i < end; i++) {
			letter |= (p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z';
			digit |= p[i] >= '0' && p[i] <= '9';
		}
		return (letter && digit) || end - c >= 12;
	}
	size_t a = c + h->show_prefix < end ? c + h->show_prefix : end;
	return looks_random(p, a, end, h->show_prefix < 4);
}

/*
 * Where in the bytes @s->buf[@from, @end) about to be let out a secret may
 * still be arriving, to keep that much as context (returns its length, 0:
 * none): the first position in the last MASK_REL_MAX bytes where a match
 * could go on past @end, whose bytes after its shown prefix are one token
 * (or that is the beginning of a denied value).
 * Not a partial that runs over text (a PEM header named in a sentence
 * could go on forever): the key written after it, in the same bytes, is
 * the one to keep.
 */
static size_t live_partial(struct mask_stream *s, size_t from, size_t end)
{
	struct hit h = { 0 };
	size_t c = end - from > MASK_REL_MAX ? end - MASK_REL_MAX : from;
	while ((c = next_candidate(s->set, s->buf, c, end, end)) < end) {
		if (partial_owner(s, s->buf, c, end, &h) && one_line(s->buf, c, end)) {
			/* A denied value's exact bytes may hold spaces; a pattern's token may not. */
			size_t i = c + h.show_prefix < end ? c + h.show_prefix : end;
			while (i < end && token_byte(s->buf[i]))
				i++;
			if (i == end || literal_hit(s->set, &h))
				return end - c;
		}
		c++;
	}
	return 0;
}

/* Occurrences masked so far, all patterns. */
static uint64_t total_count(const struct mask_stream *s)
{
	uint64_t n = 0;
	for (size_t i = 0; i < s->set->npatterns; i++)
		n += s->counts[i];
	return n;
}

/*
 * Emit @s->buf[@from, @end) now, no partial left: complete matches masked
 * (those running to @end are followed into later writes), a partial at its
 * end masked when it already looks like a secret (distinctive()), else let
 * out as it is and, when short, kept where a match may still begin.
 */
static int release_from(struct mask_stream *s, size_t from, size_t end, mask_emit_fn emit,
			void *ctx)
{
	struct hit h = { 0 };
	size_t stop, c;
	int r;

	for (;;) {
		s->partial_at = end;
		if ((r = scan(s, s->buf, from, end, end, true, emit, ctx, &stop)) < 0)
			return r;
		if (stop >= end)
			return 0;
		c = s->partial_at < end ? s->partial_at : stop;
		if ((r = emit_bytes(emit, ctx, s->buf + stop, c - stop)) < 0)
			return r;
		/* Complete already (it could only go on): masked, and followed. */
		if (probe(s, s->buf, c, end, false, &h) != PROBE_MATCH)
			break;
		if ((r = emit_mask(emit, ctx, s->buf + c, &h)) < 0)
			return r;
		s->counts[h.pattern]++;
		if (h.end == end) {
			cont_start(s, &h, s->buf, c, end);
			return 0;
		}
		from = h.end;
	}
	if (partial_owner(s, s->buf, c, end, &h) && one_line(s->buf, c, end) &&
	    distinctive(s, &h, c, end)) {
		if ((r = emit_mask(emit, ctx, s->buf + c, &h)) < 0)
			return r;
		s->counts[h.pattern]++;
		cont_start(s, &h, s->buf, c, end);
		return 0;
	}
	/* Let out as it is, complete matches after it still masked. */
	uint64_t before = total_count(s);
	if ((r = scan(s, s->buf, c, end, end, false, emit, ctx, &stop)) < 0)
		return r;
	if (total_count(s) == before)
		s->rel = live_partial(s, c, end);
	return 0;
}

/* The release and the final flush: everything held goes out now. */
static int release_held(struct mask_stream *s, mask_emit_fn emit, void *ctx)
{
	size_t end = s->ctx + s->held, from = s->ctx, stop;
	struct hit h = { 0 };
	int r;

	/* Nothing held: a secret being dropped (s->cont) goes on being dropped. */
	if (!s->held)
		return 0;
	if (s->rel) {
		/* A partial let out before goes on into the held bytes? */
		size_t c = s->ctx - s->rel;
		s->rel = 0;
		if (probe(s, s->buf, c, end, false, &h) == PROBE_MATCH && h.end > s->ctx) {
			if ((r = emit_tail_mask(s, emit, ctx, &h, c)) < 0)
				return r;
			if (h.end == end)
				cont_start(s, &h, s->buf, c, end);
			else if ((r = release_from(s, h.end, end, emit, ctx)) < 0)
				return r;
			keep_held(s, end, end);
			return 0;
		}
		bool live = partial_owner(s, s->buf, c, end, &h) && one_line(s->buf, c, end);
		if (live && distinctive(s, &h, c, end)) {
			h.end = end;
			if ((r = emit_tail_mask(s, emit, ctx, &h, c)) < 0)
				return r;
			cont_start(s, &h, s->buf, c, end);
			keep_held(s, end, end);
			return 0;
		}
		if (live && end - c <= MASK_REL_MAX) {
			/*
			 * Still only a beginning: out as it is (complete matches in
			 * it masked), and still where a match may begin when none
			 * was.
			 */
			uint64_t before = total_count(s);
			if ((r = scan(s, s->buf, s->ctx, end, end, false, emit, ctx, &stop)) < 0)
				return r;
			if (total_count(s) == before)
				s->rel = live_partial(s, c, end);
			keep_held(s, end, end);
			return 0;
		}
	}
	if ((r = release_from(s, from, end, emit, ctx)) < 0)
		return r;
	keep_held(s, end, end);
	return 0;
}

int mask_stream_release(struct mask_stream *s, mask_emit_fn emit, void *ctx)
{
	int r = release_held(s, emit, ctx);
	return r < 0 ? stream_fail(s, r) : 0;
}

int mask_stream_flush(struct mask_stream *s, mask_emit_fn emit, void *ctx)
{
	int r = release_held(s, emit, ctx);
	/* The end: nothing more comes to continue a secret or begin one. */
	s->rel = 0;
	s->ctx = 0;
	s->cont.on = false;
	return r < 0 ? stream_fail(s, r) : 0;
}

uint64_t mask_stream_hold_id(const struct mask_stream *s)
{
	return s->hold_id;
}

struct grow {
	char *buf;
	size_t len, cap;
};

static int grow_emit(void *ctx, const uint8_t *data, size_t len)
{
	struct grow *g = ctx;
	if (g->len + len + 1 > g->cap) {
		size_t cap = (g->len + len + 1) * 2;
		char *buf = realloc(g->buf, cap);
		if (!buf)
			return -ENOMEM;
		g->buf = buf;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, data, len);
	g->len += len;
	g->buf[g->len] = '\0';
	return 0;
}

char *mask_string(const struct mask_set *set, const char *s)
{
	struct mask_stream *ms = mask_stream_new(set);
	struct grow g = { .buf = malloc(1), .cap = 1 };
	int r = ms && g.buf ? 0 : -ENOMEM;
	if (g.buf)
		g.buf[0] = '\0';
	if (r == 0)
		r = mask_stream_feed(ms, (const uint8_t *)s, strlen(s), grow_emit, &g);
	if (r == 0)
		r = mask_stream_flush(ms, grow_emit, &g);
	mask_stream_free(ms);
	if (r < 0) {
		free(g.buf);
		return NULL;
	}
	return g.buf;
}
