/* The 'prof' command: system-wide profiling (pmu/prof.c), one entry per
 * subcommand. */
#include "console/commands.h"
#include "pmu/prof.h"
#include "pmu/vpmu_guest.h"
#include "lib/string.h"

static int prof_cmd_start(struct shell *sh, int argc, char **argv)
{
	struct prof_request req;

	if (prof_request_parse(argc, argv, &req, sh->out) < 0)
		return -1;
	return prof_start(&req, sh->out);
}

static int prof_cmd_stop(struct shell *sh, int argc, char **argv)
{
	return prof_stop(sh->out);
}

static int prof_cmd_status(struct shell *sh, int argc, char **argv)
{
	prof_status(sh->out);
	return 0;
}

static int prof_cmd_clear(struct shell *sh, int argc, char **argv)
{
	prof_clear(sh->out);
	return 0;
}

static int prof_cmd_dump(struct shell *sh, int argc, char **argv)
{
	prof_dump(sh->out);
	return 0;
}

static const char *const group_names[] = {
	[PROF_BY_SYMBOL] = "symbol", [PROF_BY_MODULE] = "module", [PROF_BY_MODE] = "mode",
	[PROF_BY_ADDRESS] = "address", [PROF_BY_CALLER] = "caller", [PROF_BY_EXIT] = "exit",
};

static int prof_cmd_report(struct shell *sh, int argc, char **argv)
{
	enum prof_group group = PROF_BY_SYMBOL;
	uint64_t top = 20;
	unsigned g;
	int i;

	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "top=", 4) == 0) {
			if (shell_number(sh, argv[i] + 4, "top", 100000, &top) < 0)
				return -1;
			continue;
		}
		if (strncmp(argv[i], "by=", 3) == 0) {
			for (g = 0; g < sizeof(group_names) / sizeof(group_names[0]); g++)
				if (str_case_equal(argv[i] + 3, group_names[g]))
					break;
			if (g < sizeof(group_names) / sizeof(group_names[0])) {
				group = (enum prof_group)g;
				continue;
			}
			out_printf(sh->out, "prof report: unknown grouping '%s' (by=symbol, module, "
					    "mode, address, caller or exit)\n", argv[i] + 3);
			return -1;
		}
		out_printf(sh->out, "prof report: unknown option '%s' (top=N, by=...)\n", argv[i]);
		return -1;
	}
	return prof_print_report(group, (unsigned)top, sh->out);
}

static const struct {
	const char *name;
	int max_args;
	int (*run)(struct shell *sh, int argc, char **argv);
} subcommands[] = {
	{ "start", 5, prof_cmd_start },   { "stop", 0, prof_cmd_stop },
	{ "status", 0, prof_cmd_status }, { "report", 2, prof_cmd_report },
	{ "clear", 0, prof_cmd_clear },   { "dump", 0, prof_cmd_dump },
};

int console_cmd_prof(struct shell *sh, int argc, char **argv)
{
	unsigned i;

	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!str_case_equal(argv[1], subcommands[i].name))
			continue;
		if (argc - 2 > subcommands[i].max_args) {
			out_printf(sh->out, "prof %s: too many arguments (help prof)\n", argv[1]);
			return -1;
		}
		return subcommands[i].run(sh, argc - 2, argv + 2);
	}
	out_printf(sh->out, "prof: unknown subcommand '%s' (start, stop, status, report, clear, dump)\n",
		   argv[1]);
	return -1;
}

/* 'vpmu': the guest's virtual PMU (pmu/vpmu_guest.h). */
int console_cmd_vpmu(struct shell *sh, int argc, char **argv)
{
	const struct vpmu_policy *policy;
	unsigned i;

	if (argc == 1 || str_case_equal(argv[1], "status")) {
		vpmu_guest_status(sh->out);
		return 0;
	}
	if (argc == 2 && (str_case_equal(argv[1], "on") || str_case_equal(argv[1], "off")))
		return vpmu_guest_switch(str_case_equal(argv[1], "on"), sh->out);
	if (!str_case_equal(argv[1], "policy") || argc != 3) {
		out_printf(sh->out, "vpmu: usage: vpmu [status] | vpmu on|off | vpmu policy NAME\n");
		return -1;
	}
	if (!vpmu_on) {
		out_printf(sh->out, "vpmu: off (vpmu=on in pmuvisor.cfg)\n");
		return -1;
	}
	policy = vpmu_policy_find(argv[2]);
	if (!policy) {
		out_printf(sh->out, "vpmu: unknown policy '%s' (", argv[2]);
		for (i = 0; i < vpmu_policy_count; i++)
			out_printf(sh->out, "%s%s", i ? ", " : "", vpmu_policies[i]->name);
		out_printf(sh->out, ")\n");
		return -1;
	}
	vpmu_guest_set_policy(policy);
	out_printf(sh->out, "vpmu: policy %s from the next VM exit\n", policy->name);
	return 0;
}
