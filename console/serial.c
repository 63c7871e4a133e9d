#include "console/serial.h"
#include "lib/cpu.h"

/* Register offsets and bits (PC16550D data sheet). */
enum {
	UART_DATA = 0, UART_IER = 1, UART_DLL = 0, UART_DLM = 1, UART_FCR = 2,
	UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_SCRATCH = 7,
};
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS 0x03
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define LSR_TX_IDLE 0x40 /* holding register and shift register empty */
/* A byte at 110 baud takes ~90 ms; this bounds the wait far beyond that
 * on emulators and hardware alike, then gives up on the port. */
#define TX_SPIN_LIMIT 10000000u

static uint16_t serial_port;
static int serial_stuck;

static int uart_answers(uint16_t port)
{
	outb(port + UART_SCRATCH, 0xa5);
	if (inb(port + UART_SCRATCH) != 0xa5)
		return 0;
	outb(port + UART_SCRATCH, 0x5a);
	return inb(port + UART_SCRATCH) == 0x5a;
}

int serial_init(uint16_t port, uint32_t baud)
{
	uint16_t divisor = (uint16_t)(SERIAL_CLOCK_BAUD / (baud ? baud : SERIAL_CLOCK_BAUD));
	uint32_t spins;

	serial_port = 0;
	if (!uart_answers(port))
		return -1;
	/* Reprogramming clears the FIFOs: let what an earlier user of the
	 * port queued leave the transmitter first. */
	for (spins = 0; !(inb(port + UART_LSR) & LSR_TX_IDLE) && spins < TX_SPIN_LIMIT; spins++)
		cpu_pause();
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DLL, (uint8_t)divisor);
	outb(port + UART_DLM, (uint8_t)(divisor >> 8));
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_FCR, FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS);
	serial_port = port;
	serial_stuck = 0;
	return 0;
}

static void put_byte(uint8_t byte)
{
	uint32_t spins = 0;

	while (!(inb(serial_port + UART_LSR) & LSR_THR_EMPTY)) {
		if (++spins == TX_SPIN_LIMIT) {
			serial_stuck = 1;
			return;
		}
		cpu_pause();
	}
	outb(serial_port + UART_DATA, byte);
}

void serial_write(const char *text, size_t len)
{
	if (!serial_port || serial_stuck)
		return;
	for (; len; len--, text++) {
		if (*text == '\n')
			put_byte('\r');
		put_byte((uint8_t)*text);
	}
}

int serial_read_byte(void)
{
	if (!serial_port || !(inb(serial_port + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(serial_port + UART_DATA);
}
