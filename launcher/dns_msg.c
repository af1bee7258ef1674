/* SPDX-License-Identifier: MIT */
/*
 * dns_msg.c — see dns_msg.h. Names travel as text in lower case; a label
 * with a byte outside [A-Za-z0-9_-] would print ambiguously (the one-label
 * "a.b" and the two-label a.b print alike), so such a name is refused in a
 * query and never matches in an answer. Compression pointers are followed
 * only to a position before the part of the name being read, which alone
 * makes every walk finite; the 32-jump cap and the 255-byte wire limit
 * bound the work besides.
 */
#include <errno.h>
#include <string.h>

#include "launcher/dns_msg.h"

#define DNS_HEADER_LEN	  12
#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 3.1: the name's octets, length bytes included */
#define DNS_PTR_MAX	  32
#define DNS_CHAIN_MAX	  8 /* CNAME links followed */
#define DNS_TYPE_OPT	  41

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool label_byte_ok(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/*
 * Read the name at @off of @msg into @text (DNS_NAME_MAX + 1 bytes: lower
 * case, no trailing dot, "" for the root). @ret_next: the offset after the
 * name where it starts (after its first pointer, if any). @ret_printable:
 * false if a label holds a byte outside label_byte_ok() (the text is then
 * not to be compared). With !@allow_ptr, a pointer is an error.
 */
static int read_name(const uint8_t *msg, size_t len, size_t off, bool allow_ptr, char *text,
		     size_t *ret_next, bool *ret_printable)
{
	size_t pos = off, seg_start = off, next = 0, tlen = 0, wire = 0;
	unsigned jumps = 0;
	bool printable = true;

	for (;;) {
		if (pos >= len)
			return -EBADMSG;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (!allow_ptr || pos + 1 >= len || ++jumps > DNS_PTR_MAX)
				return -EBADMSG;
			size_t target = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			/*
			 * Only backwards, before where this stretch of the name
			 * began: a pointer into the name itself would loop.
			 */
			if (target < DNS_HEADER_LEN || target >= seg_start)
				return -EBADMSG;
			if (!next)
				next = pos + 2;
			pos = seg_start = target;
			continue;
		}
		if (c & 0xc0) /* 0x40, 0x80: extended label types, obsolete */
			return -EBADMSG;
		wire += 1 + (size_t)c;
		if (wire > DNS_WIRE_NAME_MAX)
			return -EBADMSG;
		if (c == 0)
			break;
		if (c > len - pos - 1)
			return -EBADMSG;
		if (tlen)
			text[tlen++] = '.';
		for (size_t i = 0; i < c; i++) {
			uint8_t b = msg[pos + 1 + i];
			if (!label_byte_ok(b))
				printable = false;
			text[tlen++] = lower((char)b);
		}
		pos += 1 + (size_t)c;
	}
	/* wire <= 255 leaves at most 253 bytes of text. */
	text[tlen] = '\0';
	*ret_next = next ? next : pos + 1;
	*ret_printable = printable;
	return 0;
}

/*
 * Write @name (text, an optional trailing dot) in wire form to @out.
 * Returns the length, or 0: a bad name (an empty or long label, a byte
 * outside label_byte_ok(), longer than DNS_NAME_MAX) or no room.
 */
static size_t write_name(const char *name, uint8_t *out, size_t outsz)
{
	size_t n = strnlen(name, DNS_NAME_MAX + 2), o = 0;

	/* "." is the root; one trailing dot is allowed, as in a fully qualified name. */
	if (n && name[n - 1] == '.')
		n--;
	if (n > DNS_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n;) {
		size_t l = 0;
		while (i + l < n && name[i + l] != '.')
			l++;
		/* Empty labels (".a", "a..b", "a..") and long ones have no wire form. */
		if (l == 0 || l > 63 || l + 1 >= outsz - o)
			return 0;
		out[o++] = (uint8_t)l;
		for (size_t k = 0; k < l; k++) {
			if (!label_byte_ok((uint8_t)name[i + k]))
				return 0;
			out[o++] = (uint8_t)lower(name[i + k]);
		}
		i += l;
		if (i < n && ++i == n)
			return 0;
	}
	if (o >= outsz)
		return 0;
	out[o++] = 0;
	return o;
}

struct writer {
	uint8_t *out;
	size_t size, len;
	bool overflow;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->size - w->len) {
		w->overflow = true;
		return;
	}
	memcpy(w->out + w->len, p, n);
	w->len += n;
}

static void put16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 2);
}

static void put32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 4);
}

static void put_name(struct writer *w, const char *name)
{
	if (w->overflow)
		return;
	size_t n = write_name(name, w->out + w->len, w->size - w->len);
	if (!n)
		w->overflow = true;
	w->len += n;
}

int dns_parse_query(const uint8_t *msg, size_t len, struct dns_query *ret)
{
	struct dns_query q = { 0 };
	size_t off;
	bool printable;
	int r;

	if (len < DNS_HEADER_LEN || len > DNS_MSG_MAX)
		return -EBADMSG;
	uint16_t flags = get16(msg + 2);
	/* A response sent to the stub is never answered: two stubs would loop. */
	if (flags & DNS_FLAG_QR)
		return -EBADMSG;
	if (get16(msg + 4) != 1)
		return -EBADMSG;
	q.id = get16(msg);
	q.rd = flags & DNS_FLAG_RD;
	q.opcode = (uint8_t)((flags >> 11) & 0xf);
	r = read_name(msg, len, DNS_HEADER_LEN, false, q.name, &off, &printable);
	if (r < 0)
		return r;
	if (!printable || len - off < 4)
		return -EBADMSG;
	q.qtype = get16(msg + off);
	q.qclass = get16(msg + off + 2);
	off += 4;
	if (q.opcode != 0) {
		/* IQUERY, STATUS, NOTIFY, UPDATE: @q is what the NOTIMP answer echoes. */
		*ret = q;
		return -EOPNOTSUPP;
	}

	uint16_t ancount = get16(msg + 6), nscount = get16(msg + 8), arcount = get16(msg + 10);
	if (ancount || nscount || arcount > 1)
		return -EBADMSG;
	if (arcount) {
		/* EDNS(0) OPT (RFC 6891): the root name, type 41, its RDATA within the message. */
		if (len - off < 11 || msg[off] != 0 || get16(msg + off + 1) != DNS_TYPE_OPT)
			return -EBADMSG;
		size_t rdlen = get16(msg + off + 9);
		off += 11;
		if (rdlen > len - off)
			return -EBADMSG;
		off += rdlen;
	}
	if (off != len)
		return -EBADMSG;
	*ret = q;
	return 0;
}

size_t dns_build_reply(const struct dns_query *q, int rcode, const struct net_ip *addrs,
		       size_t naddrs, uint32_t ttl, uint8_t *out, size_t outsz)
{
	struct writer w = { .out = out, .size = outsz };
	int family = q->qtype == DNS_TYPE_A ? AF_INET : q->qtype == DNS_TYPE_AAAA ? AF_INET6 : 0;
	size_t n = 0;

	if (rcode == DNS_RCODE_NOERROR && family)
		for (size_t i = 0; i < naddrs; i++)
			n += addrs[i].family == family;
	/* Only records that fit a message of DNS_MSG_MAX can be counted in 16 bits. */
	if (n > 0xffff)
		return 0;
	/* RFC 2181 8: a TTL above 2^31 - 1 is read as 0; never send one. */
	if (ttl > 0x7fffffff)
		ttl = 0x7fffffff;

	put16(&w, q->id);
	put16(&w, (uint16_t)(DNS_FLAG_QR | (q->opcode & 0xf) << 11 | (q->rd ? DNS_FLAG_RD : 0) |
			     DNS_FLAG_RA | ((unsigned)rcode & 0xf)));
	put16(&w, 1);
	put16(&w, (uint16_t)n);
	put16(&w, 0);
	put16(&w, 0);
	put_name(&w, q->name);
	put16(&w, q->qtype);
	put16(&w, q->qclass);
	for (size_t i = 0; n && i < naddrs; i++) {
		if (addrs[i].family != family)
			continue;
		size_t alen = family == AF_INET ? 4 : 16;
		put16(&w, 0xc000 | DNS_HEADER_LEN); /* the owner: the question's name */
		put16(&w, q->qtype);
		put16(&w, DNS_CLASS_IN);
		put32(&w, ttl);
		put16(&w, (uint16_t)alen);
		put(&w, addrs[i].a, alen);
	}
	return w.overflow ? 0 : w.len;
}

size_t dns_build_query(uint16_t id, const char *name, uint16_t qtype, uint8_t *out, size_t outsz)
{
	struct writer w = { .out = out, .size = outsz };

	put16(&w, id);
	put16(&w, DNS_FLAG_RD);
	put16(&w, 1);
	put16(&w, 0);
	put16(&w, 0);
	put16(&w, 0);
	put_name(&w, name);
	put16(&w, qtype);
	put16(&w, DNS_CLASS_IN);
	return w.overflow ? 0 : w.len;
}

/* One resource record of an answer. */
struct dns_rr {
	char owner[DNS_NAME_MAX + 1];
	bool owner_printable;
	uint16_t type, class;
	uint32_t ttl;
	size_t rdata, rdlen; /* offset and length of the RDATA */
};

static int read_rr(const uint8_t *msg, size_t len, size_t *off, struct dns_rr *rr)
{
	size_t pos;
	int r = read_name(msg, len, *off, true, rr->owner, &pos, &rr->owner_printable);
	if (r < 0)
		return r;
	if (len - pos < 10)
		return -EBADMSG;
	rr->type = get16(msg + pos);
	rr->class = get16(msg + pos + 2);
	rr->ttl = get32(msg + pos + 4);
	rr->rdlen = get16(msg + pos + 8);
	rr->rdata = pos + 10;
	if (rr->rdlen > len - rr->rdata)
		return -EBADMSG;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* @name in lower case without a trailing dot into @buf (DNS_NAME_MAX + 1). */
static int normalize_name(const char *name, char *buf)
{
	size_t n = strnlen(name, DNS_NAME_MAX + 2);

	if (n && name[n - 1] == '.')
		n--;
	if (n > DNS_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		buf[i] = lower(name[i]);
	buf[n] = '\0';
	return 0;
}

static uint32_t ttl_min(uint32_t cur, bool *have, uint32_t ttl)
{
	/* RFC 2181 8: a TTL with the top bit set means 0. */
	if (ttl > 0x7fffffff)
		ttl = 0;
	if (!*have || ttl < cur) {
		*have = true;
		return ttl;
	}
	return cur;
}

int dns_parse_answer(const uint8_t *msg, size_t len, uint16_t id, const char *name, uint16_t qtype,
		     struct dns_answer *ret)
{
	char chain[DNS_CHAIN_MAX + 1][DNS_NAME_MAX + 1];
	size_t nchain = 1, off, answers;
	struct dns_answer a = { 0 };
	struct dns_rr rr;
	bool printable, have_ttl = false;
	int r;

	if (normalize_name(name, chain[0]) < 0)
		return -EINVAL;
	if (len < DNS_HEADER_LEN || len > DNS_MSG_MAX)
		return -EBADMSG;
	uint16_t flags = get16(msg + 2);
	if (!(flags & DNS_FLAG_QR) || ((flags >> 11) & 0xf) != 0 || get16(msg) != id)
		return -EBADMSG;
	a.rcode = flags & 0xf;
	a.truncated = flags & DNS_FLAG_TC;

	/* The question must be ours: an answer to another question is no answer. */
	if (get16(msg + 4) != 1)
		return -EBADMSG;
	r = read_name(msg, len, DNS_HEADER_LEN, true, rr.owner, &off, &printable);
	if (r < 0)
		return r;
	if (len - off < 4)
		return -EBADMSG;
	if (!printable || strcmp(rr.owner, chain[0]) || get16(msg + off) != qtype ||
	    get16(msg + off + 2) != DNS_CLASS_IN)
		return -EBADMSG;
	off += 4;
	answers = off;

	/* Check the whole answer section once, so the walks below cannot fail. */
	uint16_t ancount = get16(msg + 6);
	for (size_t i = 0, pos = answers; i < ancount; i++) {
		r = read_rr(msg, len, &pos, &rr);
		if (r < 0)
			return r;
		if (rr.class != DNS_CLASS_IN || !rr.owner_printable)
			continue;
		if ((rr.type == DNS_TYPE_A && rr.rdlen != 4) ||
		    (rr.type == DNS_TYPE_AAAA && rr.rdlen != 16))
			return -EBADMSG;
		if (rr.type == DNS_TYPE_CNAME) {
			char target[DNS_NAME_MAX + 1];
			size_t end;
			r = read_name(msg, len, rr.rdata, true, target, &end, &printable);
			if (r < 0)
				return r;
			if (end != rr.rdata + rr.rdlen)
				return -EBADMSG;
		}
	}

	/* Follow the CNAME chain from @name, at most DNS_CHAIN_MAX links, no loops. */
	while (nchain <= DNS_CHAIN_MAX) {
		char target[DNS_NAME_MAX + 1];
		bool found = false;
		uint32_t link_ttl = 0;
		size_t end;

		off = answers;
		for (size_t i = 0; i < ancount && !found; i++) {
			if (read_rr(msg, len, &off, &rr) < 0)
				return -EBADMSG;
			if (rr.type != DNS_TYPE_CNAME || rr.class != DNS_CLASS_IN ||
			    !rr.owner_printable || strcmp(rr.owner, chain[nchain - 1]))
				continue;
			if (read_name(msg, len, rr.rdata, true, target, &end, &printable) < 0)
				return -EBADMSG;
			/* A target we could not print ends the chain: it matches nothing. */
			if (!printable)
				break;
			found = true;
			link_ttl = rr.ttl;
		}
		if (!found)
			break;
		bool loop = false;
		for (size_t k = 0; k < nchain && !loop; k++)
			loop = !strcmp(chain[k], target);
		if (loop)
			break;
		memcpy(chain[nchain++], target, sizeof(target));
		a.ttl = ttl_min(a.ttl, &have_ttl, link_ttl);
	}

	/* The addresses owned by a name of the chain; records of other names are ignored. */
	int family = qtype == DNS_TYPE_A ? AF_INET : qtype == DNS_TYPE_AAAA ? AF_INET6 : 0;
	off = answers;
	for (size_t i = 0; family && i < ancount && a.naddrs < DNS_ANSWERS_MAX; i++) {
		bool ours = false;
		if (read_rr(msg, len, &off, &rr) < 0)
			return -EBADMSG;
		if (rr.type != qtype || rr.class != DNS_CLASS_IN || !rr.owner_printable)
			continue;
		for (size_t k = 0; k < nchain && !ours; k++)
			ours = !strcmp(chain[k], rr.owner);
		if (!ours)
			continue;
		struct net_ip *ip = &a.addrs[a.naddrs++];
		ip->family = family;
		memcpy(ip->a, msg + rr.rdata, rr.rdlen);
		a.ttl = ttl_min(a.ttl, &have_ttl, rr.ttl);
	}
	*ret = a;
	return 0;
}
