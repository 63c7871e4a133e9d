#include "pmu/prof_request.h"
#include "pmu/sample_ring.h"
#include "lib/number.h"
#include "lib/string.h"

const char *prof_backend_name(enum prof_backend backend)
{
	static const char *const names[] = { [PROF_BACKEND_AUTO] = "auto",
					     [PROF_BACKEND_TIMER] = "timer",
					     [PROF_BACKEND_HW] = "hw" };

	return names[backend];
}

static int bad_number(const struct out *err, const char *key, const char *value, uint64_t min,
		      uint64_t max)
{
	out_printf(err, "prof start: bad value '%s' for %s (a number from %lu to %lu)\n", value,
		   key, (unsigned long)min, (unsigned long)max);
	return -1;
}

static int number(const struct out *err, const char *key, const char *value, uint64_t min,
		  uint64_t max, uint64_t *out)
{
	if (parse_unsigned(value, max, out) < 0 || *out < min)
		return bad_number(err, key, value, min, max);
	return 0;
}

static int set_event(struct prof_request *r, const char *value, const struct out *err)
{
	unsigned i;

	r->event = pmu_event_find(value);
	if (r->event)
		return 0;
	out_printf(err, "prof start: unknown event '%s' (", value);
	for (i = 0; i < pmu_event_count; i++)
		out_printf(err, "%s%s", i ? ", " : "", pmu_events[i].name);
	out_printf(err, "; or raw=0xUMASK_EVENT)\n");
	return -1;
}

static int set_backend(struct prof_request *r, const char *value, const struct out *err)
{
	if (str_case_equal(value, "hw"))
		r->backend = PROF_BACKEND_HW;
	else if (str_case_equal(value, "timer"))
		r->backend = PROF_BACKEND_TIMER;
	else {
		out_printf(err, "prof start: unknown backend '%s' (hw or timer)\n", value);
		return -1;
	}
	return 0;
}

int prof_request_parse(int argc, char **argv, struct prof_request *r, const struct out *err)
{
	uint64_t v;
	int i;

	*r = (struct prof_request){ PROF_BACKEND_AUTO, 0, false, 0, 0, 0, 0 };
	for (i = 0; i < argc; i++) {
		char *value = strchr(argv[i], '=');
		const char *key = argv[i];

		if (value)
			*value++ = '\0';
		if (str_case_equal(key, "callchain")) {
			v = PROF_DEFAULT_CHAIN_DEPTH;
			if (value && number(err, "callchain", value, 1, SAMPLE_CHAIN_MAX, &v) < 0)
				return -1;
			r->chain_depth = (unsigned)v;
			continue;
		}
		if (!value || !*value) {
			out_printf(err, "prof start: '%s' needs a value (%s=...)\n", key, key);
			return -1;
		}
		if (str_case_equal(key, "event")) {
			if (r->raw) goto both_events;
			if (set_event(r, value, err) < 0)
				return -1;
		} else if (str_case_equal(key, "raw")) {
			if (r->event) goto both_events;
			if (number(err, "raw", value, 1, 0xffff, &v) < 0)
				return -1;
			r->raw = true;
			r->raw_code = (uint16_t)v;
		} else if (str_case_equal(key, "period")) {
			if (r->freq_hz) goto both_rates;
			if (number(err, "period", value, PROF_MIN_PERIOD, 1ull << 40, &r->period) < 0)
				return -1;
		} else if (str_case_equal(key, "freq")) {
			if (r->period) goto both_rates;
			if (number(err, "freq", value, 1, PROF_MAX_HZ, &v) < 0)
				return -1;
			r->freq_hz = (uint32_t)v;
		} else if (str_case_equal(key, "backend")) {
			if (set_backend(r, value, err) < 0)
				return -1;
		} else {
			out_printf(err, "prof start: unknown option '%s' (event=, raw=, period=, "
					"freq=, callchain[=DEPTH], backend=)\n", key);
			return -1;
		}
	}
	return 0;
both_events:
	out_printf(err, "prof start: give event= or raw=, not both\n");
	return -1;
both_rates:
	out_printf(err, "prof start: give period= or freq=, not both\n");
	return -1;
}
