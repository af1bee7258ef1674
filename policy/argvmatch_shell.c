/* SPDX-License-Identifier: MIT */
/*
 * argvmatch_shell.c — split a `sh -c` string into the simple commands it
 * would run, so that `sh -c "cd /tmp && kubectl delete x"` is judged like
 * `kubectl delete x`. No allocation: words go into the caller's scratch.
 *
 * Understood:
 *   - words: '...' literal; "..." where backslash escapes only $ ` " \ and
 *     newline; $'...' with C escapes (\n, \x41, \101, \u00e9, \cA, ...);
 *     $"..." as "..."; backslash outside quotes; backslash-newline joins.
 *   - separators ; & && | || |& ;; newline ( ) and the start and end of
 *     $( ... ), ` ... `, <( ... ), >( ... ): the text inside a substitution
 *     is commands too, also inside double quotes. A word holding a
 *     substitution keeps its text before it plus "$" ("--context=$") and
 *     drops the rest, since its value is unknown.
 *   - redirections are removed with their target: >f >>f <f 2>&1 &>f &>>f
 *     N>f <>f >|f <<<w <<EOF {fd}>f, attached or as a separate word.
 *   - leading NAME=value assignments, the reserved words if then else elif
 *     fi do done while until esac ! { } coproc, a "for/select ... do" header,
 *     "function NAME", and a "case ... in PATTERN)" head are skipped.
 *   - "#" at the start of a word comments out the rest of the line.
 *
 * Not understood (the supervisor still sees each real execve()):
 *   - expansions: $VAR and ${...} are kept as literal text, so `$K delete`
 *     or `${K:-kubectl} delete` hide the command; ${...} with blanks or
 *     operators inside is split as if unquoted.
 *   - brace expansion ({kubectl,delete}), globs, aliases, `trap` and
 *     `source` strings, commands read from stdin or files.
 *   - over-matches rather than misses: here-document bodies and case
 *     patterns are read as commands ("kubectl)" reads as kubectl), so is
 *     $((1 + 2)); reserved words are recognised even when quoted.
 *   - "case" is recognised only at the start of a command; backquotes nest
 *     one level (\`...\`) only.
 *   - a simple command keeps at most ARGVMATCH_SHELL_MAX_WORDS words, and
 *     substitutions nest at most ARGVMATCH_SHELL_MAX_NEST deep; past either,
 *     scratch->incomplete is set.
 */
#include <string.h>

#include "policy/argvmatch_internal.h"
#include "policy/util.h"

enum frame_kind {
	FRAME_TOP,	/* the string itself */
	FRAME_PAREN,	/* ( ), $( ), <( ), >( ): ends at ')' */
	FRAME_BACKTICK, /* ` `: ends at the next unescaped '`', quoted or not */
	FRAME_NESTED,	/* \` \` inside ` `: a nested substitution, one level only */
};

enum quote_state {
	QUOTE_NONE,
	QUOTE_SINGLE,
	QUOTE_DOUBLE,
	QUOTE_ANSI, /* $'...' */
};

/* One command context: the string, or a substitution being parsed. */
struct frame {
	enum frame_kind kind;
	enum quote_state quote;
	bool in_word;	/* a word is open */
	bool frozen;	/* it held a substitution: its text is final */
	bool fd_digits; /* it is unquoted digits so far: the "2" of "2>f" */
	bool skip_word; /* the next word is a redirection target */
	size_t word;	/* offset of the open word in scratch->buf */
	size_t base;	/* this frame's words: pool[base .. base + n) */
	size_t n;
	unsigned cases; /* open `case` commands: their ')' ends a pattern */
};

struct splitter {
	struct argvmatch_scratch *scratch;
	void (*emit)(void *ctx, const char *const *words, size_t n);
	void *ctx;
	struct frame frames[ARGVMATCH_SHELL_MAX_NEST];
	size_t nframes;
	/* Word pointers of all open frames, a stack: inner frames above outer ones. */
	const char *pool[ARGVMATCH_SHELL_MAX_WORDS];
	size_t npool;
	bool stop;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c);
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void overflow(struct splitter *sp)
{
	sp->scratch->incomplete = true;
	sp->stop = true;
}

static struct frame *top(struct splitter *sp)
{
	return &sp->frames[sp->nframes - 1];
}

static void open_word(struct splitter *sp, struct frame *f)
{
	if (f->in_word)
		return;
	f->in_word = true;
	f->frozen = false;
	f->fd_digits = true;
	f->word = sp->scratch->used;
}

/* Append one byte to the open word; one byte is always left for its NUL. */
static void put(struct splitter *sp, struct frame *f, char c)
{
	struct argvmatch_scratch *sc = sp->scratch;

	open_word(sp, f);
	if (!is_digit(c))
		f->fd_digits = false;
	if (f->frozen || sp->stop)
		return;
	if (sc->used + 1 >= sizeof(sc->buf)) {
		overflow(sp);
		return;
	}
	sc->buf[sc->used++] = c;
}

static bool terminate(struct splitter *sp)
{
	struct argvmatch_scratch *sc = sp->scratch;

	if (sp->stop || sc->used >= sizeof(sc->buf)) {
		overflow(sp);
		return false;
	}
	sc->buf[sc->used++] = '\0';
	return true;
}

static void end_word(struct splitter *sp, struct frame *f)
{
	bool frozen = f->frozen;

	if (!f->in_word || sp->stop)
		return;
	f->in_word = false;
	f->frozen = false;
	if (!frozen && !terminate(sp))
		return;
	if (f->skip_word) {
		f->skip_word = false;
		/* Nothing was written after an unfrozen word: reuse its bytes. */
		if (!frozen)
			sp->scratch->used = f->word;
		return;
	}
	if (sp->npool >= ARGVMATCH_SHELL_MAX_WORDS) {
		/* Keep the first words: the command name and subcommand come first. */
		sp->scratch->incomplete = true;
		return;
	}
	sp->pool[sp->npool++] = sp->scratch->buf + f->word;
	f->n++;
}

/* A word that shell would discard: the redirection fd of "2>f" or "{fd}>f". */
static void drop_word(struct splitter *sp, struct frame *f)
{
	f->in_word = false;
	f->frozen = false;
	sp->scratch->used = f->word;
}

static bool is_assignment(const char *w)
{
	if (!is_name_start(*w))
		return false;
	while (is_name_char(*w))
		w++;
	if (*w == '[') { /* bash array element: a[1]=x */
		w = strchr(w, ']');
		if (!w)
			return false;
		w++;
	}
	if (*w == '+') /* a+=x */
		w++;
	return *w == '=';
}

static bool is_reserved(const char *w)
{
	static const char *const words[] = {
		"if",	 "then",  "else", "elif", "fi", "do", "done",
		"while", "until", "esac", "!",	  "{",	"}",  "coproc",
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

/*
 * Index of the command name in a simple command's words. Skipping too much
 * could hide a command, so each rule mirrors what the shell does:
 * `FOO=1 kubectl` runs kubectl, `if kubectl` runs kubectl, while the words of
 * a for header and a case head are data. "time" is not skipped here: the
 * wrapper table handles both bash's `time -p` and /usr/bin/time options.
 */
static size_t command_start(struct frame *f, const char *const *w, size_t n)
{
	size_t i = 0;

	while (i < n) {
		if (is_reserved(w[i]) || is_assignment(w[i])) {
			if (strcmp(w[i], "esac") == 0 && f->cases > 0)
				f->cases--;
			i++;
		} else if (strcmp(w[i], "for") == 0 || strcmp(w[i], "select") == 0) {
			/* `for x in a b; do cmd` arrives as [for x in a b], [do cmd]. */
			while (i < n && strcmp(w[i], "do") != 0)
				i++;
		} else if (strcmp(w[i], "function") == 0) {
			i += 2; /* `function NAME { cmd; }`: the body follows */
		} else if (strcmp(w[i], "case") == 0) {
			/*
			 * `case WORD in PATTERN)`: no command here, and until
			 * esac a ')' ends a pattern: if it closed the $( around
			 * the case, the commands after it would be read as
			 * arguments of the command outside.
			 */
			f->cases++;
			return n;
		} else {
			break;
		}
	}
	return i < n ? i : n;
}

static void end_command(struct splitter *sp, struct frame *f)
{
	size_t start;

	end_word(sp, f);
	if (sp->stop)
		return;
	start = command_start(f, &sp->pool[f->base], f->n);
	if (start < f->n)
		sp->emit(sp->ctx, &sp->pool[f->base + start], f->n - start);
	sp->npool = f->base;
	f->n = 0;
	/* A dangling "2>" cannot swallow the next command's name. */
	f->skip_word = false;
}

static void push(struct splitter *sp, enum frame_kind kind)
{
	struct frame *f;

	if (sp->nframes >= ARGVMATCH_SHELL_MAX_NEST) {
		overflow(sp);
		return;
	}
	f = &sp->frames[sp->nframes++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->base = sp->npool;
}

static void pop(struct splitter *sp)
{
	end_command(sp, top(sp));
	if (sp->nframes > 1)
		sp->nframes--;
}

/*
 * $( ` <( >( start commands inside the current word. The word keeps its text
 * so far plus "$" and is frozen: "-n$(x)" stays an attached option value
 * rather than becoming "-n", which would swallow the next word.
 */
static void substitution(struct splitter *sp, struct frame *f, enum frame_kind kind)
{
	if (!f->frozen) {
		put(sp, f, '$');
		if (sp->stop || !terminate(sp))
			return;
		f->frozen = true;
	}
	f->fd_digits = false;
	push(sp, kind);
}

/* After '<' or '>' (s points at it): skip the operator, drop the target word. */
static const char *redirection(struct splitter *sp, struct frame *f, const char *s)
{
	const char *w = sp->scratch->buf + f->word;
	size_t len = f->in_word ? sp->scratch->used - f->word : 0;

	if (s[1] == '(') { /* <(cmd) >(cmd): process substitution, a word */
		end_word(sp, f);
		substitution(sp, f, FRAME_PAREN);
		return s + 2;
	}
	/* "2>f", "{fd}>f": the word before the operator is its fd, not an argument. */
	if (f->in_word && !f->frozen &&
	    (f->fd_digits || (len >= 3 && w[0] == '{' && w[len - 1] == '}')))
		drop_word(sp, f);
	else
		end_word(sp, f);
	if (*s++ == '>') {
		if (*s == '>' || *s == '|' || *s == '&')
			s++;
	} else if (*s == '<') {
		s++;
		if (*s == '<' || *s == '-')
			s++;
	} else if (*s == '&' || *s == '>') {
		s++;
	}
	f->skip_word = true;
	return s;
}

/* One $'...' escape (s points after the backslash); returns the next byte. */
static const char *ansi_escape(struct splitter *sp, struct frame *f, const char *s)
{
	static const char simple[] = "a\ab\be\033E\033f\fn\nr\rt\tv\v";
	unsigned long v = 0;
	int i, d;

	for (i = 0; simple[i]; i += 2) {
		if (*s == simple[i]) {
			put(sp, f, simple[i + 1]);
			return s + 1;
		}
	}
	if (*s >= '0' && *s <= '7') {
		for (i = 0; i < 3 && *s >= '0' && *s <= '7'; i++)
			v = v * 8 + (unsigned long)(*s++ - '0');
		put(sp, f, (char)v);
		return s;
	}
	if (*s == 'c' && s[1]) {
		put(sp, f, (char)(s[1] & 0x1f));
		return s + 2;
	}
	if (*s == 'x' || *s == 'u' || *s == 'U') {
		int max = *s == 'x' ? 2 : *s == 'u' ? 4 : 8;
		char kind = *s++;

		for (i = 0; i < max && (d = hex_value(*s)) >= 0; i++, s++)
			v = v * 16 + (unsigned long)d;
		if (i == 0) {
			put(sp, f, '\\');
			put(sp, f, kind);
		} else if (kind == 'x' || v < 0x80) {
			put(sp, f, (char)v);
		} else if (v < 0x800) { /* UTF-8, as bash writes it */
			put(sp, f, (char)(0xc0 | (v >> 6)));
			put(sp, f, (char)(0x80 | (v & 0x3f)));
		} else if (v < 0x10000) {
			put(sp, f, (char)(0xe0 | (v >> 12)));
			put(sp, f, (char)(0x80 | ((v >> 6) & 0x3f)));
			put(sp, f, (char)(0x80 | (v & 0x3f)));
		} else {
			put(sp, f, (char)(0xf0 | ((v >> 18) & 0x07)));
			put(sp, f, (char)(0x80 | ((v >> 12) & 0x3f)));
			put(sp, f, (char)(0x80 | ((v >> 6) & 0x3f)));
			put(sp, f, (char)(0x80 | (v & 0x3f)));
		}
		return s;
	}
	if (*s == '\\' || *s == '\'' || *s == '"' || *s == '?') {
		put(sp, f, *s);
		return s + 1;
	}
	put(sp, f, '\\');
	return s;
}

/*
 * Inside ` `, the shell first turns \` into ` and parses the result, so
 * "echo `echo \`cmd\``" runs cmd: \` opens a nested substitution, and closes
 * it again. Deeper levels (\\\`) are not followed.
 */
static bool nested_backtick(struct splitter *sp, struct frame *f)
{
	if (f->kind == FRAME_NESTED) {
		pop(sp);
		return true;
	}
	if (f->kind == FRAME_BACKTICK) {
		substitution(sp, f, FRAME_NESTED);
		return true;
	}
	return false;
}

/* Inside '...' or $'...'. */
static const char *step_single(struct splitter *sp, struct frame *f, const char *s)
{
	if (*s == '`' && (f->kind == FRAME_BACKTICK || f->kind == FRAME_NESTED)) {
		/* The shell finds the closing backquote before it looks at quotes. */
		pop(sp);
		return s + 1;
	}
	if (*s == '\'') {
		f->quote = QUOTE_NONE;
		return s + 1;
	}
	if (*s == '\\' && f->quote == QUOTE_ANSI && s[1])
		return ansi_escape(sp, f, s + 1);
	put(sp, f, *s);
	return s + 1;
}

/* Inside "...": only $( and ` are special besides the escapes and the quote. */
static const char *step_double(struct splitter *sp, struct frame *f, const char *s)
{
	switch (*s) {
	case '"':
		f->quote = QUOTE_NONE;
		return s + 1;
	case '\\':
		if (s[1] == '\n')
			return s + 2;
		if (s[1] == '`' && nested_backtick(sp, f))
			return s + 2;
		if (s[1] == '$' || s[1] == '`' || s[1] == '"' || s[1] == '\\') {
			put(sp, f, s[1]);
			return s + 2;
		}
		put(sp, f, '\\');
		return s + 1;
	case '$':
		if (s[1] == '(') {
			substitution(sp, f, FRAME_PAREN);
			return s + 2;
		}
		break;
	case '`':
		if (f->kind == FRAME_BACKTICK || f->kind == FRAME_NESTED)
			pop(sp);
		else
			substitution(sp, f, FRAME_BACKTICK);
		return s + 1;
	default:
		break;
	}
	put(sp, f, *s);
	return s + 1;
}

static const char *step_plain(struct splitter *sp, struct frame *f, const char *s)
{
	switch (*s) {
	case ' ':
	case '\t':
		end_word(sp, f);
		return s + 1;
	case '&':
		if (s[1] == '>') { /* &>f, &>>f */
			end_word(sp, f);
			return redirection(sp, f, s + 1);
		}
		end_command(sp, f);
		return s + 1;
	case '\n':
	case ';':
	case '|':
		end_command(sp, f);
		return s + 1;
	case '(':
		end_command(sp, f);
		push(sp, FRAME_PAREN);
		return s + 1;
	case ')':
		end_command(sp, f); /* first: an "esac" before ')' closes its case */
		if (f->kind == FRAME_PAREN && f->cases == 0)
			pop(sp);
		return s + 1;
	case '<':
	case '>':
		return redirection(sp, f, s);
	case '\'':
	case '"':
		open_word(sp, f);
		f->fd_digits = false;
		f->quote = *s == '"' ? QUOTE_DOUBLE : QUOTE_SINGLE;
		return s + 1;
	case '$':
		if (s[1] == '(') {
			substitution(sp, f, FRAME_PAREN);
			return s + 2;
		}
		if (s[1] == '\'' || s[1] == '"') {
			open_word(sp, f);
			f->fd_digits = false;
			f->quote = s[1] == '"' ? QUOTE_DOUBLE : QUOTE_ANSI;
			return s + 2;
		}
		break;
	case '`':
		if (f->kind == FRAME_BACKTICK || f->kind == FRAME_NESTED)
			pop(sp);
		else
			substitution(sp, f, FRAME_BACKTICK);
		return s + 1;
	case '\\':
		if (s[1] == '\n')
			return s + 2;
		if (s[1] == '`' && nested_backtick(sp, f))
			return s + 2;
		if (s[1]) {
			put(sp, f, s[1]);
			f->fd_digits = false;
			return s + 2;
		}
		break;
	case '#':
		if (f->in_word)
			break;
		while (*s && *s != '\n' &&
		       !(*s == '`' && (f->kind == FRAME_BACKTICK || f->kind == FRAME_NESTED)))
			s++;
		return s;
	default:
		break;
	}
	put(sp, f, *s);
	return s + 1;
}

void argvmatch_shell_split(const char *str, struct argvmatch_scratch *scratch,
			   void (*emit)(void *ctx, const char *const *words, size_t n), void *ctx)
{
	struct splitter sp;
	const char *s = str;

	memset(&sp, 0, sizeof(sp));
	sp.scratch = scratch;
	sp.emit = emit;
	sp.ctx = ctx;
	sp.nframes = 1;
	sp.frames[0].kind = FRAME_TOP;

	while (*s && !sp.stop) {
		struct frame *f = top(&sp);

		if (f->quote == QUOTE_SINGLE || f->quote == QUOTE_ANSI)
			s = step_single(&sp, f, s);
		else if (f->quote == QUOTE_DOUBLE)
			s = step_double(&sp, f, s);
		else
			s = step_plain(&sp, f, s);
	}
	/*
	 * An unterminated quote or substitution is a syntax error and runs
	 * nothing, but emitting what was seen errs on the side of matching.
	 */
	while (!sp.stop && sp.nframes > 0) {
		end_command(&sp, top(&sp));
		sp.nframes--;
	}
}

size_t argvmatch_shell_words(const char *str, struct argvmatch_scratch *scratch, const char **words,
			     size_t max)
{
	struct argvmatch_scratch *sc = scratch;
	const char *s = str;
	size_t n = 0;

	for (;;) {
		size_t start = sc->used;
		char quote = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#') /* env -S: '#' starts a comment */
			return n;
		if (n >= max)
			break;
		while (*s && (quote || (*s != ' ' && *s != '\t' && *s != '\n'))) {
			char c = *s++;

			if (quote == 0 && (c == '\'' || c == '"')) {
				quote = c;
				continue;
			}
			if (quote && c == quote) {
				quote = 0;
				continue;
			}
			if (c == '\\' && *s &&
			    (quote == 0 || (quote == '"' && strchr("$`\"\\\n", *s))))
				c = *s++;
			if (sc->used + 1 >= sizeof(sc->buf))
				goto full;
			sc->buf[sc->used++] = c;
		}
		if (sc->used >= sizeof(sc->buf))
			goto full;
		sc->buf[sc->used++] = '\0';
		words[n++] = sc->buf + start;
		continue;
	full:
		sc->used = start; /* drop the partial word */
		break;
	}
	sc->incomplete = true;
	return n;
}
