#include "lib/format.h"
#include "lib/string.h"

#include <stdint.h>

struct spec {
	int left, zero, group, plus;
	int width;     /* -1: none */
	int precision; /* -1: none */
	int length;    /* 0, 'H' (hh), 'h', 'l', 'L' (ll), 'z' */
};

struct emitter {
	format_sink sink;
	void *ctx;
	size_t count;
};

static void emit(struct emitter *e, const char *s, size_t n)
{
	if (n) {
		e->sink(e->ctx, s, n);
		e->count += n;
	}
}

static void emit_repeat(struct emitter *e, char c, int n)
{
	char block[16];

	memset(block, c, sizeof(block));
	while (n > 0) {
		int chunk = n < (int)sizeof(block) ? n : (int)sizeof(block);

		emit(e, block, (size_t)chunk);
		n -= chunk;
	}
}

/* Emit a field of 'len' characters (after an optional prefix) padded to
 * the spec's width. Zero padding goes between prefix and digits. */
static void emit_field(struct emitter *e, const struct spec *sp, const char *prefix,
		       const char *body, size_t len)
{
	size_t plen = strlen(prefix);
	int pad = sp->width > (int)(plen + len) ? sp->width - (int)(plen + len) : 0;

	if (!sp->left && !sp->zero)
		emit_repeat(e, ' ', pad);
	emit(e, prefix, plen);
	if (!sp->left && sp->zero)
		emit_repeat(e, '0', pad);
	emit(e, body, len);
	if (sp->left)
		emit_repeat(e, ' ', pad);
}

static void emit_number(struct emitter *e, const struct spec *sp, uint64_t value,
			int negative, unsigned base, int upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[96];
	size_t n = sizeof(tmp), ndigits = 0;
	char sign_prefix[4];

	do {
		if (sp->group && base == 10 && ndigits && ndigits % 3 == 0)
			tmp[--n] = ',';
		tmp[--n] = digits[value % base];
		value /= base;
		ndigits++;
	} while (value);
	while (sp->precision > 0 && ndigits < (size_t)sp->precision && n > 0) {
		tmp[--n] = '0';
		ndigits++;
	}
	if (negative)
		str_copy(sign_prefix, "-", sizeof(sign_prefix));
	else if (sp->plus)
		str_copy(sign_prefix, "+", sizeof(sign_prefix));
	else
		str_copy(sign_prefix, prefix, sizeof(sign_prefix));
	emit_field(e, sp, sign_prefix, tmp + n, sizeof(tmp) - n);
}

static uint64_t take_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (unsigned char)va_arg(*ap, unsigned int);
	case 'h': return (unsigned short)va_arg(*ap, unsigned int);
	case 'l': return va_arg(*ap, unsigned long);
	case 'L': return va_arg(*ap, unsigned long long);
	case 'z': return va_arg(*ap, size_t);
	default:  return va_arg(*ap, unsigned int);
	}
}

static int64_t take_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H': return (signed char)va_arg(*ap, int);
	case 'h': return (short)va_arg(*ap, int);
	case 'l': return va_arg(*ap, long);
	case 'L': return va_arg(*ap, long long);
	case 'z': return (int64_t)va_arg(*ap, size_t);
	default:  return va_arg(*ap, int);
	}
}

/* Parse flags, width, precision and length at *fmt; returns the
 * conversion character (0 at the end of the string). */
static char parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
	const char *p = *fmt;

	memset(sp, 0, sizeof(*sp));
	sp->width = sp->precision = -1;
	for (;; p++) {
		if (*p == '-') sp->left = 1;
		else if (*p == '0') sp->zero = 1;
		else if (*p == '\'') sp->group = 1;
		else if (*p == '+') sp->plus = 1;
		else break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = 1;
			sp->width = -sp->width;
		}
		p++;
	} else {
		for (; char_is_digit(*p); p++)
			sp->width = (sp->width < 0 ? 0 : sp->width * 10) + (*p - '0');
	}
	if (*p == '.') {
		p++;
		sp->precision = 0;
		if (*p == '*') {
			sp->precision = va_arg(*ap, int);
			p++;
		} else {
			for (; char_is_digit(*p); p++)
				sp->precision = sp->precision * 10 + (*p - '0');
		}
	}
	if (p[0] == 'h' && p[1] == 'h') { sp->length = 'H'; p += 2; }
	else if (p[0] == 'l' && p[1] == 'l') { sp->length = 'L'; p += 2; }
	else if (*p == 'h' || *p == 'l' || *p == 'z') sp->length = *p++;
	if (sp->left || sp->precision >= 0)
		sp->zero = 0;
	*fmt = *p ? p + 1 : p;
	return *p;
}

size_t format_v(format_sink sink, void *ctx, const char *fmt, va_list ap_in)
{
	struct emitter e = { sink, ctx, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		const char *start = fmt;
		struct spec sp;
		char conv;

		while (*fmt && *fmt != '%')
			fmt++;
		emit(&e, start, (size_t)(fmt - start));
		if (!*fmt)
			break;
		start = fmt++;
		conv = parse_spec(&fmt, &sp, &ap);
		switch (conv) {
		case 'd':
		case 'i': {
			int64_t v = take_signed(&sp, &ap);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

			emit_number(&e, &sp, mag, v < 0, 10, 0, "");
			break;
		}
		case 'u':
			emit_number(&e, &sp, take_unsigned(&sp, &ap), 0, 10, 0, "");
			break;
		case 'x':
		case 'X':
			sp.plus = 0;
			emit_number(&e, &sp, take_unsigned(&sp, &ap), 0, 16, conv == 'X', "");
			break;
		case 'p':
			sp.plus = 0;
			sp.precision = 16;
			emit_number(&e, &sp, (uintptr_t)va_arg(ap, void *), 0, 16, 0, "0x");
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);

			emit_field(&e, &sp, "", &c, 1);
			break;
		}
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t len;

			if (!s)
				s = "(null)";
			len = sp.precision >= 0 ? strnlen(s, (size_t)sp.precision) : strlen(s);
			sp.zero = 0;
			emit_field(&e, &sp, "", s, len);
			break;
		}
		case '%':
			emit(&e, "%", 1);
			break;
		default:
			/* Unknown or truncated conversion: show it as written. */
			emit(&e, start, (size_t)(fmt - start));
			break;
		}
	}
	va_end(ap);
	return e.count;
}

size_t format(format_sink sink, void *ctx, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_v(sink, ctx, fmt, ap);
	va_end(ap);
	return n;
}

struct buffer {
	char *buf;
	size_t size, used;
};

static void buffer_sink(void *ctx, const char *text, size_t len)
{
	struct buffer *b = ctx;

	while (len--) {
		if (b->size && b->used < b->size - 1)
			b->buf[b->used] = *text;
		b->used++;
		text++;
	}
}

size_t format_buf_v(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer b = { buf, size, 0 };
	size_t n = format_v(buffer_sink, &b, fmt, ap);

	if (size)
		buf[b.used < size ? b.used : size - 1] = '\0';
	return n;
}

size_t format_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = format_buf_v(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void out_printf(const struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_v(o->sink, o->ctx, fmt, ap);
	va_end(ap);
}
