#include "vmx/hypercall.h"

/* PMUVISOR_VERSION "major.minor.patch" -> the packed form of HYPERCALL_VERSION. */
static uint64_t packed_version(const char *v)
{
	uint64_t part[3] = { 0, 0, 0 };
	unsigned i = 0;

	for (; *v && i < 3; v++) {
		if (*v == '.')
			i++;
		else if (*v >= '0' && *v <= '9')
			part[i] = part[i] * 10 + (uint64_t)(*v - '0');
	}
	return part[0] << 32 | part[1] << 16 | part[2];
}

static int64_t call_version(struct hypercall_regs *r, const struct hypercall_env *env)
{
	r->rbx = packed_version(PMUVISOR_VERSION);
	r->rcx = HYPERCALL_ABI_VERSION;
	return HYPERCALL_OK;
}

static int64_t call_ping(struct hypercall_regs *r, const struct hypercall_env *env)
{
	r->rbx = r->rbx + 1;
	return HYPERCALL_OK;
}

static int64_t call_log(struct hypercall_regs *r, const struct hypercall_env *env)
{
	if (env->log_closed && !env->guest_control)
		return HYPERCALL_EACCES;
	if (r->rcx > HYPERCALL_LOG_MAX || env->log(r->rbx, r->rcx) < 0)
		return HYPERCALL_EINVAL;
	return HYPERCALL_OK;
}

static int64_t call_log_close(struct hypercall_regs *r, const struct hypercall_env *env)
{
	env->close_log();
	return HYPERCALL_OK;
}

uint64_t hypercall_printable(const char *text, uint64_t len, char *out)
{
	for (uint64_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		out[i] = (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' ? (char)c : '?';
	}
	return len;
}

static int64_t call_shell(struct hypercall_regs *r, const struct hypercall_env *env)
{
	uint64_t len = 0;
	int status = 0;

	if (!env->guest_control)
		return HYPERCALL_EACCES;
	if (!env->shell || r->rdx == 0 ||
	    env->shell(r->rbx, r->rcx, r->rdx, &len, &status) < 0)
		return HYPERCALL_EINVAL;
	r->rbx = len;
	r->rcx = status ? 1 : 0;
	return HYPERCALL_OK;
}

static const struct {
	int64_t (*call)(struct hypercall_regs *r, const struct hypercall_env *env);
	unsigned max_cpl; /* the least privileged level allowed to make it */
} calls[HYPERCALL_COUNT] = {
	[HYPERCALL_VERSION] = { call_version, 3 },
	[HYPERCALL_PING] = { call_ping, 3 },
	[HYPERCALL_LOG] = { call_log, 0 },
	[HYPERCALL_SHELL] = { call_shell, 3 },
	[HYPERCALL_LOG_CLOSE] = { call_log_close, 0 },
};

void hypercall_dispatch(struct hypercall_regs *regs, const struct hypercall_env *env)
{
	uint64_t nr = regs->rax;

	if (nr >= HYPERCALL_COUNT || !calls[nr].call)
		regs->rax = (uint64_t)HYPERCALL_ENOSYS;
	else if (env->cpl > calls[nr].max_cpl)
		regs->rax = (uint64_t)HYPERCALL_EPERM;
	else
		regs->rax = (uint64_t)calls[nr].call(regs, env);
}
