/* I/O and EPT exits: the ports and the memory pmuvisor keeps for itself. */
#include "vmx/exit_handlers.h"
#include "vmx/vmcs.h"
#include "vmx/device.h"
#include "console/log.h"

#define UART_LSR 5
#define LSR_IDLE 0x60 /* THR empty, transmitter empty */

void handle_io(struct guest_regs *regs)
{
	/* Exit qualification for I/O (SDM Vol. 3C, Table 28-5). */
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1, in = (q >> 3) & 1, string = (q >> 4) & 1;
	uint16_t port = (uint16_t)(q >> 16);

	if (device_claims(&device, port)) {
		if (string)
			device.refused++;
		else
			device_access(&device, in, size, &regs->rax);
		exit_skip_instruction();
		return;
	}
	if (!vm_console_owns(port))
		exit_stop("I/O exit for a port pmuvisor does not own", EXIT_REASON_IO, regs);
	/* The guest finds no working UART there: registers read as all ones
	 * (Linux's 8250 probe then gives up), except the line status, which
	 * says "transmitter empty, nothing received" so that firmware that
	 * bound the port earlier neither waits to send nor reads forever. */
	if (in && !string) {
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
		uint64_t value = port - vm.console_port == UART_LSR ? LSR_IDLE : mask;

		regs->rax = size == 4 ? value : (regs->rax & ~mask) | (value & mask);
	}
	exit_skip_instruction();
}

/* EPT leaf for a 4 KiB page (SDM Vol. 3C, Table 29-6): read + write,
 * write-back memory type, never execute. */
#define EPT_READ 1ull
#define EPT_WRITE 2ull
#define EPT_MEMTYPE_WB (6ull << 3)
#define EPT_ADDR 0x000ffffffffff000ull
#define HIDDEN_TOUCHES_LOGGED 4

static uint64_t *ept_pte(uint64_t gpa)
{
	uint64_t *table = (uint64_t *)(uintptr_t)vm.ept_pml4;
	int level;

	for (level = 3; level > 0; level--) {
		uint64_t e = table[(gpa >> (12 + 9 * level)) & 511];

		if (!(e & 7) || (e & (1ull << 7)))
			return 0; /* not split to 4 KiB: not one of pmuvisor's pages */
		table = (uint64_t *)(uintptr_t)(e & EPT_ADDR);
	}
	return &table[(gpa >> 12) & 511];
}

void handle_ept_violation(struct guest_regs *regs)
{
	uint64_t gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	uint64_t *pte;
	struct { uint64_t eptp, reserved; } desc = { vm.eptp, 0 };

	if (gpa < vm.resident_phys || gpa >= vm.resident_phys + vm.resident_size ||
	    !(pte = ept_pte(gpa)))
		exit_stop("EPT violation outside pmuvisor's memory", EXIT_REASON_EPT_VIOLATION, regs);
	/* Said for the first few pages; a scan of the region would flood the log. */
	if (++vm.hidden_page_touches <= HIDDEN_TOUCHES_LOGGED)
		log_info("pmuvisor: the guest touched pmuvisor's memory at 0x%lx (RIP 0x%lx); it "
			   "gets a blank page there%s\n", (unsigned long)gpa,
			   (unsigned long)vmcs_read(GUEST_RIP),
			   vm.hidden_page_touches == HIDDEN_TOUCHES_LOGGED ? " (further pages: counted only)"
									   : "");
	*pte = vm.decoy_page | EPT_READ | EPT_WRITE | EPT_MEMTYPE_WB;
	/* Single-context INVEPT (type 1) for this EPT (SDM Vol. 3C, 31.3). */
	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
}
