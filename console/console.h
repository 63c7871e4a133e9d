/*
 * pmuvisor's console in root mode: the serial port is polled (there is no
 * interrupt source in root mode) on every VM exit and from a periodic
 * VMX-preemption-timer exit; bytes go through the line editor into the
 * shell.  'pause' holds the guest in root mode until 'continue'.
 */
#ifndef CONSOLE_CONSOLE_H
#define CONSOLE_CONSOLE_H

#include "vmx/exit.h"
#include "lib/cpu.h"

#include <stdbool.h>
#include <stdint.h>

#define UART_LSR_OFFSET 5
#define UART_LSR_DATA_READY 1

extern uint16_t console_port;
extern uint64_t console_byte_gap;

/* 'byte_gap': how long (TSC ticks) to wait for the next byte of a burst. */
void console_init(uint16_t port, uint64_t byte_gap);

/* Reads what is waiting, runs complete lines; 'regs' is the guest's state
 * at this exit (for 'regs').  While paused, does not return until the
 * user says 'continue'.  Returns the number of bytes read. */
int console_service(struct guest_regs *regs);

/* HYPERCALL_SHELL: runs the command line at guest-virtual 'command_gva'
 * and writes the reply (cut to 'reply_size' - 1, NUL-terminated) at
 * 'reply_gva', both through the guest's current page tables. */
int console_guest_command(uint64_t command_gva, uint64_t reply_gva, uint64_t reply_size,
			  uint64_t *reply_len, int *status);

/* The cheap check made on every exit. */
static inline bool console_has_input(void)
{
	return console_port && (inb(console_port + UART_LSR_OFFSET) & UART_LSR_DATA_READY);
}

#endif
