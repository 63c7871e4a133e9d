/*
 * What the libFuzzer targets share: a check that aborts (libFuzzer saves
 * the input that made it fail), and reading little-endian fields off the
 * front of an input, as zeros once it runs out.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: %s is false\n", __FILE__, __LINE__, #cond); \
			abort();                                                         \
		}                                                                        \
	} while (0)

static inline uint64_t take(const uint8_t **data, size_t *size, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && *size; i++, (*data)++, (*size)--)
		v |= (uint64_t)**data << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
