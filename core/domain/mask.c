/* Masking: the one place that decides what of a value a role gets (rules
 * per PHI class in policy.h). Works on code points so a name like "Núñez"
 * or "王伟" keeps whole characters, and writes whole characters only, so a
 * short buffer never ends in half a UTF-8 sequence on the screen. */
#include "domain/policy.h"

#include <stdint.h>
#include <string.h>

#define B NX_MASK_BULLET
#define B3 B B B
#define B4 B B B B

typedef struct {
    char *out;
    size_t cap, len;
    int full;          /* something did not fit: write nothing more */
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->full || b->cap == 0)
        return;
    if (b->len + n >= b->cap) {
        b->full = 1;
        return;
    }
    memcpy(b->out + b->len, s, n);
    b->len += n;
    b->out[b->len] = '\0';
}

static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* Bytes in the well-formed UTF-8 sequence at s, 0 if it is not one (the
 * same rules as nx_dict_check: no overlongs, surrogates or > U+10FFFF). */
static size_t cp_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    size_t n;
    uint32_t v, min;
    if ((s[0] & 0xE0) == 0xC0)
        n = 2, v = s[0] & 0x1F, min = 0x80;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, v = s[0] & 0x0F, min = 0x800;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, v = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

/* Code points in s, or -1 when s is not valid UTF-8. */
static long cp_count(const char *s)
{
    long n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; n++) {
        size_t l = cp_len(p);
        if (!l)
            return -1;
        p += l;
    }
    return n;
}

static size_t next(const char *s) { return cp_len((const unsigned char *)s); }

/* "José Núñez" -> "J••• N•••": the first character of each word. */
static void mask_name(sbuf *b, const char *v)
{
    int first = 1;
    for (const char *p = v; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (!first)
            puts_(b, " ");
        first = 0;
        put(b, p, next(p));
        puts_(b, B3);
        while (*p && *p != ' ')
            p += next(p);
    }
    if (first)
        puts_(b, B4);
}

/* Town, state and ZIP are what a limited data set may keep (seed 004 §5):
 * the street part before them goes. */
static void mask_address(sbuf *b, const char *v)
{
    size_t parts = 1;
    for (const char *p = v; *p; p++)
        parts += *p == ',';
    if (parts < 2) {
        puts_(b, B3);
        return;
    }
    size_t keep = parts - 1 < 2 ? parts - 1 : 2;
    size_t skip = parts - keep; /* commas to pass: the kept text starts at the last of them */
    const char *p = v;
    for (size_t seen = 0;; p++)
        if (*p == ',' && ++seen == skip)
            break;
    puts_(b, B3);
    puts_(b, p);
}

/* The year stays (HIPAA's safe harbour keeps years), every other digit
 * goes; the separators keep the shape readable: "1980-••-••". */
static void mask_date(sbuf *b, const char *v)
{
    int year = v[0] >= '0' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' &&
               v[2] <= '9' && v[3] >= '0' && v[3] <= '9' && v[4] == '-';
    if (!year) {
        puts_(b, B4);
        return;
    }
    put(b, v, 4);
    for (const char *p = v + 4; *p; p += next(p)) {
        if (*p == '-' || *p == ' ' || *p == ':')
            put(b, p, 1);
        else
            puts_(b, B);
    }
}

/* "••••" + the last four characters, only when at least as many stay
 * hidden: the last 4 of a 6-character MRN would be most of it. */
static void mask_tail4(sbuf *b, const char *v, long chars)
{
    puts_(b, B4);
    if (chars < 8)
        return;
    const char *p = v;
    for (long i = 0; i < chars - 4; i++)
        p += next(p);
    puts_(b, p);
}

/* "n•••@example.com": enough to confirm an address with the patient. */
static void mask_email(sbuf *b, const char *v)
{
    const char *at = strrchr(v, '@');
    if (!at || at == v) {
        puts_(b, B4);
        return;
    }
    put(b, v, next(v));
    puts_(b, B3);
    puts_(b, at);
}

void nx_mask_partial_value(const nx_field_def *f, const char *value, char *out, size_t outlen)
{
    sbuf b = { out, outlen, 0, 0 };
    if (outlen)
        out[0] = '\0';
    if (!value || !*value)
        return;
    long chars = cp_count(value);
    if (chars < 0) {
        puts_(&b, B4);
        return;
    }
    switch (f->phi) {
    case NX_PHI_NAME:
        mask_name(&b, value);
        return;
    case NX_PHI_ADDRESS:
        mask_address(&b, value);
        return;
    case NX_PHI_DATE:
        mask_date(&b, value);
        return;
    case NX_PHI_EMAIL:
        mask_email(&b, value);
        return;
    case NX_PHI_PHONE:
    case NX_PHI_FAX:
    case NX_PHI_SSN:
    case NX_PHI_MRN:
    case NX_PHI_PLAN_ID:
    case NX_PHI_ACCOUNT:
    case NX_PHI_LICENSE:
    case NX_PHI_VEHICLE:
    case NX_PHI_DEVICE:
        mask_tail4(&b, value, chars);
        return;
    case NX_PHI_NONE:
    case NX_PHI_URL:
    case NX_PHI_IP:
    case NX_PHI_BIOMETRIC:
    case NX_PHI_PHOTO:
    case NX_PHI_CLINICAL:
    case NX_PHI_COUNT:
        break;
    }
    puts_(&b, B4);
}

/* value as is, cut at a character boundary if out is short. */
static void copy_whole_chars(const char *value, char *out, size_t outlen)
{
    size_t n = strlen(value);
    if (n >= outlen) {
        n = outlen - 1;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, value, n);
    out[n] = '\0';
}

nx_level nx_mask(const nx_policy *p, nx_role r, const nx_field_def *f, const char *value,
                 nx_mask_target target, char *out, size_t outlen)
{
    if (outlen)
        out[0] = '\0';
    nx_level level = nx_policy_level(p, r, f);
    if (level == NX_LEVEL_HIDDEN || !value || !*value || outlen == 0)
        return level;
    if (level == NX_LEVEL_FULL || (level == NX_LEVEL_REVEAL && target == NX_MASK_HOLD))
        copy_whole_chars(value, out, outlen);
    else
        nx_mask_partial_value(f, value, out, outlen);
    return level;
}
