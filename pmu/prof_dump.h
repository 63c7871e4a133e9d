/*
 * 'prof dump': every sample as one line of text, for host tools
 * (tools/prof-dump decodes and checks it).  Format version 1, specified in
 * docs/prof-dump.md; each line ends with " *" and the CRC-32 of the text
 * before it, so a line damaged on the serial line is detected, not used.
 * Pure: unit tested.
 */
#ifndef PMU_PROF_DUMP_H
#define PMU_PROF_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "lib/format.h"
#include "pmu/sample_ring.h"

#define PROF_DUMP_VERSION 1

/* CRC-32 as in zlib and Ethernet (reflected polynomial 0xedb88320). */
uint32_t prof_crc32(const void *data, size_t len);

/* Writes text + " *CRC\n" to 'o'; 'text' is at most one line. */
void prof_dump_line(const struct out *o, const char *text);

/* The "S ..." line of one sample into buf (without the checksum). */
size_t prof_dump_sample(char *buf, size_t size, uint64_t seq, const struct sample *s);

#endif
