/* The dictionary's engine: names, lookup, and nx_dict_check, which turns
 * what an agent typed (or an import or the wire delivered) into the one
 * canonical form stored, by the field's type alone. The table of fields
 * is in dict_fields.c.
 *
 * Messages are static strings that never repeat the value (they are
 * logged and shown beside masked fields). They do not name the field's
 * limits either: a static string cannot, and the form shows the field's
 * help line, which states them, beside the message. */
#include "domain/dict.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- names -------------------------------------------------------------- */

static const char *const kind_names[NX_KIND_COUNT] = {
    "scheduling", "eligibility", "prior-auth", "roi",
};

const char *nx_kind_name(nx_kind k)
{
    return (unsigned)k < NX_KIND_COUNT ? kind_names[k] : "?";
}

int nx_kind_parse(const char *name)
{
    for (int i = 0; i < NX_KIND_COUNT; i++)
        if (strcmp(kind_names[i], name) == 0)
            return i;
    return -1;
}

/* The policy file uses these words, so they are part of its format. */
static const char *const phi_names[NX_PHI_COUNT] = {
    "none", "name", "address", "date", "phone", "fax", "email", "ssn", "mrn",
    "plan-id", "account", "license", "vehicle", "device", "url", "ip",
    "biometric", "photo", "clinical",
};

const char *nx_phi_name(nx_phi_class c)
{
    return (unsigned)c < NX_PHI_COUNT ? phi_names[c] : "?";
}

int nx_phi_parse(const char *name)
{
    for (int i = 0; i < NX_PHI_COUNT; i++)
        if (strcmp(phi_names[i], name) == 0)
            return i;
    return -1;
}

/* ---- lookup ------------------------------------------------------------- */

const nx_field_def *nx_dict_find(const nx_dict *d, const char *id)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->fields[i].id, id) == 0)
            return &d->fields[i];
    return NULL;
}

size_t nx_dict_fields_of(const nx_dict *d, nx_kind k, const nx_field_def **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!(d->fields[i].kinds & NX_KIND_BIT(k)))
            continue;
        if (n < max)
            out[n] = &d->fields[i];
        n++;
    }
    return n;
}

int nx_dict_required_at(const nx_field_def *f, nx_kind k, const char *status)
{
    if (!f->required_for || !(f->kinds & NX_KIND_BIT(k)))
        return 0;
    const char *kname = nx_kind_name(k);
    size_t klen = strlen(kname), slen = strlen(status);
    const char *p = f->required_for;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *st = p;
        int for_k = 1;
        if (colon) {
            for_k = (size_t)(colon - p) == klen && memcmp(p, kname, klen) == 0;
            st = colon + 1;
        }
        if (for_k && (size_t)(end - st) == slen && memcmp(st, status, slen) == 0)
            return 1;
        p = end;
    }
    return 0;
}

/* ---- checks ------------------------------------------------------------- */

static const char too_long[] = "too long for this field";
static const char bad_utf8[] = "contains bytes that are not valid UTF-8 text";
static const char control_char[] = "contains a control character (tab, line break or similar)";
static const char control_char_long[] = "contains a control character (only line breaks are allowed)";
static const char misconfigured[] = "this field is misconfigured in the dictionary";

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static char to_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* Length of the UTF-8 sequence at s, its code point in *cp; 0 when the
 * bytes are not well-formed UTF-8 (overlong forms, surrogates and values
 * past U+10FFFF included, as RFC 3629 requires). */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n;
    uint32_t v, min;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2, v = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, v = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, v = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Free text: well-formed UTF-8, no C0/C1 control characters or DEL (they
 * would move the cursor or recolour the terminal when the form draws the
 * value), at most max characters (code points) when max > 0. */
static const char *check_text(const nx_field_def *f, const char *in, int multiline)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t chars = 0;
    while (*s) {
        uint32_t cp;
        size_t n = utf8_decode(s, &cp);
        if (n == 0)
            return bad_utf8;
        if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
            if (!(multiline && cp == '\n'))
                return multiline ? control_char_long : control_char;
        }
        s += n;
        chars++;
    }
    if (f->max > 0 && chars > (size_t)f->max)
        return too_long;
    return NULL;
}

static const char *put(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s);
    if (n >= outlen)
        return too_long;
    memcpy(out, s, n + 1);
    return NULL;
}

static const char *check_code(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    if (!f->norm)
        return misconfigured;
    char canon[NX_NORM_MAX];
    const char *msg = f->norm(in, canon);
    return msg ? msg : put(canon, out, outlen);
}

/* Codes are typed "E11.9, I10" or "E11.9 I10" or pasted "E11.9,I10":
 * commas and blanks both separate. Stored as "E11.9, I10". A code listed
 * twice is refused rather than dropped, since the agent may have meant a
 * different code in one of the two places. */
static const char *check_codelist(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    if (!f->norm)
        return misconfigured;
    char seen[NX_VALUE_MAX] = "";
    size_t len = 0, count = 0;
    const char *p = in;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        size_t n = strcspn(p, ", \t");
        char token[NX_NORM_MAX], canon[NX_NORM_MAX];
        if (n >= sizeof token) {
            /* Longer than any code: let the normalizer say what a code
             * looks like, on a cut-down copy that keeps it too long. */
            n = sizeof token - 1;
        }
        memcpy(token, p, n);
        token[n] = '\0';
        const char *msg = f->norm(token, canon);
        if (msg)
            return msg;
        p += strcspn(p, ", \t");
        /* Duplicates are compared in canonical form (e11.9 = E11.9). */
        size_t cl = strlen(canon);
        for (const char *q = seen; *q;) {
            size_t ql = strcspn(q, ",");
            if (ql == cl && memcmp(q, canon, cl) == 0)
                return "a code is listed twice";
            q += ql + (q[ql] == ',');
        }
        if (len + cl + 3 > sizeof seen)
            return too_long;
        if (count > 0) {
            memcpy(seen + len, ",", 1);
            len += 1;
        }
        memcpy(seen + len, canon, cl + 1);
        len += cl;
        count++;
    }
    if (count == 0)
        return "the list has no codes in it";
    /* Re-join with ", " for display. */
    size_t o = 0;
    for (const char *q = seen; *q;) {
        size_t ql = strcspn(q, ",");
        size_t need = ql + (o ? 2 : 0);
        if (o + need + 1 > outlen)
            return too_long;
        if (o) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        memcpy(out + o, q, ql);
        o += ql;
        q += ql + (q[ql] == ',');
    }
    out[o] = '\0';
    return NULL;
}

/* "YYYY-MM-DD HH:MM"; a 'T' between the two (ISO 8601, as imports write
 * it) is accepted too and stored as a blank. */
static const char *check_datetime(const char *in, char *out, size_t outlen)
{
    static const char shape[] = "date and time must be YYYY-MM-DD HH:MM (e.g. 2026-03-08 14:30)";
    size_t n = strlen(in);
    if (n != 16 || (in[10] != ' ' && in[10] != 'T'))
        return shape;
    char date[11], time[6];
    memcpy(date, in, 10);
    date[10] = '\0';
    memcpy(time, in + 11, 6);
    int y, mo, d, h, mi;
    const char *msg = nx_parse_date(date, &y, &mo, &d);
    if (!msg)
        msg = nx_parse_time(time, &h, &mi);
    if (msg)
        return msg;
    char canon[32];
    snprintf(canon, sizeof canon, "%04d-%02d-%02d %02d:%02d", y, mo, d, h, mi);
    return put(canon, out, outlen);
}

/* Whole number, optional minus sign; nine digits at most so the value
 * fits an int before the range check. */
static const char *check_int(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    static const char whole[] = "must be a whole number (digits only)";
    const char *p = in;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (!*p)
        return whole;
    long v = 0;
    size_t digits = 0;
    for (; *p; p++) {
        if (!is_digit(*p))
            return whole;
        if (v == 0 && *p == '0')
            continue; /* leading zeros are not significant */
        if (++digits > 9)
            return "number is outside the range this field allows";
        v = v * 10 + (*p - '0');
    }
    if (neg)
        v = -v;
    long lo = f->min, hi = f->max;
    if (lo == 0 && hi == 0)
        hi = 999999999; /* no range given: any count */
    if (v < lo || v > hi)
        return "number is outside the range this field allows";
    char canon[16];
    snprintf(canon, sizeof canon, "%ld", v);
    return put(canon, out, outlen);
}

/* A decimal number with at most two places, no sign: "1250", "1250.5",
 * "$1250.50". Returns the integer part and the hundredths; -1 when the
 * shape is wrong, -2 when the integer part is too long. */
static int parse_decimal(const char *in, int allow_dollar, long *whole, int *cents, int *places)
{
    const char *p = in;
    if (allow_dollar && *p == '$')
        p++;
    long w = 0;
    size_t digits = 0, sig = 0;
    for (; is_digit(*p); p++) {
        digits++;
        if (w == 0 && *p == '0')
            continue;
        if (++sig > 9)
            return -2;
        w = w * 10 + (*p - '0');
    }
    if (digits == 0)
        return -1;
    int c = 0, pl = 0;
    if (*p == '.') {
        p++;
        for (; is_digit(*p); p++) {
            if (++pl > 2)
                return -1;
            c = c * 10 + (*p - '0');
        }
        if (pl == 0)
            return -1;
        if (pl == 1)
            c *= 10;
    }
    if (*p)
        return -1;
    *whole = w;
    *cents = c;
    *places = pl;
    return 0;
}

static const char *check_money(const char *in, char *out, size_t outlen)
{
    long w;
    int c, pl;
    int r = parse_decimal(in, 1, &w, &c, &pl);
    if (r == -2)
        return "amount is too large";
    if (r)
        return "amount must be dollars and cents, e.g. 1250.00 (no sign or commas)";
    char canon[24];
    snprintf(canon, sizeof canon, "%ld.%02d", w, c);
    return put(canon, out, outlen);
}

static const char *check_percent(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    static const char shape[] = "percentage must be a number from 0 to 100 (e.g. 20 or 12.5)";
    char tmp[NX_NORM_MAX];
    size_t n = strlen(in);
    if (n == 0 || n >= sizeof tmp)
        return shape;
    memcpy(tmp, in, n + 1);
    if (tmp[n - 1] == '%')
        tmp[n - 1] = '\0';
    long w;
    int c, pl;
    if (parse_decimal(tmp, 0, &w, &c, &pl))
        return shape;
    long lo = f->min, hi = f->max;
    if (lo == 0 && hi == 0)
        hi = 100;
    long hundredths = w * 100 + c;
    if (hundredths < lo * 100 || hundredths > hi * 100)
        return shape;
    char canon[24];
    if (c == 0)
        snprintf(canon, sizeof canon, "%ld", w);
    else if (c % 10 == 0)
        snprintf(canon, sizeof canon, "%ld.%d", w, c / 10);
    else
        snprintf(canon, sizeof canon, "%ld.%02d", w, c);
    return put(canon, out, outlen);
}

static int eq_nocase(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (to_lower(*a) != to_lower(*b))
            return 0;
    return *a == *b;
}

static const char *check_bool(const char *in, char *out, size_t outlen)
{
    static const char *const yes[] = { "yes", "y", "true" };
    static const char *const no[] = { "no", "n", "false" };
    for (size_t i = 0; i < 3; i++) {
        if (eq_nocase(in, yes[i]))
            return put("yes", out, outlen);
        if (eq_nocase(in, no[i]))
            return put("no", out, outlen);
    }
    return "answer yes or no";
}

static const char *check_choice(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    if (!f->choices || !f->choices[0])
        return misconfigured;
    for (const char *const *c = f->choices; *c; c++)
        if (eq_nocase(in, *c))
            return put(*c, out, outlen);
    return "not one of this field's choices";
}

static const char *dict_check(const nx_field_def *f, const char *in, char *out, size_t outlen);

/* The checkers hold the value in small stack buffers; scrub them once the
 * canonical form is in out. */
const char *nx_dict_check(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    const char *msg = dict_check(f, in, out, outlen);
    nx_stack_scrub();
    return msg;
}

static const char *dict_check(const nx_field_def *f, const char *in, char *out, size_t outlen)
{
    if (outlen == 0)
        return too_long;
    out[0] = '\0';
    if (in[0] == '\0')
        return NULL;
    if (strlen(in) >= NX_VALUE_MAX)
        return too_long;
    const char *msg;
    switch (f->type) {
    case NX_FT_TEXT:
    case NX_FT_LONGTEXT:
        msg = check_text(f, in, f->type == NX_FT_LONGTEXT);
        if (msg)
            return msg;
        /* Phone-like text (a fax number) goes through its normalizer. */
        return f->norm ? check_code(f, in, out, outlen) : put(in, out, outlen);
    case NX_FT_CODE:
        return check_code(f, in, out, outlen);
    case NX_FT_CODELIST:
        return check_codelist(f, in, out, outlen);
    case NX_FT_DATE: {
        char canon[NX_NORM_MAX];
        msg = nx_norm_date(in, canon);
        return msg ? msg : put(canon, out, outlen);
    }
    case NX_FT_DATETIME:
        return check_datetime(in, out, outlen);
    case NX_FT_INT:
        return check_int(f, in, out, outlen);
    case NX_FT_MONEY:
        return check_money(in, out, outlen);
    case NX_FT_PERCENT:
        return check_percent(f, in, out, outlen);
    case NX_FT_BOOL:
        return check_bool(in, out, outlen);
    case NX_FT_CHOICE:
        return check_choice(f, in, out, outlen);
    }
    return misconfigured;
}
