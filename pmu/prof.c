#include "pmu/prof.h"
#include "pmu/prof_clock.h"
#include "pmu/prof_dump.h"
#include "pmu/prof_exit.h"
#include "pmu/prof_hw.h"
#include "pmu/vpmu_guest.h"
#include "pmu/sample_ring.h"
#include "guest/callchain.h"
#include "guest/kallsyms.h"
#include "guest/memory.h"
#include "vmx/exit_handlers.h"
#include "vmx/exit_table.h"
#include "vmx/launch.h"
#include "vmx/pcpu.h"
#include "vmx/vmcs.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "lib/symtab.h"

#define REPORT_ROWS 4096
#define MSR_IA32_LSTAR 0xc0000082
#define KERNEL_HALF 0xffff800000000000ull
#define KALLSYMS_SCAN (256ull << 20) /* from the 2 MiB page of the syscall entry */
#define CR3_ADDRESS 0x000ffffffffff000ull
#define PTI_USER_BIT 0x1000ull

extern const uint8_t __core_symbols[], __core_symbols_end[], __core_file_end[];
extern const uint8_t __core_text_end[];

bool prof_running;

static struct {
	struct prof_setup setup;
	struct sample_ring ring;
	struct prof_table table;
	/* The profile being taken (or last taken). */
	enum prof_backend backend;
	const struct pmu_event *event;
	bool raw;
	uint16_t raw_code;
	uint64_t period;
	unsigned chain_depth;
	uint64_t started;      /* TSC at 'prof start' */
	/* pmuvisor's time per exit reason during the profile: the CPU's exit statistics now
	 * (or at 'prof stop') less those at 'prof start', plus what was
	 * counted before a 'stats reset'. */
	struct exit_stats at_start, at_stop, before_reset;
	uint64_t kernel_cr3;   /* a guest CR3 seen at CPL 0: maps the kernel */
	/* Names. */
	struct symtab core_symbols;
	struct kallsyms kernel;
	struct symtab kernel_map;  /* symbols=, used instead of kallsyms when given */
	bool have_map;
	int64_t map_slide;         /* KASLR: running address - the file's address */
	bool kernel_found;
	bool kernel_tried;     /* in this report: a failed search is not repeated */
	const char *kernel_why;
	uint64_t kernel_read_cr3;
} prof;

/* ---- guest memory, through the guest's page tables ---------------------- */

#define READER_SLOTS 64

struct guest_reader {
	struct guest_memory memory;
	bool user;
	unsigned slots;        /* a power of two, at most READER_SLOTS */
	uint64_t tag[READER_SLOTS]; /* page number + 1 (0: empty) */
	uint8_t *page[READER_SLOTS];
};

static void *map_guest(void *ctx, uint64_t gpa, uint64_t len)
{
	return vm_guest_phys(gpa, len);
}

/* 'slots': pages remembered (a stack walk needs a few, a kallsyms search
 * many); only those are cleared, since walks run on the sampling path. */
static void reader_reset(struct guest_reader *g, uint64_t cr3, bool user, unsigned slots)
{
	memset(g->tag, 0, slots * sizeof(g->tag[0]));
	/* 4-level: kernel and stack walks are of a 64-bit guest's. */
	g->memory = (struct guest_memory){ .map = map_guest, .cr3 = cr3 };
	g->user = user;
	g->slots = slots;
}

static int reader_read(void *ctx, uint64_t gva, void *dst, size_t len)
{
	struct guest_reader *g = ctx;
	uint8_t *out = dst;

	while (len) {
		uint64_t page = gva >> 12, gpa;
		unsigned slot = (unsigned)(page & (g->slots - 1));
		size_t in_page = 4096 - (gva & 4095), n = len < in_page ? len : in_page;

		if (g->tag[slot] != page + 1) {
			if (!guest_translate(&g->memory, gva, false, g->user, &gpa) ||
			    !(g->page[slot] = vm_guest_phys(gpa & ~4095ull, 4096)))
				return -1;
			g->tag[slot] = page + 1;
		}
		memcpy(out, g->page[slot] + (gva & 4095), n);
		out += n;
		gva += n;
		len -= n;
	}
	return 0;
}

static struct guest_reader kernel_reader;
static const struct kallsyms_reader kernel_memory = { reader_read, &kernel_reader };

/* ---- set-up -------------------------------------------------------------- */

int prof_init(struct page_pool *pool, const struct prof_setup *setup)
{
	uint64_t ring_pages = (setup->ring_capacity * sizeof(struct sample) + 4095) / 4096;
	uint64_t table_pages = (REPORT_ROWS * sizeof(struct prof_row) + 4095) / 4096;
	struct sample *slots = page_pool_alloc(pool, ring_pages);
	struct prof_row *rows = page_pool_alloc(pool, table_pages);

	prof.setup = *setup;
	if (!slots || !rows || sample_ring_init(&prof.ring, slots, setup->ring_capacity) < 0)
		return -1;
	prof.table = (struct prof_table){ rows, REPORT_ROWS };
	symtab_open(&prof.core_symbols, __core_symbols, (size_t)(__core_symbols_end - __core_symbols),
		    CORE_VIRTUAL_BASE);
	if (setup->kernel_map && setup->kernel_map_size > 8) {
		uint64_t base;

		memcpy(&base, setup->kernel_map, sizeof(base));
		prof.have_map = symtab_open(&prof.kernel_map, (const uint8_t *)setup->kernel_map + 8,
					    setup->kernel_map_size - 8, base) == 0;
	}
	return 0;
}

/* ---- sampling ------------------------------------------------------------ */

void prof_guest_chain(struct sample *s, const struct guest_regs *regs)
{
	static struct guest_reader stack_reader;
	struct kallsyms_reader stack = { reader_read, &stack_reader };
	bool user = s->mode == SAMPLE_GUEST_USER;

	if (!prof.chain_depth)
		return;
	reader_reset(&stack_reader, s->guest_cr3, user, 4);
	s->chain_depth = (uint8_t)callchain_walk(&stack, user, s->rip, vmcs_read(GUEST_RSP), regs->rbp,
						 s->chain, prof.chain_depth);
}

/* Written in place in the ring: this runs once per sample. */
static void push_guest_sample(uint64_t now, const struct guest_regs *regs)
{
	bool user = ((vmcs_read(GUEST_SS_AR) >> 5) & 3) == 3; /* CPL = SS.DPL (SDM 5.5) */
	struct sample *s = sample_ring_reserve(&prof.ring);

	if (!s)
		return;
	s->tsc = now;
	s->rip = vmcs_read(GUEST_RIP);
	s->guest_cr3 = vmcs_read(GUEST_CR3);
	/* The CPU, the mode, no chain, no exit reason: one store. */
	*(uint64_t *)(void *)&s->cpu = (uint64_t)(user ? SAMPLE_GUEST_USER : SAMPLE_GUEST_KERNEL) << 32 |
					this_pcpu()->index;
	if (!user && s->rip >= KERNEL_HALF)
		prof.kernel_cr3 = s->guest_cr3;
	if (prof.chain_depth)
		prof_guest_chain(s, regs);
	sample_ring_commit(&prof.ring);
}

static void push_pmuvisor_samples(unsigned n, unsigned reason, uint64_t now)
{
	struct sample s;

	memset(&s, 0, sizeof(s));
	s.cpu = this_pcpu()->index;
	s.tsc = now;
	/* The timer cannot interrupt root mode: the sample names the handler
	 * that was running, measured exactly by RDTSC. */
	s.rip = (uint64_t)(uintptr_t)exit_handler_address(reason);
	s.guest_cr3 = vmcs_read(GUEST_CR3);
	s.mode = SAMPLE_PMUVISOR;
	s.exit_reason = (uint16_t)reason;
	while (n--)
		sample_ring_push(&prof.ring, &s);
}

struct prof_exit_state prof_exit;

void prof_take_guest_samples(uint64_t now, uint64_t guest_ticks, const struct guest_regs *regs)
{
	unsigned due = prof_clock_cross(&prof_exit.clock, guest_ticks);

	while (due--)
		push_guest_sample(now, regs);
}

void prof_take_pmuvisor_samples(unsigned reason, uint64_t now, uint64_t spent)
{
	unsigned due = prof_clock_cross(&prof_exit.clock, spent);

	/* Not after 'prof stop' (this exit may have been the one that ran it). */
	if (prof_running)
		push_pmuvisor_samples(due, reason, now);
}

/* ---- commands ------------------------------------------------------------ */

static const char *period_unit(void)
{
	return prof.backend == PROF_BACKEND_HW ? "events" : "TSC ticks";
}

static const char *event_name(void)
{
	static char raw[16];

	if (prof.raw) {
		format_buf(raw, sizeof(raw), "raw 0x%04x", prof.raw_code);
		return raw;
	}
	return prof.event ? prof.event->name : "cycles";
}

static void forget_samples(void)
{
	sample_ring_clear(&prof.ring);
	prof.ring.dropped = 0;
	prof_exit.ticks = 0;
	prof.at_start = prof.at_stop = this_pcpu()->stats;
	memset(&prof.before_reset, 0, sizeof(prof.before_reset));
}

static enum prof_backend choose_backend(const struct prof_request *req, const struct out *o)
{
	enum prof_backend b = req->backend;

	if (b == PROF_BACKEND_AUTO)
		b = prof.setup.pmu_counts ? PROF_BACKEND_HW : PROF_BACKEND_TIMER;
	if (b == PROF_BACKEND_HW) {
		if (prof.setup.pmu_counts)
			return b;
		out_printf(o, "prof start: backend hw needs a PMU that counts; this one does not (%s); "
			      "backend=timer works without one\n", prof.setup.pmu_summary);
		return PROF_BACKEND_AUTO;
	}
	if (!prof.setup.have_timer) {
		out_printf(o, "prof start: backend timer needs the VMX-preemption timer, "
			      "which this CPU does not offer\n");
		return PROF_BACKEND_AUTO;
	}
	if (req->raw || (req->event && !str_case_equal(req->event->name, "cycles"))) {
		out_printf(o, "prof start: backend timer samples time (TSC ticks) only: event=cycles, "
			      "not %s%s\n", req->raw ? "a raw event" : "event=",
			   req->raw ? "" : req->event->name);
		return PROF_BACKEND_AUTO;
	}
	return b;
}

int prof_start(const struct prof_request *req, const struct out *o)
{
	enum prof_backend backend;
	uint64_t previous = sample_ring_used(&prof.ring), period;

	if (prof_running) {
		out_printf(o, "prof start: already running ('prof stop' first)\n");
		return -1;
	}
	if (vpmu_on && !vpmu_stopped) {
		out_printf(o, "prof start: the guest's virtual PMU is on; system-wide and guest-wide "
			      "profiling together are refused ('vpmu off' first, while no guest counter "
			      "is enabled)\n");
		return -1;
	}
	backend = choose_backend(req, o);
	if (backend == PROF_BACKEND_AUTO)
		return -1;
	forget_samples();
	/* A frequency becomes a period of TSC ticks, or of events for the hw
	 * backend, taking the TSC rate as the event rate (as for cycles). */
	period = req->period ? req->period
			     : prof.setup.tsc_hz / (req->freq_hz ? req->freq_hz : PROF_DEFAULT_HZ);
	if (period < PROF_MIN_PERIOD)
		period = PROF_MIN_PERIOD;
	if (backend == PROF_BACKEND_HW &&
	    prof_hw_start(req->event ? req->event : pmu_event_find("cycles"),
			  req->raw ? req->raw_code : (req->event ? req->event->code : 0x003c), period,
			  &prof.ring, o) < 0)
		return -1;
	prof.backend = backend;
	prof.event = req->event;
	prof.raw = req->raw;
	prof.raw_code = req->raw_code;
	prof.period = period;
	prof.chain_depth = req->chain_depth;
	prof_clock_start(&prof_exit.clock, prof.period, rdtsc());
	prof_exit.sampling = backend == PROF_BACKEND_TIMER;
	prof_exit.timer_shift = prof.setup.timer_shift;
	prof.started = rdtsc();
	prof_exit.last_entry = prof.started;
	prof_running = true;
	pcpu_set_profiling(this_pcpu(), true, prof_exit.sampling);
	if (previous)
		out_printf(o, "prof: the previous profile's %'lu samples were cleared\n",
			   (unsigned long)previous);
	out_printf(o, "prof: started: event %s, backend %s, period %'lu %s (about %'lu Hz), "
		      "call chains ",
		   event_name(), prof_backend_name(backend), (unsigned long)prof.period, period_unit(),
		   (unsigned long)(prof.setup.tsc_hz / prof.period));
	if (prof.chain_depth)
		out_printf(o, "up to %u frames\n", prof.chain_depth);
	else
		out_printf(o, "off\n");
	return 0;
}

int prof_stop(const struct out *o)
{
	if (!prof_running) {
		out_printf(o, "prof stop: not running\n");
		return -1;
	}
	prof_running = false;
	pcpu_set_profiling(this_pcpu(), false, false);
	prof.at_stop = this_pcpu()->stats;
	prof_hw_stop();
	out_printf(o, "prof: stopped: %'lu samples, %'lu dropped\n",
		   (unsigned long)sample_ring_used(&prof.ring), (unsigned long)prof.ring.dropped);
	return 0;
}

void prof_status(const struct out *o)
{
	uint64_t taken = sample_ring_used(&prof.ring);
	uint64_t ticks = prof_exit.ticks ? prof_exit.ticks : 1;

	out_printf(o, "prof: %s; event %s, backend %s, period %'lu %s, call chains ",
		   prof_running ? "running" : "stopped", event_name(),
		   prof.backend == PROF_BACKEND_AUTO ? "-" : prof_backend_name(prof.backend),
		   (unsigned long)prof.period, period_unit());
	if (prof.chain_depth)
		out_printf(o, "up to %u frames\n", prof.chain_depth);
	else
		out_printf(o, "off\n");
	out_printf(o, "prof: samples %'lu taken, %'lu dropped, ring %'lu of %'lu; "
		      "rate %'lu samples per second over %'lu TSC ticks profiled\n",
		   (unsigned long)taken, (unsigned long)prof.ring.dropped, (unsigned long)taken,
		   (unsigned long)(prof.ring.mask + 1),
		   (unsigned long)((taken + prof.ring.dropped) * prof.setup.tsc_hz / ticks),
		   (unsigned long)prof_exit.ticks);
	if (prof.backend == PROF_BACKEND_HW) {
		uint64_t pmis, foreign;

		prof_hw_counts(&pmis, &foreign);
		out_printf(o, "prof: %'lu PMIs taken, %'lu other NMIs passed on\n", (unsigned long)pmis,
			   (unsigned long)foreign);
	}
}

void prof_clear(const struct out *o)
{
	uint64_t n = sample_ring_used(&prof.ring);

	forget_samples();
	out_printf(o, "prof: cleared %'lu samples\n", (unsigned long)n);
}

void prof_stats_reset(void)
{
	unsigned r;

	/* Keep what the profile counted so far; count on from zero. */
	for (r = 0; prof_running && r < EXIT_REASON_COUNT; r++) {
		prof.before_reset.count[r] += this_pcpu()->stats.count[r] - prof.at_start.count[r];
		prof.before_reset.cycles[r] += this_pcpu()->stats.cycles[r] - prof.at_start.cycles[r];
	}
	if (prof_running)
		memset(&prof.at_start, 0, sizeof(prof.at_start));
}

/* ---- names --------------------------------------------------------------- */

/* Finds the guest kernel's kallsyms tables (once; again after a failure). */
static bool kernel_symbols(void)
{
	uint64_t lstar, from, cr3;
	unsigned attempt;

	if (prof.kernel_found)
		return true;
	if (prof.kernel_tried)
		return false;
	prof.kernel_tried = true;
	lstar = rdmsr(MSR_IA32_LSTAR); /* the guest's: pmuvisor never switches it */
	if (lstar < KERNEL_HALF) {
		prof.kernel_why = "the guest has no 64-bit kernel yet (IA32_LSTAR is not a kernel address)";
		return false;
	}
	if (!prof.kernel_cr3) {
		prof.kernel_why = "no sample in the guest kernel yet (its page tables are unknown)";
		return false;
	}
	from = lstar & ~((2ull << 20) - 1);
	/* With page-table isolation, the user half of a CR3 pair maps only
	 * the entry code: try the kernel half too (arch/x86/mm/pti.c). */
	for (attempt = 0; attempt < 2; attempt++) {
		cr3 = (prof.kernel_cr3 & CR3_ADDRESS) & ~(attempt ? PTI_USER_BIT : 0);
		reader_reset(&kernel_reader, cr3, false, READER_SLOTS);
		if (kallsyms_find(&prof.kernel, &kernel_memory, from, from + KALLSYMS_SCAN,
				  &prof.kernel_why) == 0) {
			prof.kernel_found = true;
			prof.kernel_read_cr3 = cr3;
			return true;
		}
	}
	return false;
}

/* The file's symbols slide with the kernel: KASLR moves all of its text
 * by one offset, seen at the system-call entry (IA32_LSTAR). */
static bool map_ready(void)
{
	uint64_t lstar = rdmsr(MSR_IA32_LSTAR), start;
	const char *name;
	uint32_t i;

	if (!prof.have_map)
		return false;
	if (prof.kernel_found)
		return true;
	prof.kernel_why = "symbols= has no entry_SYSCALL_64 to place it by";
	for (i = 0; i < prof.kernel_map.count; i++) {
		if (symtab_entry(&prof.kernel_map, i, &start, &name) == 0 &&
		    strcmp(name, "entry_SYSCALL_64") == 0) {
			prof.map_slide = (int64_t)(lstar - start);
			prof.kernel_found = true;
			return true;
		}
	}
	return false;
}

static int map_lookup(uint64_t address, uint64_t *start, const char **name)
{
	uint64_t end;
	const char *last;

	/* A file gives no sizes: the last function is taken to end within
	 * 64 KiB (and the top of the address space caps that). */
	if (symtab_entry(&prof.kernel_map, prof.kernel_map.count - 1, &end, &last) < 0)
		return -1;
	end = end > UINT64_MAX - 0x10000 ? UINT64_MAX : end + 0x10000;

	if (symtab_lookup(&prof.kernel_map, address - (uint64_t)prof.map_slide, end, start, name) < 0)
		return -1;
	*start += (uint64_t)prof.map_slide;
	return 0;
}

static uint64_t symbol_lookup(void *ctx, enum sample_mode mode, uint64_t address)
{
	uint64_t start;
	uint32_t index;
	const char *name;

	if (mode == SAMPLE_PMUVISOR)
		return symtab_lookup(&prof.core_symbols, address, (uint64_t)(uintptr_t)__core_text_end,
				     &start, &name) == 0 ? start : 0;
	if (mode == SAMPLE_GUEST_KERNEL && prof.have_map)
		return map_ready() && map_lookup(address, &start, &name) == 0 ? start : 0;
	if (mode == SAMPLE_GUEST_KERNEL && kernel_symbols() &&
	    kallsyms_lookup(&prof.kernel, &kernel_memory, address, &index, &start) == 0)
		return start;
	return 0;
}

static void symbol_name(void *ctx, enum sample_mode mode, uint64_t start, char *buf, size_t size)
{
	uint64_t at;
	uint32_t index;
	const char *name;
	char type;

	buf[0] = '\0';
	if (mode == SAMPLE_PMUVISOR) {
		if (symtab_lookup(&prof.core_symbols, start, (uint64_t)(uintptr_t)__core_text_end, &at,
				  &name) == 0)
			str_copy(buf, name, size);
		return;
	}
	if (mode == SAMPLE_GUEST_KERNEL && prof.have_map) {
		if (map_ready() && map_lookup(start, &at, &name) == 0)
			str_copy(buf, name, size);
		return;
	}
	if (mode == SAMPLE_GUEST_KERNEL && kernel_symbols() &&
	    kallsyms_lookup(&prof.kernel, &kernel_memory, start, &index, &at) == 0 &&
	    kallsyms_symbol(&prof.kernel, &kernel_memory, index, &at, buf, size, &type) < 0)
		buf[0] = '\0';
}

static const struct prof_symbolizer symbolizer = { symbol_lookup, symbol_name, 0 };

static int ring_get(void *ctx, uint64_t i, struct sample *out)
{
	return sample_ring_peek(&prof.ring, i, out);
}

static void header(char *buf, size_t size)
{
	format_buf(buf, size,
		   "# event %s, backend %s, period %'lu %s, %'lu samples, %'lu dropped%s",
		   event_name(), prof.backend == PROF_BACKEND_AUTO ? "-" : prof_backend_name(prof.backend),
		   (unsigned long)prof.period, period_unit(), (unsigned long)sample_ring_used(&prof.ring),
		   (unsigned long)prof.ring.dropped, prof_running ? " (still running)" : "");
}

static const char *handler_name(unsigned reason)
{
	uint64_t start;
	const char *name;

	if (symtab_lookup(&prof.core_symbols, (uint64_t)(uintptr_t)exit_handler_address(reason),
			  (uint64_t)(uintptr_t)__core_text_end, &start, &name) < 0)
		return "?";
	return name;
}

int prof_print_report(enum prof_group group, unsigned top, const struct out *o)
{
	struct prof_samples samples = { sample_ring_used(&prof.ring), ring_get, 0 };
	struct prof_report_options opt = { group, top, 0 };
	char head[200];

	header(head, sizeof(head));
	opt.header = head;
	prof.kernel_tried = false; /* the guest may have booted further since */
	if (group == PROF_BY_EXIT) {
		static struct prof_exit_time exits[EXIT_REASON_COUNT];
		unsigned r, n = 0;

		const struct exit_stats *end = prof_running ? &this_pcpu()->stats : &prof.at_stop;

		for (r = 0; r < EXIT_REASON_COUNT; r++) {
			uint64_t count = prof.before_reset.count[r] + end->count[r] - prof.at_start.count[r];
			uint64_t cycles = prof.before_reset.cycles[r] + end->cycles[r] -
					  prof.at_start.cycles[r];

			if (count)
				exits[n++] = (struct prof_exit_time){ exit_reason_name(r), handler_name(r),
								      count, cycles };
		}
		prof_report_exits(exits, n, prof_exit.ticks, head, top, o);
		return 0;
	}
	if (!samples.count) {
		out_printf(o, "%s\nprof report: no samples ('prof start' takes some)\n", head);
		return 0;
	}
	prof_report(&samples, &symbolizer, &prof.table, &opt, o);
	if (group != PROF_BY_MODULE && group != PROF_BY_MODE && prof.have_map) {
		if (map_ready())
			out_printf(o, "# guest kernel symbols: %'u from symbols=, slid by 0x%lx to the "
				      "running kernel\n", prof.kernel_map.count, (unsigned long)prof.map_slide);
		else
			out_printf(o, "# guest kernel symbols: none: %s\n", prof.kernel_why);
	} else if (group != PROF_BY_MODULE && group != PROF_BY_MODE) {
		if (kernel_symbols())
			out_printf(o, "# guest kernel symbols: %'u from its kallsyms tables at 0x%lx "
				      "(text from 0x%lx)\n",
				   prof.kernel.num_syms, (unsigned long)prof.kernel.token_table,
				   (unsigned long)prof.kernel.text_start);
		else if (prof.kernel_why)
			out_printf(o, "# guest kernel symbols: none: %s\n", prof.kernel_why);
	}
	return 0;
}

void prof_dump(const struct out *o)
{
	uint64_t n = sample_ring_used(&prof.ring), i;
	struct sample s;
	char line[400];

	format_buf(line, sizeof(line),
		   "H pmuvisor-samples %u event=%s backend=%s period=%lu tsc_hz=%lu samples=%lu dropped=%lu",
		   PROF_DUMP_VERSION, event_name(),
		   prof.backend == PROF_BACKEND_AUTO ? "-" : prof_backend_name(prof.backend),
		   (unsigned long)prof.period, (unsigned long)prof.setup.tsc_hz, (unsigned long)n,
		   (unsigned long)prof.ring.dropped);
	prof_dump_line(o, line);
	for (i = 0; i < n; i++) {
		if (!sample_ring_peek(&prof.ring, i, &s))
			break;
		prof_dump_sample(line, sizeof(line), i, &s);
		prof_dump_line(o, line);
	}
	format_buf(line, sizeof(line), "E %lu", (unsigned long)i);
	prof_dump_line(o, line);
}
