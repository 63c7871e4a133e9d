#include "guest/kallsyms.h"
#include "lib/string.h"

#define KERNEL_HALF 0xffff800000000000ull
#define MAX_SYMBOLS (4u << 20)
#define MIN_SYMBOLS 256u
#define MAX_TABLES_SPAN (32u << 20) /* names + markers + seqs: ~1.5 MiB today */
#define PAGE 4096u

static const char digit_tokens[] = "0\0001\0002\0003\0004\0005\0006\0007\0008\0009";
#define DIGITS_LEN (sizeof(digit_tokens)) /* 20 bytes, ending with the last NUL */

static uint64_t align8(uint64_t x) { return (x + 7) & ~7ull; }

static const uint8_t *find_byte(const uint8_t *p, uint8_t byte, size_t len)
{
	for (; len; len--, p++)
		if (*p == byte)
			return p;
	return 0;
}

static int read_u32(const struct kallsyms_reader *r, uint64_t gva, uint32_t *v)
{
	return r->read(r->ctx, gva, v, sizeof(*v));
}

/* 256 tokens from 'start' inside the window; checks the index after them.
 * Fills k->tokens and k->token_index on success. */
static int try_token_table(struct kallsyms *k, const struct kallsyms_reader *r, const uint8_t *win,
			   size_t win_len, size_t start, uint64_t start_gva)
{
	uint16_t offsets[256], index[256];
	size_t pos = start, t;

	for (t = 0; t < 256; t++) {
		const uint8_t *end;

		if (pos - start >= 0xffff || pos >= win_len)
			return -1;
		offsets[t] = (uint16_t)(pos - start);
		end = find_byte(win + pos, 0, win_len - pos);
		if (!end || end == win + pos) /* no end, or an empty token */
			return -1;
		pos = (size_t)(end - win) + 1;
	}
	if (pos - start > KALLSYMS_TOKEN_BYTES)
		return -1;
	if (r->read(r->ctx, align8(start_gva + (pos - start)), index, sizeof(index)) < 0 ||
	    memcmp(index, offsets, sizeof(index)) != 0)
		return -1;
	memcpy(k->tokens, win + start, pos - start);
	memcpy(k->token_index, index, sizeof(index));
	k->token_table = start_gva;
	return 0;
}

/* Bytes of the names entry at 'gva': its length and the header size. */
static int entry_length(const struct kallsyms_reader *r, uint64_t gva, uint32_t *len,
			uint32_t *header)
{
	uint8_t b[2];

	if (r->read(r->ctx, gva, b, 1) < 0)
		return -1;
	*len = b[0];
	*header = 1;
	if (b[0] & 0x80) { /* "big" symbol names: a second length byte (6.1) */
		if (r->read(r->ctx, gva + 1, b + 1, 1) < 0)
			return -1;
		*len = (b[0] & 0x7fu) | ((uint32_t)b[1] << 7);
		*header = 2;
	}
	return *len ? 0 : -1;
}

/* The names offset just past 'count' entries from 'from'. */
static int skip_entries(const struct kallsyms_reader *r, uint64_t names, uint32_t from,
			uint32_t count, uint64_t limit, uint32_t *out)
{
	uint32_t len, header, off = from;

	while (count--) {
		if (names + off >= limit || entry_length(r, names + off, &len, &header) < 0)
			return -1;
		off += header + len;
	}
	*out = off;
	return 0;
}

/* kallsyms_num_syms at 'p', with the markers ending 'tail' bytes before
 * the token table: do names, markers and offsets fit together? */
static int try_layout(struct kallsyms *k, const struct kallsyms_reader *r, uint64_t p, uint32_t n,
		      uint64_t tail)
{
	uint64_t names = p + 8, markers_bytes = align8(4ull * ((n + 255) / 256)), markers, span;
	uint32_t m[2], walked, last;
	int64_t base;

	markers = k->token_table - tail - markers_bytes;
	if (markers <= names)
		return -1;
	span = markers - names;
	if (span < 2ull * n || span > 600ull * n) /* length byte + tokens, at most 512 + 2 */
		return -1;
	if (r->read(r->ctx, markers, m, sizeof(m)) < 0 || m[0] != 0)
		return -1;
	if (n > 256 && (m[1] == 0 || m[1] >= span ||
			skip_entries(r, names, 0, 256, markers, &walked) < 0 || walked != m[1]))
		return -1;
	if (read_u32(r, markers + 4ull * ((n - 1) / 256), &last) < 0 || last >= span ||
	    skip_entries(r, names, last, (n - 1) % 256 + 1, markers, &walked) < 0 ||
	    align8(names + walked) != markers)
		return -1;
	if (r->read(r->ctx, p - 8, &base, sizeof(base)) < 0 || (uint64_t)base < KERNEL_HALF)
		return -1;
	k->num_syms = n;
	k->names = names;
	k->markers = markers;
	k->relative_base = (uint64_t)base;
	k->offsets = p - 8 - align8(4ull * n);
	return 0;
}

static int find_num_syms(struct kallsyms *k, const struct kallsyms_reader *r, uint64_t floor)
{
	static uint32_t chunk[PAGE / 4];
	uint64_t stop = k->token_table > MAX_TABLES_SPAN ? k->token_table - MAX_TABLES_SPAN : 0;
	uint64_t chunk_gva = 0, p;
	bool have = false;

	if (stop < floor)
		stop = floor;
	for (p = (k->token_table & ~7ull) - 8; p >= stop + 8; p -= 8) {
		uint32_t n;

		/* Read backwards a page at a time; unmapped pages end the walk. */
		if (!have || p < chunk_gva) {
			chunk_gva = p & ~(uint64_t)(PAGE - 1);
			if (r->read(r->ctx, chunk_gva, chunk, PAGE) < 0)
				return -1;
			have = true;
		}
		n = chunk[(p - chunk_gva) / 4];
		if (n < MIN_SYMBOLS || n > MAX_SYMBOLS)
			continue;
		if (try_layout(k, r, p, n, 0) == 0 || try_layout(k, r, p, n, align8(3ull * n)) == 0)
			return 0;
	}
	return -1;
}

static uint64_t address_of(const struct kallsyms *k, int32_t offset)
{
	/* kernel/kallsyms.c, kallsyms_sym_address(). */
	if (!k->absolute_percpu)
		return k->relative_base + (uint32_t)offset;
	return offset >= 0 ? (uint64_t)offset : k->relative_base - 1 - offset;
}

static int symbol_address(const struct kallsyms *k, const struct kallsyms_reader *r, uint32_t i,
			  uint64_t *address)
{
	int32_t offset;

	if (r->read(r->ctx, k->offsets + 4ull * i, &offset, sizeof(offset)) < 0)
		return -1;
	*address = address_of(k, offset);
	return 0;
}

/* The text range: from the relative base (the lowest relocated symbol,
 * _text) to the last symbol (_end or beyond). */
static int finish(struct kallsyms *k, const struct kallsyms_reader *r)
{
	int32_t last;

	if (r->read(r->ctx, k->offsets + 4ull * (k->num_syms - 1), &last, sizeof(last)) < 0)
		return -1;
	k->absolute_percpu = last < 0;
	k->text_start = k->relative_base;
	k->text_end = address_of(k, last);
	return k->text_end > k->text_start ? 0 : -1;
}

/* The token table holding the digit tokens at window[i], the window
 * being three pages from 'base': 8-aligned starts up to 4 KiB before. */
static int token_table_around(struct kallsyms *k, const struct kallsyms_reader *r,
			      const uint8_t *win, size_t win_len, size_t lowest, size_t i,
			      uint64_t base)
{
	long start;

	for (start = (long)(i & ~(size_t)7); start >= (long)lowest && i - (size_t)start < KALLSYMS_TOKEN_BYTES;
	     start -= 8)
		if (try_token_table(k, r, win, win_len, (size_t)start, base + (uint64_t)start) == 0)
			return 0;
	return -1;
}

int kallsyms_find(struct kallsyms *k, const struct kallsyms_reader *r, uint64_t from, uint64_t to,
		  const char **why)
{
	static uint8_t win[3 * PAGE]; /* the page before, this page, the page after */
	uint64_t page;
	bool seen_digits = false, seen_tokens = false;

	memset(k, 0, sizeof(*k));
	*why = "no kallsyms token table in the kernel's mapped image";
	for (page = from & ~(uint64_t)(PAGE - 1); page < to; page += PAGE) {
		size_t i, lowest = 0, len = 3 * PAGE;

		if (r->read(r->ctx, page, win + PAGE, PAGE) < 0)
			continue;
		/* The digits may run on into the next page. */
		if (r->read(r->ctx, page + PAGE, win + 2 * PAGE, DIGITS_LEN) < 0)
			memset(win + 2 * PAGE, 0xff, DIGITS_LEN);
		for (i = PAGE; i < 2 * PAGE; i++) {
			if (win[i] != '0' || memcmp(win + i, digit_tokens, DIGITS_LEN) != 0)
				continue;
			seen_digits = true;
			if (page < from + PAGE || r->read(r->ctx, page - PAGE, win, PAGE) < 0)
				lowest = PAGE;
			if (r->read(r->ctx, page + PAGE, win + 2 * PAGE, PAGE) < 0)
				len = 2 * PAGE;
			if (token_table_around(k, r, win, len, lowest, i, page - PAGE) < 0)
				continue;
			seen_tokens = true;
			if (find_num_syms(k, r, from) == 0 && finish(k, r) == 0)
				return 0;
		}
	}
	if (seen_tokens)
		*why = "found the kallsyms token table but no symbol tables that fit it";
	else if (seen_digits)
		*why = "no kallsyms token table with its index in the kernel's mapped image";
	return -1;
}

int kallsyms_lookup(const struct kallsyms *k, const struct kallsyms_reader *r, uint64_t address,
		    uint32_t *index, uint64_t *start)
{
	uint32_t lo = 0, hi = k->num_syms; /* the answer is in [lo, hi) */
	uint64_t a;

	if (address < k->text_start || address >= k->text_end)
		return -1;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (symbol_address(k, r, mid, &a) < 0)
			return -1;
		if (a <= address)
			lo = mid;
		else
			hi = mid;
	}
	if (symbol_address(k, r, lo, &a) < 0 || a > address)
		return -1;
	*index = lo;
	*start = a;
	return 0;
}

int kallsyms_symbol(const struct kallsyms *k, const struct kallsyms_reader *r, uint32_t index,
		    uint64_t *address, char *name, size_t size, char *type)
{
	uint32_t marker, off, len, header, i;
	uint8_t token[2];
	size_t used = 0;

	if (index >= k->num_syms || size == 0 ||
	    read_u32(r, k->markers + 4ull * (index / 256), &marker) < 0 ||
	    skip_entries(r, k->names, marker, index % 256, k->markers, &off) < 0 ||
	    entry_length(r, k->names + off, &len, &header) < 0 ||
	    symbol_address(k, r, index, address) < 0)
		return -1;
	*type = '?';
	for (i = 0; i < len; i++) {
		const char *t;

		if (r->read(r->ctx, k->names + off + header + i, token, 1) < 0)
			return -1;
		t = k->tokens + k->token_index[token[0]];
		for (; *t; t++) {
			if (i == 0 && t == k->tokens + k->token_index[token[0]]) {
				*type = *t; /* the first character is the type */
				continue;
			}
			if (used + 1 < size)
				name[used++] = *t;
		}
	}
	name[used] = '\0';
	return 0;
}
