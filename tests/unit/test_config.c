/* boot/config.c: pmuvisor.cfg and EFI load options, good and bad. */
#include "unit.h"

#include "boot/config.h"
#include "console/serial.h"
#include "vmx/launch.h"

/* Every report, one per line, as pmuvisor prints them: SOURCE:LINE: MESSAGE */
static struct text_buffer reports;
static struct config cfg;

static void collect(void *ctx, const char *source, unsigned line, const char *message)
{
	char text[4096];
	int n = line ? snprintf(text, sizeof(text), "%s:%u: %s\n", source, line, message)
		     : snprintf(text, sizeof(text), "%s: %s\n", source, message);

	text_buffer_sink(&reports, text, (size_t)n);
}

static const struct config_reporter reporter = { collect, NULL };

static int setup(void **state)
{
	reports.len = 0;
	reports.text[0] = '\0';
	config_defaults(&cfg);
	return 0;
}

static void parse(const char *text)
{
	config_parse_text(&cfg, "pmuvisor.cfg", text, strlen(text), &reporter);
}

static void test_defaults(void **state)
{
	assert_int_equal(cfg.console_port, SERIAL_COM2);
	assert_int_equal(cfg.baud, 115200);
	assert_int_equal(cfg.on_error, ON_ERROR_BOOT);
	assert_string_equal(cfg.payload, "");
	assert_null(cfg.origin[CONFIG_PAYLOAD].source);
}

static void test_full_valid_file(void **state)
{
	parse("# pmuvisor demo\n"
	      "payload=\\vmlinuz\n"
	      "initrd = /boot/initrd.cpio   # slashes become backslashes\n"
	      "cmdline=\"console=ttyS0,115200 quiet pmuvisor.test=boot\"\n"
	      "\n"
	      "   console=com1\n"
	      "baud=57600\n"
	      "symbols='\\System.map'\n"
	      "on_error=halt\n");
	assert_string_equal(reports.text, "");
	assert_int_equal(cfg.errors, 0);
	assert_string_equal(cfg.payload, "\\vmlinuz");
	assert_string_equal(cfg.initrd, "\\boot\\initrd.cpio");
	assert_string_equal(cfg.cmdline, "console=ttyS0,115200 quiet pmuvisor.test=boot");
	assert_int_equal(cfg.console_port, SERIAL_COM1);
	assert_int_equal(cfg.baud, 57600);
	assert_string_equal(cfg.symbols, "\\System.map");
	assert_int_equal(cfg.on_error, ON_ERROR_HALT);
	assert_int_equal(cfg.origin[CONFIG_CMDLINE].line, 4);
	assert_string_equal(cfg.origin[CONFIG_CMDLINE].source, "pmuvisor.cfg");
}

static void test_crlf_and_bom_and_no_final_newline(void **state)
{
	parse("\xef\xbb\xbfpayload=\\a.efi\r\ncmdline=x y\r\nbaud=9600");
	assert_string_equal(reports.text, "");
	assert_string_equal(cfg.payload, "\\a.efi");
	assert_string_equal(cfg.cmdline, "x y");
	assert_int_equal(cfg.baud, 9600);
}

static void test_hash_inside_value_and_quotes(void **state)
{
	parse("cmdline=a#b c # comment\n"
	      "initrd=\"with \\\"quote\\\" and \\\\ # not a comment\"\n");
	assert_string_equal(reports.text, "");
	assert_string_equal(cfg.cmdline, "a#b c");
	assert_string_equal(cfg.initrd, "with \"quote\" and \\ # not a comment");
}

static void test_unknown_key_names_line_and_keeps_rest(void **state)
{
	parse("payload=\\vmlinuz\ncolour=blue\nbaud=9600\n");
	assert_string_equal(reports.text,
			    "pmuvisor.cfg:2: unknown key 'colour' (known keys: payload, initrd, "
			    "cmdline, console, baud, symbols, on_error, vmx, selftest, poll_hz, guest_control, prof_samples, vpmu, device)\n");
	assert_int_equal(cfg.errors, 1);
	assert_string_equal(cfg.payload, "\\vmlinuz");
	assert_int_equal(cfg.baud, 9600);
}

static void test_bad_values_keep_defaults(void **state)
{
	parse("baud=12x\nbaud=7\nbaud=0\nconsole=com9\nconsole=0x0\non_error=maybe\npayload=\n");
	assert_int_equal(cfg.errors, 7);
	assert_contains(reports.text, "pmuvisor.cfg:1: baud: bad value '12x': expected a rate "
				      "that divides 115200");
	assert_contains(reports.text, "pmuvisor.cfg:2: baud: bad value '7'");
	assert_contains(reports.text, "pmuvisor.cfg:3: baud: bad value '0'");
	assert_contains(reports.text, "pmuvisor.cfg:4: console: bad value 'com9': expected com1, "
				      "com2, com3, com4, none or an I/O port such as 0x2f8");
	assert_contains(reports.text, "pmuvisor.cfg:5: console: bad value '0x0'");
	assert_contains(reports.text, "pmuvisor.cfg:6: on_error: bad value 'maybe': expected boot or halt");
	assert_contains(reports.text, "pmuvisor.cfg:7: payload: bad value '': expected a file path");
	assert_int_equal(cfg.baud, 115200);
	assert_int_equal(cfg.console_port, SERIAL_COM2);
	assert_int_equal(cfg.on_error, ON_ERROR_BOOT);
}

static void test_console_names_and_ports(void **state)
{
	parse("console=COM3\n");
	assert_int_equal(cfg.console_port, SERIAL_COM3);
	parse("console=0x3e8\n");
	assert_int_equal(cfg.console_port, 0x3e8);
	parse("console=none\n");
	assert_int_equal(cfg.console_port, 0);
	parse("console=760\n"); /* ports are given in hex only */
	assert_int_equal(cfg.errors, 1);
}

static void test_device_port(void **state)
{
	assert_int_equal(cfg.device_port, 0); /* off unless asked for */
	parse("device=0x510\n");
	assert_int_equal(cfg.device_port, 0x510);
	parse("device=off\n");
	assert_int_equal(cfg.device_port, 0);
	parse("device=0x10000\ndevice=0\ndevice=port\n");
	assert_int_equal(cfg.errors, 3);
	assert_contains(reports.text, "pmuvisor.cfg:1: device: bad value '0x10000': expected off or "
				      "an I/O port number from 1 to 0xffff");
	assert_contains(reports.text, "pmuvisor.cfg:3: device: bad value 'port'");
	assert_int_equal(cfg.device_port, 0);
}

static void test_vpmu_backends(void **state)
{
	assert_int_equal(cfg.vpmu, VPMU_OFF);
	parse("vpmu=on\n");
	assert_int_equal(cfg.vpmu, VPMU_ON);
	parse("vpmu=HW\n");
	assert_int_equal(cfg.vpmu, VPMU_HW);
	parse("vpmu=timer\n");
	assert_int_equal(cfg.vpmu, VPMU_TIMER);
	parse("vpmu=yes\n");
	assert_int_equal(cfg.errors, 1);
	assert_contains(reports.text, "pmuvisor.cfg:1: vpmu: bad value 'yes': expected on, off, "
				      "timer or hw");
	assert_int_equal(cfg.vpmu, VPMU_TIMER);
}

static void test_syntax_errors(void **state)
{
	parse("just words\n"
	      "=value\n"
	      "cmdline=\"unterminated\n"
	      "cmdline=\"quoted\" trailing\n"
	      "payload \\vmlinuz\n");
	assert_int_equal(cfg.errors, 5);
	assert_contains(reports.text, "pmuvisor.cfg:1: expected '=' after 'just'\n");
	assert_contains(reports.text, "pmuvisor.cfg:2: expected key=value, found: =value\n");
	assert_contains(reports.text, "pmuvisor.cfg:3: cmdline: missing closing \" quote\n");
	assert_contains(reports.text, "pmuvisor.cfg:4: cmdline: unexpected text after the closing "
				      "quote: trailing\n");
	assert_contains(reports.text, "pmuvisor.cfg:5: expected '=' after 'payload'\n");
	assert_string_equal(cfg.cmdline, "");
}

static void test_binary_garbage_is_reported_per_line(void **state)
{
	static const char text[] = "payload=\\a.efi\nbaud=96\x01" "00\nx\0y=1\ncmdline=ok\n";

	config_parse_text(&cfg, "pmuvisor.cfg", text, sizeof(text) - 1, &reporter);
	assert_contains(reports.text, "pmuvisor.cfg:2: line has a non-text byte 0x01 at column 8; "
				      "line ignored\n");
	assert_contains(reports.text, "pmuvisor.cfg:3: line has a NUL byte; line ignored\n");
	assert_int_equal(cfg.errors, 2);
	assert_string_equal(cfg.payload, "\\a.efi");
	assert_string_equal(cfg.cmdline, "ok");
	assert_int_equal(cfg.baud, 115200);
}

static void test_overlong_line_and_value(void **state)
{
	char text[CONFIG_LINE_MAX + 64];
	char path[CONFIG_PATH_MAX + 16];

	memset(text, 'a', sizeof(text));
	memcpy(text, "cmdline=", 8);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	parse(text);
	assert_contains(reports.text, "pmuvisor.cfg:1: line too long (2110 characters, at most 2048)");

	memset(path, 'p', sizeof(path));
	memcpy(path, "payload=", 8);
	path[sizeof(path) - 1] = '\0';
	parse(path);
	assert_contains(reports.text, "pmuvisor.cfg:1: payload: bad value 'pppp");
	assert_contains(reports.text, "...': expected a path shorter than 256 characters");
	assert_int_equal(cfg.errors, 2);
}

static void test_repeated_key_is_noted_and_last_wins(void **state)
{
	parse("payload=\\one.efi\npayload=\\two.efi\n");
	assert_string_equal(reports.text,
			    "pmuvisor.cfg:2: note: payload set again; this line replaces line 1\n");
	assert_int_equal(cfg.errors, 0);
	assert_string_equal(cfg.payload, "\\two.efi");
}

static void test_load_options_override_file(void **state)
{
	parse("payload=\\vmlinuz\ncmdline=from-file\n");
	config_parse_options(&cfg, "load options",
			     "\\EFI\\pmuvisor\\pmuvisor.efi cmdline=\"console=ttyS0 quiet\" baud=38400",
			     &reporter);
	assert_int_equal(cfg.errors, 0);
	assert_string_equal(cfg.cmdline, "console=ttyS0 quiet");
	assert_int_equal(cfg.baud, 38400);
	assert_string_equal(cfg.payload, "\\vmlinuz");
	assert_string_equal(reports.text,
			    "load options: note: cmdline overrides pmuvisor.cfg:2\n");
	assert_string_equal(cfg.origin[CONFIG_CMDLINE].source, "load options");
}

static void test_load_options_errors(void **state)
{
	config_parse_options(&cfg, "load options", "payload=\\x.efi stray colour=red cmdline=\"open",
			     &reporter);
	assert_string_equal(cfg.payload, "\\x.efi");
	assert_contains(reports.text, "load options: 'stray' is not key=value; ignored\n");
	assert_contains(reports.text, "load options: unknown key 'colour'");
	assert_contains(reports.text, "load options: cmdline: missing closing \" quote\n");
	assert_int_equal(cfg.errors, 3);
}

static void test_load_options_first_word_kept_if_key_value(void **state)
{
	config_parse_options(&cfg, "load options", "  payload=\\p.efi   ", &reporter);
	assert_string_equal(reports.text, "");
	assert_string_equal(cfg.payload, "\\p.efi");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_full_valid_file, setup),
		cmocka_unit_test_setup(test_crlf_and_bom_and_no_final_newline, setup),
		cmocka_unit_test_setup(test_hash_inside_value_and_quotes, setup),
		cmocka_unit_test_setup(test_unknown_key_names_line_and_keeps_rest, setup),
		cmocka_unit_test_setup(test_bad_values_keep_defaults, setup),
		cmocka_unit_test_setup(test_console_names_and_ports, setup),
		cmocka_unit_test_setup(test_device_port, setup),
		cmocka_unit_test_setup(test_vpmu_backends, setup),
		cmocka_unit_test_setup(test_syntax_errors, setup),
		cmocka_unit_test_setup(test_binary_garbage_is_reported_per_line, setup),
		cmocka_unit_test_setup(test_overlong_line_and_value, setup),
		cmocka_unit_test_setup(test_repeated_key_is_noted_and_last_wins, setup),
		cmocka_unit_test_setup(test_load_options_override_file, setup),
		cmocka_unit_test_setup(test_load_options_errors, setup),
		cmocka_unit_test_setup(test_load_options_first_word_kept_if_key_value, setup),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
