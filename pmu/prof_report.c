#include "pmu/prof_report.h"
#include "lib/string.h"

static const char *const mode_names[] = {
	[SAMPLE_GUEST_USER] = "guest user",
	[SAMPLE_GUEST_KERNEL] = "guest kernel",
	[SAMPLE_PMUVISOR] = "pmuvisor",
};

static const char *const module_names[] = {
	[SAMPLE_GUEST_USER] = "[guest user]",
	[SAMPLE_GUEST_KERNEL] = "vmlinux",
	[SAMPLE_PMUVISOR] = "pmuvisor",
};

const char *prof_mode_name(enum sample_mode mode)
{
	return mode <= SAMPLE_PMUVISOR ? mode_names[mode] : "?";
}

const char *prof_module_name(enum sample_mode mode)
{
	return mode <= SAMPLE_PMUVISOR ? module_names[mode] : "?";
}

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: spreads nearby addresses over the table. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The row for (mode, key, space); NULL when the table is full. */
static struct prof_row *row_for(struct prof_table *t, uint8_t mode, uint64_t key, uint64_t space)
{
	size_t mask = t->capacity - 1, i = mix(key ^ (space << 1) ^ mode) & mask, probes;

	for (probes = 0; probes < t->capacity; probes++, i = (i + 1) & mask) {
		struct prof_row *r = &t->rows[i];

		if (!r->used) {
			*r = (struct prof_row){ key, space, 0, mode, 1 };
			return r;
		}
		if (r->mode == mode && r->key == key && r->space == space)
			return r;
	}
	return 0;
}

static void group_key(const struct prof_symbolizer *sym, enum prof_group group,
		      const struct sample *s, uint64_t *key, uint64_t *space)
{
	*key = 0;
	*space = 0;
	if (group == PROF_BY_MODULE || group == PROF_BY_MODE)
		return;
	if (s->mode == SAMPLE_GUEST_USER)
		*space = prof_address_space(s->guest_cr3);
	if (group == PROF_BY_ADDRESS)
		*key = s->rip;
	else if (group == PROF_BY_CALLER)
		*key = s->chain_depth ? s->chain[0] : 0;
	else if (s->mode != SAMPLE_GUEST_USER)
		*key = sym->lookup(sym->ctx, (enum sample_mode)s->mode, s->rip);
}

/* The order rows are printed in: most samples first, then by mode, key
 * and address space, so that equal counts always come out the same way. */
static int row_before(const struct prof_row *a, const struct prof_row *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	if (a->mode != b->mode)
		return a->mode < b->mode;
	if (a->key != b->key)
		return a->key < b->key;
	return a->space < b->space;
}

/* The first row in print order after 'after' (or the first of all). */
static struct prof_row *next_largest(struct prof_table *t, const struct prof_row *after)
{
	struct prof_row *best = 0;
	size_t i;

	for (i = 0; i < t->capacity; i++) {
		struct prof_row *r = &t->rows[i];

		if (!r->used || !r->count || (after && !row_before(after, r)))
			continue;
		if (!best || row_before(r, best))
			best = r;
	}
	return best;
}

static void percent(const struct out *o, uint64_t part, uint64_t whole)
{
	uint64_t hundredths = whole ? (part * 10000 + whole / 2) / whole : 0;

	out_printf(o, "%3lu.%02lu%%", (unsigned long)(hundredths / 100),
		   (unsigned long)(hundredths % 100));
}

static void row_name(const struct prof_symbolizer *sym, enum prof_group group,
		     const struct prof_row *r, char *buf, size_t size)
{
	char name[96];
	uint64_t start;

	buf[0] = '\0';
	if (group == PROF_BY_MODULE) {
		str_copy(buf, prof_module_name((enum sample_mode)r->mode), size);
		return;
	}
	if (group == PROF_BY_MODE) {
		str_copy(buf, prof_mode_name((enum sample_mode)r->mode), size);
		return;
	}
	if (r->mode == SAMPLE_GUEST_USER && group == PROF_BY_SYMBOL) {
		format_buf(buf, size, "[guest user cr3=0x%lx]", (unsigned long)r->space);
		return;
	}
	if (group == PROF_BY_CALLER && !r->key) {
		str_copy(buf, "[no call chain]", size);
		return;
	}
	if (group == PROF_BY_ADDRESS || group == PROF_BY_CALLER) {
		start = r->mode == SAMPLE_GUEST_USER ? 0 : sym->lookup(sym->ctx, (enum sample_mode)r->mode, r->key);
		name[0] = '\0';
		if (start)
			sym->name(sym->ctx, (enum sample_mode)r->mode, start, name, sizeof(name));
		if (name[0])
			format_buf(buf, size, "0x%lx %s+0x%lx", (unsigned long)r->key, name,
				      (unsigned long)(r->key - start));
		else
			format_buf(buf, size, "0x%lx", (unsigned long)r->key);
		return;
	}
	if (r->key)
		sym->name(sym->ctx, (enum sample_mode)r->mode, r->key, buf, size);
	if (!buf[0])
		format_buf(buf, size, "[unknown %s]", prof_mode_name((enum sample_mode)r->mode));
}

uint64_t prof_report(const struct prof_samples *samples, const struct prof_symbolizer *sym,
		     struct prof_table *table, const struct prof_report_options *opt,
		     const struct out *o)
{
	uint64_t total = 0, lost = 0, shown = 0, i;
	struct prof_row *r = 0;
	unsigned printed = 0, rows = 0;
	struct sample s;
	char name[128];

	memset(table->rows, 0, table->capacity * sizeof(table->rows[0]));
	for (i = 0; i < samples->count; i++) {
		uint64_t key, space;
		struct prof_row *row;

		if (!samples->get(samples->ctx, i, &s) || s.mode > SAMPLE_PMUVISOR)
			continue;
		group_key(sym, opt->group, &s, &key, &space);
		row = row_for(table, s.mode, key, space);
		if (!row) {
			lost++;
			continue;
		}
		if (!row->count)
			rows++;
		row->count++;
		total++;
	}
	if (opt->header)
		out_printf(o, "%s\n", opt->header);
	out_printf(o, "%8s %10s  %-44s %s\n", "%SAMPLES", "SAMPLES",
		   opt->group == PROF_BY_ADDRESS ? "ADDRESS"
		   : opt->group == PROF_BY_CALLER ? "CALLED FROM"
		   : opt->group == PROF_BY_MODE ? "MODE" : "FUNCTION",
		   "MODULE");
	while ((r = next_largest(table, r)) && (!opt->top || printed < opt->top)) {
		row_name(sym, opt->group, r, name, sizeof(name));
		out_printf(o, " ");
		percent(o, r->count, total);
		out_printf(o, " %'10lu  %-44s %s\n", (unsigned long)r->count, name,
			   prof_module_name((enum sample_mode)r->mode));
		shown += r->count;
		printed++;
	}
	if (printed < rows)
		out_printf(o, "  (%u more rows: %'lu samples)\n", rows - printed,
			   (unsigned long)(total - shown));
	if (lost)
		out_printf(o, "  (%'lu samples not grouped: more than %lu distinct rows)\n",
			   (unsigned long)lost, (unsigned long)table->capacity);
	return total;
}

void prof_report_exits(const struct prof_exit_time *exits, unsigned n, uint64_t total,
		       const char *header, unsigned top, const struct out *o)
{
	uint64_t in_vmm = 0, last_cycles = UINT64_MAX;
	unsigned printed = 0, i, last = n;

	for (i = 0; i < n; i++)
		in_vmm += exits[i].cycles;
	if (header)
		out_printf(o, "%s\n", header);
	out_printf(o, "%8s %16s %12s %10s  %-28s %s\n", "%TIME", "TSC TICKS", "EXITS", "PER EXIT",
		   "EXIT REASON", "HANDLER");
	/* Largest first: repeated selection (there are few reasons). */
	while (!top || printed < top) {
		unsigned best = n;

		for (i = 0; i < n; i++) {
			if (!exits[i].count)
				continue;
			if (exits[i].cycles > last_cycles ||
			    (exits[i].cycles == last_cycles && i <= last))
				continue;
			if (best == n || exits[i].cycles > exits[best].cycles)
				best = i;
		}
		if (best == n)
			break;
		out_printf(o, " ");
		percent(o, exits[best].cycles, total);
		out_printf(o, " %'16lu %'12lu %'10lu  %-28s %s\n", (unsigned long)exits[best].cycles,
			   (unsigned long)exits[best].count,
			   (unsigned long)(exits[best].cycles / exits[best].count), exits[best].name,
			   exits[best].handler);
		last_cycles = exits[best].cycles;
		last = best;
		printed++;
	}
	out_printf(o, " ");
	percent(o, in_vmm, total);
	out_printf(o, " %'16lu  in pmuvisor, of %'lu TSC ticks profiled\n", (unsigned long)in_vmm,
		   (unsigned long)total);
}
