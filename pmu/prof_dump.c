#include "pmu/prof_dump.h"
#include "lib/string.h"

uint32_t prof_crc32(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t crc = 0xffffffffu;
	int bit;

	/* Bit at a time: a dump is limited by the serial line, not by this. */
	while (len--) {
		crc ^= *p++;
		for (bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

void prof_dump_line(const struct out *o, const char *text)
{
	out_printf(o, "%s *%08x\n", text, prof_crc32(text, strlen(text)));
}

static const char mode_letters[] = { [SAMPLE_GUEST_USER] = 'u', [SAMPLE_GUEST_KERNEL] = 'k',
				     [SAMPLE_PMUVISOR] = 'v' };

size_t prof_dump_sample(char *buf, size_t size, uint64_t seq, const struct sample *s)
{
	size_t n;
	unsigned i;

	char reason[8] = "-";

	if (s->mode == SAMPLE_PMUVISOR)
		format_buf(reason, sizeof(reason), "%u", s->exit_reason);
	n = format_buf(buf, size, "S %lu %lx %u %c %lx %lx %s %u", (unsigned long)seq,
		       (unsigned long)s->tsc, s->cpu,
		       s->mode <= SAMPLE_PMUVISOR ? mode_letters[s->mode] : '?',
		       (unsigned long)s->rip, (unsigned long)s->guest_cr3, reason, s->chain_depth);
	for (i = 0; i < s->chain_depth && i < SAMPLE_CHAIN_MAX && n < size; i++)
		n += format_buf(buf + n, size - n, " %lx", (unsigned long)s->chain[i]);
	return n < size ? n : size - 1;
}
