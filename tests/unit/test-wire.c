/* The protocol's framing (bpf/wire.h): the same messages found wherever the
 * stream is split between calls, the client's and the server's, and lies
 * about lengths never followed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/types.h>

#define PGN_INLINE static inline

struct chunk {
	const __u8 *p;
	__u32 size;
};

static int pgn_wire_read(void *ctx, __u32 off, __u8 *dst, __u32 n)
{
	const struct chunk *c = ctx;

	if (off + n > c->size)
		return -1;
	memcpy(dst, c->p + off, n);
	return 0;
}

#include "wire.h"

/* A message found, where the whole stream says it is. */
struct found {
	__u8 type;
	__u32 code, body, len;
};

static __u8 stream[8192];
static size_t slen;
/* which stream: the client's from its startup packet, or the server's */
static __u64 wanted = PGN_WIRE_REQUESTS;
static __u8 first_mode = PGN_WIRE_STARTUP;

static void put(const void *p, size_t n)
{
	memcpy(stream + slen, p, n);
	slen += n;
}

static void put32(__u32 v)
{
	__u8 b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(b, 4);
}

static void msg(char type, const char *body, size_t n)
{
	put(&type, 1);
	put32(n + 4);
	put(body, n);
}

static void startup(__u32 code, const char *params, size_t n)
{
	put32(8 + n);
	put32(code);
	put(params, n);
}

/* Walks the stream in chunks cut at @cuts (ascending, within it). */
static size_t walk(const size_t *cuts, size_t ncuts, struct pgn_wire *w, struct found *out, size_t max,
		   __u32 *walked)
{
	static struct pgn_wire_seen seen;
	size_t from = 0, n = 0;

	memset(w, 0, sizeof(*w));
	w->mode = first_mode;
	seen.wanted = wanted;
	memset(out, 0, max * sizeof(*out));	/* padding too: compared whole */
	*walked = 0;
	for (size_t k = 0; k <= ncuts; k++) {
		size_t to = k < ncuts ? cuts[k] : slen;
		struct chunk c = { stream + from, to - from };

		if (to == from)
			continue;
		*walked += pgn_wire_walk(w, &c, c.size, &seen);
		for (__u32 i = 0; i < seen.events && n < max; i++, n++) {
			out[n].type = seen.event[i].type;
			out[n].code = seen.event[i].code;
			out[n].body = from + seen.event[i].body;
			out[n].len = seen.event[i].len;
			/* a header that began in this chunk: its start is where it says */
			if (seen.event[i].start || seen.event[i].body == (seen.event[i].type ? 5u : 8u))
				assert_int_equal(from + seen.event[i].start,
						 from + seen.event[i].body - (seen.event[i].type ? 5 : 8));
		}
		from = to;
	}
	return n;
}

static void assert_same_split_anywhere(__u8 final_mode)
{
	struct found whole[64], part[64];
	struct pgn_wire w;
	__u32 walked;
	size_t n = walk(NULL, 0, &w, whole, 64, &walked), m, cuts[2];

	assert_int_equal(w.mode, final_mode);
	for (size_t a = 1; a < slen; a++)
		for (size_t b = a; b < slen; b++) {
			cuts[0] = a;
			cuts[1] = b;
			m = walk(cuts, 2, &w, part, 64, &walked);
			assert_int_equal(m, n);
			assert_memory_equal(part, whole, n * sizeof(*whole));
			assert_int_equal(w.mode, final_mode);
		}
	/* a byte a recv */
	{
		size_t each[sizeof(stream)];

		for (size_t i = 0; i + 1 < slen; i++)
			each[i] = i + 1;
		m = walk(each, slen - 1, &w, part, 64, &walked);
		assert_int_equal(m, n);
		assert_memory_equal(part, whole, n * sizeof(*whole));
	}
}

static void test_session(void **state)
{
	struct found f[64];
	struct pgn_wire w;
	__u32 walked;
	size_t n;

	(void)state;
	slen = 0;
	startup(PGN_SSL_REQUEST, "", 0);	/* answered 'N': still untyped */
	startup(196608, "user\0u\0\0", 9);
	msg('p', "secret", 7);
	msg('Q', "select 1", 9);
	msg('P', "\0select $1\0\0\0", 13);
	msg('B', "\0\0\0\0\0\0\0\0", 8);
	msg('D', "P", 2);
	msg('E', "\0\0\0\0\0", 5);
	msg('S', "", 0);
	msg('d', "copy data that says Q0000", 26);
	msg('X', "", 0);
	n = walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(walked, slen);
	assert_int_equal(n, 7);	/* 2 startup packets, Q P B E S; not p D d X */
	assert_int_equal(f[0].type, 0);
	assert_int_equal(f[0].code, PGN_SSL_REQUEST);
	assert_int_equal(f[1].code, 196608);
	assert_int_equal(f[1].len, 9);
	assert_int_equal(f[2].type, 'Q');
	assert_memory_equal(stream + f[2].body, "select 1", 9);
	assert_int_equal(f[3].type, 'P');
	assert_int_equal(f[4].type, 'B');
	assert_int_equal(f[5].type, 'E');
	assert_int_equal(f[5].len, 5);
	assert_int_equal(f[6].type, 'S');
	assert_same_split_anywhere(PGN_WIRE_TYPED);
}

/* The server's answers to a pipeline: the messages that end executions
 * and cycles, found wherever the sends are cut. */
static void test_answers(void **state)
{
	struct found f[64];
	struct pgn_wire w;
	__u32 walked;
	size_t n;

	(void)state;
	slen = 0;
	wanted = PGN_WIRE_ANSWERS;
	first_mode = PGN_WIRE_TYPED;
	msg('1', "", 0);
	msg('2', "", 0);
	msg('T', "row description", 16);
	msg('D', "a row that says C0000", 22);
	msg('C', "SELECT 1", 9);
	msg('2', "", 0);
	msg('I', "", 0);
	msg('N', "a notice", 9);
	msg('E', "SERROR\0C22012\0\0", 15);
	msg('Z', "I", 1);
	msg('s', "", 0);
	n = walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(walked, slen);
	assert_int_equal(n, 5);	/* C I E Z s; not 1 2 T D N */
	assert_int_equal(f[0].type, 'C');
	assert_int_equal(f[0].body + f[0].len, 5 + 5 + 21 + 27 + 14);	/* where it ends */
	assert_int_equal(f[1].type, 'I');
	assert_int_equal(f[2].type, 'E');
	assert_int_equal(f[3].type, 'Z');
	assert_int_equal(f[4].type, 's');
	assert_same_split_anywhere(PGN_WIRE_TYPED);
	wanted = PGN_WIRE_REQUESTS;
	first_mode = PGN_WIRE_STARTUP;
}

static void test_lies(void **state)
{
	struct found f[64];
	struct pgn_wire w;
	__u32 walked;
	size_t n;
	static const __u8 tls[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01 };

	(void)state;
	/* a length under 4: lost, nothing after it heard of */
	slen = 0;
	startup(196608, "user\0u\0\0", 9);
	msg('Q', "select 1", 9);
	put("Q\0\0\0\3", 5);
	msg('Q', "select 2", 9);
	n = walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(n, 2);
	assert_int_equal(w.mode, PGN_WIRE_LOST);
	assert_true(walked < slen);
	assert_same_split_anywhere(PGN_WIRE_LOST);
	/* a huge length */
	slen = 0;
	startup(196608, "user\0u\0\0", 9);
	put("Q\x7f\xff\xff\xff", 5);
	walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(w.mode, PGN_WIRE_LOST);
	/* garbage where the startup packet should be */
	slen = 0;
	put("GET / HTTP/1.1\r\n\r\n", 18);
	walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(w.mode, PGN_WIRE_LOST);
	/* direct TLS: a handshake record first */
	slen = 0;
	put(tls, sizeof(tls));
	walk(NULL, 0, &w, f, 64, &walked);
	assert_int_equal(w.mode, PGN_WIRE_OPAQUE);
	/* SSLRequest answered 'S' */
	memset(&w, 0, sizeof(w));
	pgn_wire_encrypted(&w, 'S', 1);
	assert_int_equal(w.mode, PGN_WIRE_OPAQUE);
	memset(&w, 0, sizeof(w));
	pgn_wire_encrypted(&w, 'N', 1);
	assert_int_equal(w.mode, PGN_WIRE_STARTUP);
}

/* More messages in one recv than a walk takes: given up, said so. */
static void test_too_many(void **state)
{
	struct found f[PGN_WIRE_EVENTS + 8];
	struct pgn_wire w;
	__u32 walked;

	(void)state;
	slen = 0;
	startup(196608, "user\0u\0\0", 9);
	for (int i = 0; i < 200; i++)
		msg('E', "\0\0\0\0\0", 5);
	walk(NULL, 0, &w, f, PGN_WIRE_EVENTS + 8, &walked);
	assert_int_equal(w.mode, PGN_WIRE_TYPED);	/* 201 messages: walked */
	assert_int_equal(walked, slen);
	for (int i = 0; i < PGN_WIRE_MSGS; i++)
		msg('S', "", 0);
	walk(NULL, 0, &w, f, PGN_WIRE_EVENTS + 8, &walked);
	assert_int_equal(w.mode, PGN_WIRE_LOST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_lies),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
