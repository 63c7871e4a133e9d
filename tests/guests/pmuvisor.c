/*
 * pmuvisor: send one command line to pmuvisor's shell from inside the
 * guest (HYPERCALL_SHELL, see docs/hypercalls.md) and print the reply.
 *
 *   pmuvisor COMMAND [ARG...]
 *
 * Exit status: 0 the command succeeded, 1 it failed (the reply says why),
 * 2 pmuvisor refused or is not there.  pmuvisor accepts the call only
 * with guest_control=on in its configuration.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define HYPERCALL_SHELL 3
#define HYPERCALL_EACCES (-4)
#define LINE_MAX_CHARS 255

static sigjmp_buf no_vmcall;

static void on_fault(int sig)
{
	(void)sig;
	siglongjmp(no_vmcall, 1);
}

int main(int argc, char **argv)
{
	static char reply[65536];
	char line[LINE_MAX_CHARS + 1] = "";
	int64_t status;
	uint64_t len, failed;
	size_t used = 0;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: pmuvisor COMMAND [ARG...]   (try: pmuvisor help)\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		int n = snprintf(line + used, sizeof(line) - used, "%s%s", i > 1 ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - used) {
			fprintf(stderr, "pmuvisor: command line too long (at most %d characters)\n",
				LINE_MAX_CHARS);
			return 2;
		}
		used += (size_t)n;
	}
	/* pmuvisor writes the reply only into pages that are there: fault
	 * the whole buffer in first (docs/hypercalls.md). */
	memset(reply, 0, sizeof(reply));
	/* Without pmuvisor underneath, VMCALL faults: #UD on bare metal
	 * (SIGILL), #GP under some other hypervisors (SIGSEGV). */
	signal(SIGILL, on_fault);
	signal(SIGSEGV, on_fault);
	if (sigsetjmp(no_vmcall, 1)) {
		fprintf(stderr, "pmuvisor: not running under pmuvisor (VMCALL faulted)\n");
		return 2;
	}
	__asm__ volatile("vmcall"
			 : "=a"(status), "=b"(len), "=c"(failed)
			 : "a"((uint64_t)HYPERCALL_SHELL), "b"(line), "c"(reply), "d"(sizeof(reply))
			 : "memory");
	signal(SIGILL, SIG_DFL);
	signal(SIGSEGV, SIG_DFL);
	if (status == HYPERCALL_EACCES) {
		fprintf(stderr, "pmuvisor: refused: the guest may not control pmuvisor "
				"(guest_control=off in pmuvisor.cfg)\n");
		return 2;
	}
	if (status != 0) {
		fprintf(stderr, "pmuvisor: the hypercall failed with status %lld\n", (long long)status);
		return 2;
	}
	fwrite(reply, 1, len, stdout);
	return failed ? 1 : 0;
}
