/*
 * pmuvisor's configuration: pmuvisor.cfg and the EFI load options.
 *
 * Pure logic (no firmware calls) so that it is unit tested on the host.
 * Every problem is reported through a callback as SOURCE:LINE: MESSAGE
 * and the offending line is skipped; the rest of the file still applies.
 */
#ifndef BOOT_CONFIG_H
#define BOOT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_PATH_MAX 256
#define CONFIG_CMDLINE_MAX 1024
#define CONFIG_LINE_MAX 2048
#define CONFIG_PROF_SAMPLES_DEFAULT 16384
#define CONFIG_PROF_SAMPLES_MAX 262144

enum config_key {
	CONFIG_PAYLOAD,
	CONFIG_INITRD,
	CONFIG_CMDLINE,
	CONFIG_CONSOLE,
	CONFIG_BAUD,
	CONFIG_SYMBOLS,
	CONFIG_ON_ERROR,
	CONFIG_VMX,
	CONFIG_SELFTEST,
	CONFIG_POLL_HZ,
	CONFIG_GUEST_CONTROL,
	CONFIG_PROF_SAMPLES,
	CONFIG_VPMU,
	CONFIG_DEVICE,
	CONFIG_KEY_COUNT
};

enum on_error { ON_ERROR_BOOT, ON_ERROR_HALT };

/* Test-only faults pmuvisor can be told to inject into itself. */
enum selftest { SELFTEST_NONE, SELFTEST_BAD_GUEST_STATE };

/* Where a setting came from: source NULL means the built-in default. */
struct config_origin {
	const char *source;
	unsigned line;
};

struct config {
	char payload[CONFIG_PATH_MAX];
	char initrd[CONFIG_PATH_MAX];
	char cmdline[CONFIG_CMDLINE_MAX];
	char symbols[CONFIG_PATH_MAX];
	uint16_t console_port; /* 0: no serial console */
	uint32_t baud;
	enum on_error on_error;
	int vmx;                /* 0: vmx=off, start the payload natively */
	enum selftest selftest;
	uint32_t poll_hz;       /* console polls per second of guest time */
	uint32_t prof_samples;  /* profiling samples per CPU ring */
	int vpmu;               /* enum vpmu_choice (vmx/launch.h): a virtual PMU for the guest */
	uint16_t device_port;   /* device=PORT: the demo device (vmx/device.h) */
	int guest_control;      /* guest_control=on: the guest may drive the shell */
	struct config_origin origin[CONFIG_KEY_COUNT];
	unsigned errors;
};

/* Receives one problem or note. 'line' is 0 when there is no line. */
typedef void (*config_report_fn)(void *ctx, const char *source, unsigned line,
				 const char *message);

struct config_reporter {
	config_report_fn report;
	void *ctx;
};

void config_defaults(struct config *cfg);
const char *config_key_name(enum config_key key);

/* Set one key from 'where'. Returns 0, or -1 after reporting why not. */
int config_set(struct config *cfg, const char *key, const char *value,
	       struct config_origin where, const struct config_reporter *rep);

/* Parse the text of a pmuvisor.cfg ('len' bytes, need not end in NUL). */
void config_parse_text(struct config *cfg, const char *source, const char *text,
		       size_t len, const struct config_reporter *rep);

/* Parse EFI load options already converted to ASCII: space-separated
 * key=value words, values optionally quoted.  A first word without '='
 * is the program's own path (the UEFI shell passes it) and is skipped. */
void config_parse_options(struct config *cfg, const char *source, const char *text,
			  const struct config_reporter *rep);

/* Split one value that may be quoted: copies the unquoted value to
 * 'value' and returns a pointer just past it in 'text', or NULL after
 * writing the reason to 'why'. Shared by the file and option parsers. */
const char *config_take_value(const char *text, char *value, size_t size, int stop_at_space,
			      const char **why);

#endif
