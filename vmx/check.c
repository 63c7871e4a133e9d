/*
 * The VM-entry checker: walks the rule tables in the order of SDM Vol. 3C
 * 27.2 and 27.3.1, and explains the first rule the state breaks.
 */
#include "vmx/check_rules.h"
#include "lib/string.h"

_Static_assert(offsetof(struct vmx_guest_state, tr) ==
		       offsetof(struct vmx_guest_state, segment[VMX_TR]),
	       "the named guest segments must line up with segment[]");

static const struct {
	const struct vmx_rule *rules;
	const size_t *count;
} areas[] = {
	{ vmx_control_rules, &vmx_control_rule_count },                 /* 27.2.1 */
	{ vmx_host_rules, &vmx_host_rule_count },                       /* 27.2.2-27.2.4 */
	{ vmx_guest_register_rules, &vmx_guest_register_rule_count },   /* 27.3.1.1 */
	{ vmx_segment_rules, &vmx_segment_rule_count },                 /* 27.3.1.2 */
	{ vmx_guest_other_rules, &vmx_guest_other_rule_count },         /* 27.3.1.3-27.3.1.5 */
};

const struct vmx_rule *vmx_rule_at(size_t i)
{
	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++) {
		if (i < *areas[a].count)
			return &areas[a].rules[i];
		i -= *areas[a].count;
	}
	return NULL;
}

const struct vmx_rule *vmx_check(const struct vmx_state *s, struct vmx_violation *v)
{
	const struct vmx_rule *rule;

	for (size_t i = 0; (rule = vmx_rule_at(i)) != NULL; i++) {
		v->count = 0;
		if (!rule->ok(s, v))
			return rule;
	}
	v->count = 0;
	return NULL;
}

void vmx_check_report(const struct out *o, const struct vmx_rule *r, const struct vmx_violation *v)
{
	int width = 0;

	out_printf(o, "VM entry would fail: %s (SDM %s): %s\n", r->id, r->section, r->description);
	for (unsigned i = 0; i < v->count; i++) {
		int len = (int)strlen(v->field[i].name);

		if (len > width)
			width = len;
	}
	for (unsigned i = 0; i < v->count; i++) {
		if (v->field[i].decimal)
			out_printf(o, "  %-*s = %lu\n", width, v->field[i].name, (unsigned long)v->field[i].value);
		else
			out_printf(o, "  %-*s = 0x%lx\n", width, v->field[i].name, (unsigned long)v->field[i].value);
	}
}
