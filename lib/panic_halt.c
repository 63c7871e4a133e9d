#include "lib/panic.h"
#include "lib/cpu.h"

void panic_halt(void)
{
	/* Interrupts off, then HLT forever; an NMI or SMI that wakes the CPU
	 * finds it halting again. */
	irq_save();
	for (;;)
		cpu_halt();
}
