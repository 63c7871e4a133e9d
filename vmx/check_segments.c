/* VM-entry checks on the guest segment registers: SDM Vol. 3C, 27.3.1.2. */
#include "vmx/check_rules.h"

#define SEGMENT_FIELDS(reg)                                                    \
	{ "GUEST_" reg "_SELECTOR", "GUEST_" reg "_BASE", "GUEST_" reg "_LIMIT", \
	  "GUEST_" reg "_ACCESS_RIGHTS" }

static const struct {
	const char *selector, *base, *limit, *access_rights;
} field_names[VMX_SEGMENT_COUNT] = {
	[VMX_ES] = SEGMENT_FIELDS("ES"),
	[VMX_CS] = SEGMENT_FIELDS("CS"),
	[VMX_SS] = SEGMENT_FIELDS("SS"),
	[VMX_DS] = SEGMENT_FIELDS("DS"),
	[VMX_FS] = SEGMENT_FIELDS("FS"),
	[VMX_GS] = SEGMENT_FIELDS("GS"),
	[VMX_LDTR] = SEGMENT_FIELDS("LDTR"),
	[VMX_TR] = SEGMENT_FIELDS("TR"),
};

/* The registers a virtual-8086 guest holds real-mode style, and those
 * the type, S, DPL, P, reserved and G rules read when not in that mode. */
static const enum vmx_segment_register code_and_data[] = {
	VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS,
};
static const enum vmx_segment_register data_only[] = { VMX_ES, VMX_DS, VMX_FS, VMX_GS };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct vmx_segment *segment(const struct vmx_state *s, enum vmx_segment_register r)
{
	return &s->guest.segment[r];
}

static bool usable(const struct vmx_state *s, enum vmx_segment_register r)
{
	return !(segment(s, r)->access_rights & AR_UNUSABLE);
}

/* Whether the access-rights rules apply: CS and TR always; SS, DS, ES,
 * FS, GS and LDTR only when usable; CS-GS not in virtual-8086 mode,
 * where the "virtual_8086" rule fixes their rights to F3H. */
static bool rights_checked(const struct vmx_state *s, enum vmx_segment_register r)
{
	switch (r) {
	case VMX_TR: return true;
	case VMX_LDTR: return usable(s, r);
	case VMX_CS: return !virtual_8086_guest(s);
	default: return !virtual_8086_guest(s) && usable(s, r);
	}
}

static uint32_t rights(const struct vmx_state *s, enum vmx_segment_register r)
{
	return segment(s, r)->access_rights;
}

static unsigned rpl(const struct vmx_state *s, enum vmx_segment_register r)
{
	return segment(s, r)->selector & 3u;
}

static void involve_selector(struct vmx_violation *v, const struct vmx_state *s,
			     enum vmx_segment_register r)
{
	involve(v, field_names[r].selector, segment(s, r)->selector);
}

static void involve_rights(struct vmx_violation *v, const struct vmx_state *s,
			   enum vmx_segment_register r)
{
	involve(v, field_names[r].access_rights, rights(s, r));
}

/* Selectors. */

static bool tr_selector(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_selector(v, s, VMX_TR);
	return !(segment(s, VMX_TR)->selector & 4);
}

static bool ldtr_selector(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_selector(v, s, VMX_LDTR);
	involve_rights(v, s, VMX_LDTR);
	return !usable(s, VMX_LDTR) || !(segment(s, VMX_LDTR)->selector & 4);
}

static bool ss_rpl(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_selector(v, s, VMX_SS);
	involve_selector(v, s, VMX_CS);
	return virtual_8086_guest(s) || unrestricted_guest(s) || rpl(s, VMX_SS) == rpl(s, VMX_CS);
}

/* Bases and limits. */

static bool virtual_8086(const struct vmx_state *s, struct vmx_violation *v)
{
	if (!virtual_8086_guest(s))
		return true;
	for (size_t i = 0; i < COUNT(code_and_data); i++) {
		enum vmx_segment_register r = code_and_data[i];
		const struct vmx_segment *seg = segment(s, r);

		if (seg->base != (uint64_t)seg->selector << 4 || seg->limit != 0xffff ||
		    seg->access_rights != 0xf3) {
			involve_selector(v, s, r);
			involve(v, field_names[r].base, seg->base);
			involve(v, field_names[r].limit, seg->limit);
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

static bool base_canonical(const struct vmx_state *s, struct vmx_violation *v)
{
	static const enum vmx_segment_register checked[] = { VMX_TR, VMX_FS, VMX_GS, VMX_LDTR };

	for (size_t i = 0; i < COUNT(checked); i++) {
		enum vmx_segment_register r = checked[i];

		if (r == VMX_LDTR && !usable(s, r))
			continue;
		if (!is_canonical(s, segment(s, r)->base)) {
			involve(v, field_names[r].base, segment(s, r)->base);
			return false;
		}
	}
	return true;
}

static bool base_upper(const struct vmx_state *s, struct vmx_violation *v)
{
	static const enum vmx_segment_register checked[] = { VMX_CS, VMX_SS, VMX_DS, VMX_ES };

	for (size_t i = 0; i < COUNT(checked); i++) {
		enum vmx_segment_register r = checked[i];

		if (r != VMX_CS && !usable(s, r))
			continue;
		if (segment(s, r)->base >> 32) {
			involve(v, field_names[r].base, segment(s, r)->base);
			return false;
		}
	}
	return true;
}

/* Access rights: type. */

static bool cs_type(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = AR_TYPE(rights(s, VMX_CS));
	/* Accessed code: 9, 11, 13, 15; an unrestricted guest may also be in
	 * real mode with read/write accessed data, 3. */
	bool code = type == 9 || type == 11 || type == 13 || type == 15;

	involve_rights(v, s, VMX_CS);
	involve(v, "SECONDARY_PROCESSOR_BASED_CONTROLS", s->controls.procbased2);
	return !rights_checked(s, VMX_CS) || code || (type == 3 && unrestricted_guest(s));
}

static bool ss_type(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = AR_TYPE(rights(s, VMX_SS));

	involve_rights(v, s, VMX_SS);
	return !rights_checked(s, VMX_SS) || type == 3 || type == 7;
}

static bool data_type(const struct vmx_state *s, struct vmx_violation *v)
{
	for (size_t i = 0; i < COUNT(data_only); i++) {
		enum vmx_segment_register r = data_only[i];
		unsigned type = AR_TYPE(rights(s, r));
		bool accessed = type & 1, readable = type & 2, code = type & 8;

		if (rights_checked(s, r) && (!accessed || (code && !readable))) {
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

/* Access rights: S, P, reserved bits and G, for every register whose
 * rights are checked at all. */

static bool s_bit(const struct vmx_state *s, struct vmx_violation *v)
{
	for (enum vmx_segment_register r = 0; r < VMX_SEGMENT_COUNT; r++) {
		bool system = r == VMX_TR || r == VMX_LDTR;

		if (rights_checked(s, r) && ((rights(s, r) & AR_S) != 0) == system) {
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

static bool present(const struct vmx_state *s, struct vmx_violation *v)
{
	for (enum vmx_segment_register r = 0; r < VMX_SEGMENT_COUNT; r++) {
		if (rights_checked(s, r) && !(rights(s, r) & AR_P)) {
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

static bool reserved(const struct vmx_state *s, struct vmx_violation *v)
{
	for (enum vmx_segment_register r = 0; r < VMX_SEGMENT_COUNT; r++) {
		if (rights_checked(s, r) && (rights(s, r) & AR_RESERVED)) {
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

/* A limit with any of bits 11:0 clear is byte-granular; one with any of
 * bits 31:20 set is page-granular. */
static bool granularity(const struct vmx_state *s, struct vmx_violation *v)
{
	for (enum vmx_segment_register r = 0; r < VMX_SEGMENT_COUNT; r++) {
		uint32_t limit = segment(s, r)->limit;
		bool g = rights(s, r) & AR_G;

		if (!rights_checked(s, r))
			continue;
		if (((limit & 0xfff) != 0xfff && g) || ((limit >> 20) != 0 && !g)) {
			involve(v, field_names[r].limit, limit);
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

/* Access rights: DPL. */

static bool cs_dpl(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = AR_TYPE(rights(s, VMX_CS));
	unsigned dpl = AR_DPL(rights(s, VMX_CS)), ss_dpl = AR_DPL(rights(s, VMX_SS));

	involve_rights(v, s, VMX_CS);
	involve_rights(v, s, VMX_SS);
	if (!rights_checked(s, VMX_CS))
		return true;
	if (type == 3)
		return dpl == 0;
	if (type == 9 || type == 11) /* non-conforming code */
		return dpl == ss_dpl;
	if (type == 13 || type == 15) /* conforming code */
		return dpl <= ss_dpl;
	return true;
}

static bool ss_dpl(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned dpl = AR_DPL(rights(s, VMX_SS));
	bool real_mode = AR_TYPE(rights(s, VMX_CS)) == 3 || !(s->guest.cr0 & CR0_PE);

	involve_selector(v, s, VMX_SS);
	involve_rights(v, s, VMX_SS);
	involve_rights(v, s, VMX_CS);
	involve(v, "GUEST_CR0", s->guest.cr0);
	if (virtual_8086_guest(s))
		return true;
	return (unrestricted_guest(s) || dpl == rpl(s, VMX_SS)) && (!real_mode || dpl == 0);
}

static bool data_dpl(const struct vmx_state *s, struct vmx_violation *v)
{
	if (unrestricted_guest(s))
		return true;
	for (size_t i = 0; i < COUNT(data_only); i++) {
		enum vmx_segment_register r = data_only[i];
		uint32_t ar = rights(s, r);

		/* Conforming code (types 12-15) may be used at any privilege. */
		if (rights_checked(s, r) && AR_TYPE(ar) <= 11 && AR_DPL(ar) < rpl(s, r)) {
			involve_selector(v, s, r);
			involve_rights(v, s, r);
			return false;
		}
	}
	return true;
}

/* Access rights: CS D/B, TR and LDTR. */

static bool cs_db(const struct vmx_state *s, struct vmx_violation *v)
{
	uint32_t ar = rights(s, VMX_CS);

	involve_rights(v, s, VMX_CS);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	return !ia32e_mode_guest(s) || !(ar & AR_L) || !(ar & AR_DB);
}

static bool tr_type(const struct vmx_state *s, struct vmx_violation *v)
{
	unsigned type = AR_TYPE(rights(s, VMX_TR));

	involve_rights(v, s, VMX_TR);
	involve(v, "VM_ENTRY_CONTROLS", s->controls.entry);
	/* 11: busy 32-bit (or, in IA-32e mode, 64-bit) TSS; 3: busy 16-bit TSS. */
	return type == 11 || (type == 3 && !ia32e_mode_guest(s));
}

static bool tr_usable(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_rights(v, s, VMX_TR);
	return usable(s, VMX_TR);
}

static bool ldtr_type(const struct vmx_state *s, struct vmx_violation *v)
{
	involve_rights(v, s, VMX_LDTR);
	return !usable(s, VMX_LDTR) || AR_TYPE(rights(s, VMX_LDTR)) == 2;
}

const struct vmx_rule vmx_segment_rules[] = {
	{ "guest.tr.selector", "27.3.1.2",
	  "guest TR selector must have TI = 0",
	  tr_selector },
	{ "guest.ldtr.selector", "27.3.1.2",
	  "a usable guest LDTR selector must have TI = 0",
	  ldtr_selector },
	{ "guest.ss.rpl", "27.3.1.2",
	  "guest SS.RPL must equal CS.RPL, except for an unrestricted or virtual-8086 guest",
	  ss_rpl },
	{ "guest.segment.virtual_8086", "27.3.1.2",
	  "in virtual-8086 mode, CS, SS, DS, ES, FS and GS need base = selector * 16, limit FFFFH, "
	  "access rights F3H",
	  virtual_8086 },
	{ "guest.segment.base.canonical", "27.3.1.2",
	  "guest TR, FS and GS bases, and a usable LDTR base, must be canonical",
	  base_canonical },
	{ "guest.segment.base.upper", "27.3.1.2",
	  "guest CS base, and usable SS, DS and ES bases, must have bits 63:32 = 0",
	  base_upper },
	{ "guest.cs.type", "27.3.1.2",
	  "guest CS type must be accessed code (9, 11, 13, 15), or 3 (read/write accessed data) "
	  "for an unrestricted guest",
	  cs_type },
	{ "guest.ss.type", "27.3.1.2",
	  "a usable guest SS must be type 3 or 7 (read/write accessed data)",
	  ss_type },
	{ "guest.data_segment.type", "27.3.1.2",
	  "a usable guest DS, ES, FS or GS must be accessed (type bit 0), and readable (bit 1) if "
	  "code",
	  data_type },
	{ "guest.segment.s", "27.3.1.2",
	  "S must be 1 (code or data) for CS and usable SS-GS, and 0 (system) for TR and a usable "
	  "LDTR",
	  s_bit },
	{ "guest.cs.dpl", "27.3.1.2",
	  "guest CS.DPL must be 0 for type 3, equal SS.DPL for non-conforming code, and not exceed "
	  "SS.DPL for conforming code",
	  cs_dpl },
	{ "guest.ss.dpl", "27.3.1.2",
	  "guest SS.DPL must equal SS.RPL unless unrestricted guest, and be 0 when CS type is 3 or "
	  "CR0.PE is 0",
	  ss_dpl },
	{ "guest.data_segment.dpl", "27.3.1.2",
	  "without unrestricted guest, a usable DS, ES, FS or GS other than conforming code must "
	  "have DPL >= RPL",
	  data_dpl },
	{ "guest.segment.present", "27.3.1.2",
	  "CS, TR, and every usable SS, DS, ES, FS, GS and LDTR must be present (P = 1)",
	  present },
	{ "guest.segment.reserved", "27.3.1.2",
	  "CS, TR, and every usable SS, DS, ES, FS, GS and LDTR must have access-rights bits 11:8 "
	  "and 31:17 = 0",
	  reserved },
	{ "guest.cs.db", "27.3.1.2",
	  "in an IA-32e mode guest, CS with L = 1 must have D/B = 0",
	  cs_db },
	{ "guest.segment.granularity", "27.3.1.2",
	  "G must be 0 if any of limit bits 11:0 is 0, and 1 if any of limit bits 31:20 is 1",
	  granularity },
	{ "guest.tr.type", "27.3.1.2",
	  "guest TR must be a busy TSS: type 11, or 3 (16-bit) outside IA-32e mode",
	  tr_type },
	{ "guest.tr.usable", "27.3.1.2",
	  "guest TR must be usable (access-rights bit 16 = 0)",
	  tr_usable },
	{ "guest.ldtr.type", "27.3.1.2",
	  "a usable guest LDTR must be type 2 (LDT)",
	  ldtr_type },
};

const size_t vmx_segment_rule_count = sizeof(vmx_segment_rules) / sizeof(vmx_segment_rules[0]);
