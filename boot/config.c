#include "boot/config.h"
#include "console/serial.h"
#include "lib/format.h"
#include "lib/number.h"
#include "lib/string.h"
#include "vmx/launch.h"

#define KEY_MAX 32

/* Each apply function stores a value or explains what it expected. */
typedef int (*apply_fn)(struct config *cfg, const char *value, const char **expected);

static int set_path(char *dst, const char *value, int required, const char **expected)
{
	size_t i, len = strlen(value);

	if (required && len == 0) {
		*expected = "a file path such as \\vmlinuz";
		return -1;
	}
	if (len >= CONFIG_PATH_MAX) {
		*expected = "a path shorter than 256 characters";
		return -1;
	}
	/* Firmware file paths use '\'; accept '/' as a courtesy. */
	for (i = 0; i < len; i++)
		dst[i] = value[i] == '/' ? '\\' : value[i];
	dst[len] = '\0';
	return 0;
}

static int apply_payload(struct config *cfg, const char *value, const char **expected)
{
	return set_path(cfg->payload, value, 1, expected);
}

static int apply_initrd(struct config *cfg, const char *value, const char **expected)
{
	return set_path(cfg->initrd, value, 0, expected);
}

static int apply_symbols(struct config *cfg, const char *value, const char **expected)
{
	return set_path(cfg->symbols, value, 0, expected);
}

static int apply_cmdline(struct config *cfg, const char *value, const char **expected)
{
	if (strlen(value) >= CONFIG_CMDLINE_MAX) {
		*expected = "a command line shorter than 1024 characters";
		return -1;
	}
	str_copy(cfg->cmdline, value, sizeof(cfg->cmdline));
	return 0;
}

static const struct {
	const char *name;
	uint16_t port;
} console_names[] = {
	{ "com1", SERIAL_COM1 }, { "com2", SERIAL_COM2 }, { "com3", SERIAL_COM3 },
	{ "com4", SERIAL_COM4 }, { "none", 0 },
};

static int apply_console(struct config *cfg, const char *value, const char **expected)
{
	uint64_t port;
	size_t i;

	for (i = 0; i < sizeof(console_names) / sizeof(console_names[0]); i++) {
		if (str_case_equal(value, console_names[i].name)) {
			cfg->console_port = console_names[i].port;
			return 0;
		}
	}
	if (value[0] == '0' && (value[1] == 'x' || value[1] == 'X') &&
	    parse_unsigned(value, 0xfff8, &port) == 0 && port != 0) {
		cfg->console_port = (uint16_t)port;
		return 0;
	}
	*expected = "com1, com2, com3, com4, none or an I/O port such as 0x2f8";
	return -1;
}

static int apply_baud(struct config *cfg, const char *value, const char **expected)
{
	uint64_t baud;

	/* The UART divides 115200 by an integer divisor. */
	if (parse_unsigned(value, SERIAL_CLOCK_BAUD, &baud) < 0 || baud == 0 ||
	    SERIAL_CLOCK_BAUD % baud != 0) {
		*expected = "a rate that divides 115200, such as 115200, 57600, 38400, 19200 or 9600";
		return -1;
	}
	cfg->baud = (uint32_t)baud;
	return 0;
}

static int apply_on_error(struct config *cfg, const char *value, const char **expected)
{
	if (str_case_equal(value, "boot"))
		cfg->on_error = ON_ERROR_BOOT;
	else if (str_case_equal(value, "halt"))
		cfg->on_error = ON_ERROR_HALT;
	else {
		*expected = "boot or halt";
		return -1;
	}
	return 0;
}

static int on_off(int *flag, const char *value, const char **expected)
{
	if (str_case_equal(value, "on"))
		*flag = 1;
	else if (str_case_equal(value, "off"))
		*flag = 0;
	else {
		*expected = "on or off";
		return -1;
	}
	return 0;
}

static int apply_vmx(struct config *cfg, const char *value, const char **expected)
{
	return on_off(&cfg->vmx, value, expected);
}

static int apply_guest_control(struct config *cfg, const char *value, const char **expected)
{
	return on_off(&cfg->guest_control, value, expected);
}

static int apply_selftest(struct config *cfg, const char *value, const char **expected)
{
	if (str_case_equal(value, "none"))
		cfg->selftest = SELFTEST_NONE;
	else if (str_case_equal(value, "bad-guest-state"))
		cfg->selftest = SELFTEST_BAD_GUEST_STATE;
	else {
		*expected = "none or bad-guest-state";
		return -1;
	}
	return 0;
}

static int apply_poll_hz(struct config *cfg, const char *value, const char **expected)
{
	uint64_t hz;

	if (parse_unsigned(value, 10000, &hz) < 0 || hz == 0) {
		*expected = "polls per second, from 1 to 10000";
		return -1;
	}
	cfg->poll_hz = (uint32_t)hz;
	return 0;
}

static int apply_prof_samples(struct config *cfg, const char *value, const char **expected)
{
	uint64_t n;

	if (parse_unsigned(value, CONFIG_PROF_SAMPLES_MAX, &n) < 0 || n < 1024 || (n & (n - 1))) {
		*expected = "samples per CPU, a power of two from 1024 to 262144";
		return -1;
	}
	cfg->prof_samples = (uint32_t)n;
	return 0;
}

static int apply_vpmu(struct config *cfg, const char *value, const char **expected)
{
	static const char *const names[] = { [VPMU_OFF] = "off", [VPMU_ON] = "on",
					     [VPMU_TIMER] = "timer", [VPMU_HW] = "hw" };
	unsigned i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (str_case_equal(value, names[i])) {
			cfg->vpmu = (int)i;
			return 0;
		}
	*expected = "on, off, timer or hw";
	return -1;
}

static int apply_device(struct config *cfg, const char *value, const char **expected)
{
	uint64_t port;

	if (str_case_equal(value, "off")) {
		cfg->device_port = 0;
		return 0;
	}
	if (parse_unsigned(value, 0xffff, &port) < 0 || port == 0) {
		*expected = "off or an I/O port number from 1 to 0xffff";
		return -1;
	}
	cfg->device_port = (uint16_t)port;
	return 0;
}

static const struct {
	const char *name;
	apply_fn apply;
} keys[CONFIG_KEY_COUNT] = {
	[CONFIG_PAYLOAD] = { "payload", apply_payload },
	[CONFIG_INITRD] = { "initrd", apply_initrd },
	[CONFIG_CMDLINE] = { "cmdline", apply_cmdline },
	[CONFIG_CONSOLE] = { "console", apply_console },
	[CONFIG_BAUD] = { "baud", apply_baud },
	[CONFIG_SYMBOLS] = { "symbols", apply_symbols },
	[CONFIG_ON_ERROR] = { "on_error", apply_on_error },
	[CONFIG_VMX] = { "vmx", apply_vmx },
	[CONFIG_SELFTEST] = { "selftest", apply_selftest },
	[CONFIG_POLL_HZ] = { "poll_hz", apply_poll_hz },
	[CONFIG_GUEST_CONTROL] = { "guest_control", apply_guest_control },
	[CONFIG_PROF_SAMPLES] = { "prof_samples", apply_prof_samples },
	[CONFIG_VPMU] = { "vpmu", apply_vpmu },
	[CONFIG_DEVICE] = { "device", apply_device },
};

const char *config_key_name(enum config_key key)
{
	return key < CONFIG_KEY_COUNT ? keys[key].name : "?";
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->console_port = SERIAL_COM2;
	cfg->baud = SERIAL_CLOCK_BAUD;
	cfg->on_error = ON_ERROR_BOOT;
	cfg->vmx = 1;
	cfg->poll_hz = 100;
	cfg->prof_samples = CONFIG_PROF_SAMPLES_DEFAULT;
}

static void report(const struct config_reporter *rep, struct config_origin where,
		   const char *fmt, ...) PRINTF_LIKE(3, 4);

static void report(const struct config_reporter *rep, struct config_origin where,
		   const char *fmt, ...)
{
	char message[CONFIG_LINE_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	format_buf_v(message, sizeof(message), fmt, ap);
	va_end(ap);
	rep->report(rep->ctx, where.source, where.line, message);
}

static void fail(struct config *cfg, const struct config_reporter *rep,
		 struct config_origin where, const char *what, const char *detail)
{
	cfg->errors++;
	report(rep, where, "%s%s", what, detail);
}

int config_set(struct config *cfg, const char *key, const char *value,
	       struct config_origin where, const struct config_reporter *rep)
{
	const char *expected = "";
	struct config_origin *prev;
	int k;

	for (k = 0; k < CONFIG_KEY_COUNT; k++)
		if (str_case_equal(key, keys[k].name))
			break;
	if (k == CONFIG_KEY_COUNT) {
		cfg->errors++;
		report(rep, where, "unknown key '%s' (known keys: payload, initrd, cmdline, "
		       "console, baud, symbols, on_error, vmx, selftest, poll_hz, guest_control, "
		       "prof_samples, vpmu, device)",
		       key);
		return -1;
	}
	if (keys[k].apply(cfg, value, &expected) < 0) {
		cfg->errors++;
		report(rep, where, "%s: bad value '%.60s%s': expected %s", keys[k].name, value,
		       strlen(value) > 60 ? "..." : "", expected);
		return -1;
	}
	prev = &cfg->origin[k];
	if (prev->source && prev->source == where.source)
		report(rep, where, "note: %s set again; this line replaces line %u",
		       keys[k].name, prev->line);
	else if (prev->source)
		report(rep, where, "note: %s overrides %s:%u", keys[k].name, prev->source,
		       prev->line);
	*prev = where;
	return 0;
}

static int is_key_char(char c)
{
	return char_is_digit(c) || (char_lower(c) >= 'a' && char_lower(c) <= 'z') || c == '_';
}

const char *config_take_value(const char *text, char *value, size_t size, int stop_at_space,
			      const char **why)
{
	size_t n = 0;
	char quote = 0;

	if (*text == '"' || *text == '\'')
		quote = *text++;
	for (;; text++) {
		char c = *text;

		if (quote) {
			if (!c) {
				*why = quote == '"' ? "missing closing \" quote" : "missing closing ' quote";
				return NULL;
			}
			if (c == quote) {
				text++;
				break;
			}
			/* Inside double quotes, \" and \\ stand for " and \. */
			if (quote == '"' && c == '\\' && (text[1] == '"' || text[1] == '\\'))
				c = *++text;
		} else if (!c || (stop_at_space && char_is_space(c)) ||
			   (!stop_at_space && c == '#' && (n == 0 || char_is_space(value[n - 1])))) {
			break;
		}
		if (n + 1 >= size) {
			*why = "value too long";
			return NULL;
		}
		value[n++] = c;
	}
	if (!quote)
		while (n && char_is_space(value[n - 1]))
			n--;
	value[n] = '\0';
	return text;
}

static const char *skip_space(const char *p)
{
	while (char_is_space(*p))
		p++;
	return p;
}

static const char *take_key(const char *p, char *key)
{
	size_t n = 0;

	while (is_key_char(*p)) {
		if (n + 1 >= KEY_MAX)
			return NULL;
		key[n++] = *p++;
	}
	key[n] = '\0';
	return n ? p : NULL;
}

static int has_nul(const char *text, size_t len)
{
	while (len--)
		if (!*text++)
			return 1;
	return 0;
}

static void parse_line(struct config *cfg, struct config_origin where, const char *line,
		       const struct config_reporter *rep)
{
	char key[KEY_MAX], value[CONFIG_LINE_MAX];
	const char *p = line, *why = NULL;

	for (; *p; p++) {
		if (!char_is_print(*p) && *p != '\t') {
			cfg->errors++;
			report(rep, where, "line has a non-text byte 0x%02x at column %u; line ignored",
			       (unsigned char)*p, (unsigned)(p - line) + 1);
			return;
		}
	}
	p = skip_space(line);
	if (!*p || *p == '#')
		return;
	p = take_key(p, key);
	if (!p) {
		fail(cfg, rep, where, "expected key=value, found: ", line);
		return;
	}
	p = skip_space(p);
	if (*p != '=') {
		cfg->errors++;
		report(rep, where, "expected '=' after '%s'", key);
		return;
	}
	p = config_take_value(skip_space(p + 1), value, sizeof(value), 0, &why);
	if (!p) {
		cfg->errors++;
		report(rep, where, "%s: %s", key, why);
		return;
	}
	p = skip_space(p);
	if (*p && *p != '#') {
		cfg->errors++;
		report(rep, where, "%s: unexpected text after the closing quote: %s", key, p);
		return;
	}
	config_set(cfg, key, value, where, rep);
}

void config_parse_text(struct config *cfg, const char *source, const char *text,
		       size_t len, const struct config_reporter *rep)
{
	char line[CONFIG_LINE_MAX + 1];
	struct config_origin where = { source, 0 };
	size_t pos = 0;

	/* A UTF-8 byte-order mark, as some editors write, is not content. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len) {
		size_t start = pos, n;

		where.line++;
		while (pos < len && text[pos] != '\n')
			pos++;
		n = pos - start;
		pos++; /* the newline */
		if (n && text[start + n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX) {
			cfg->errors++;
			report(rep, where, "line too long (%zu characters, at most %u); line ignored",
			       n, CONFIG_LINE_MAX);
			continue;
		}
		if (has_nul(text + start, n)) {
			cfg->errors++;
			report(rep, where, "line has a NUL byte; line ignored");
			continue;
		}
		memcpy(line, text + start, n);
		line[n] = '\0';
		parse_line(cfg, where, line, rep);
	}
}

void config_parse_options(struct config *cfg, const char *source, const char *text,
			  const struct config_reporter *rep)
{
	struct config_origin where = { source, 0 };
	const char *p = skip_space(text);
	int first = 1;

	while (*p) {
		char key[KEY_MAX], value[CONFIG_LINE_MAX];
		const char *after = take_key(p, key), *why = NULL;

		if (!after || *after != '=') {
			const char *end = p;

			while (*end && !char_is_space(*end))
				end++;
			if (!first) {
				cfg->errors++;
				report(rep, where, "'%.*s' is not key=value; ignored", (int)(end - p), p);
			}
			p = skip_space(end);
			first = 0;
			continue;
		}
		first = 0;
		after = config_take_value(after + 1, value, sizeof(value), 1, &why);
		if (!after) {
			cfg->errors++;
			report(rep, where, "%s: %s", key, why);
			return;
		}
		config_set(cfg, key, value, where, rep);
		p = skip_space(after);
	}
}
