/*
 * pmuvisor's hypercall ABI (VMCALL from the guest).  Also in docs/hypercalls.md.
 *
 *   in:   RAX = call number, RBX, RCX, RDX = arguments
 *   out:  RAX = status (0, or a negative HYPERCALL_E* code),
 *         RBX, RCX, RDX = results (unchanged on error)
 *
 * Every call has a most-privileged-needed CPL; a call from a less
 * privileged level gets HYPERCALL_EPERM.  Unknown numbers get
 * HYPERCALL_ENOSYS.  VMCALL outside pmuvisor raises #UD, so a program can
 * tell whether it runs under pmuvisor.
 */
#ifndef VMX_HYPERCALL_H
#define VMX_HYPERCALL_H

#include <stdint.h>

#define HYPERCALL_ABI_VERSION 1

enum hypercall {
	HYPERCALL_VERSION = 0, /* -> RBX = major << 32 | minor << 16 | patch, RCX = ABI version */
	HYPERCALL_PING = 1,    /* RBX = x -> RBX = x + 1 */
	HYPERCALL_LOG = 2,     /* CPL 0: RBX = guest-physical address, RCX = length
				* (at most HYPERCALL_LOG_MAX): text for pmuvisor's console */
	HYPERCALL_SHELL = 3,   /* only with guest_control=on: RBX = guest-virtual address of a
				* NUL-terminated command line, RCX = guest-virtual address of a
				* reply buffer, RDX = its size -> RBX = reply length (the reply is
				* cut to fit and NUL-terminated), RCX = 0 if the command succeeded */
	HYPERCALL_LOG_CLOSE = 4, /* CPL 0: the loader starts the payload; from now on 'log'
				  * is refused unless guest_control=on */
	HYPERCALL_COUNT
};

#define HYPERCALL_OK 0
#define HYPERCALL_ENOSYS (-1) /* no such call */
#define HYPERCALL_EPERM (-2)  /* not allowed at the caller's CPL */
#define HYPERCALL_EINVAL (-3) /* a bad argument */
#define HYPERCALL_EACCES (-4) /* refused by configuration (guest_control=off) */

#define HYPERCALL_LOG_MAX 4096

struct hypercall_regs {
	uint64_t rax, rbx, rcx, rdx;
};

/* What the calls may do beyond the registers (pmuvisor's side). */
struct hypercall_env {
	unsigned cpl; /* of the caller */
	/* Writes guest-physical [gpa, gpa + len) to the console; -1 if that
	 * memory is not the guest's to hand over. */
	int (*log)(uint64_t gpa, uint64_t len);
	int guest_control; /* guest_control=on: the guest may drive the shell */
	/* Runs one shell command for the guest; -1 if its memory is bad. */
	int (*shell)(uint64_t command_gva, uint64_t reply_gva, uint64_t reply_size,
		     uint64_t *reply_len, int *status);
	int log_closed; /* HYPERCALL_LOG_CLOSE was made */
	void (*close_log)(void);
};

/* What 'log' prints of guest text: printable ASCII, tab and newline as
 * they are, every other byte (terminal escapes, ...) as '?'; returns len. */
uint64_t hypercall_printable(const char *text, uint64_t len, char *out);

/* Pure: carries out call regs->rax; writes the results. */
void hypercall_dispatch(struct hypercall_regs *regs, const struct hypercall_env *env);

#endif
