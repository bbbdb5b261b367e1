/* Matching typed text against names, case-insensitively in any script
 * (see textfold.h). Code points are compared by a key: ASCII lowered,
 * others by ICU's simple case folding, tagged so the two never meet. */
#include "store/textfold.h"

#include <string.h>
#include <unicode/uchar.h>
#include <unicode/uset.h>

#define INVALID_TAG 0x80000000u   /* an invalid byte: matches only itself */
#define FOLD_TAG 0x40000000u      /* a folded code point outside ASCII */

/* The code point at s[*i] (advancing *i); an invalid byte comes back as
 * INVALID_TAG | byte. */
static unsigned next_cp(const char *s, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    unsigned c = p[0];
    size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
             : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 1) {
        *i += 1;
        return c;
    }
    if (n == 0 || (n == 2 && c < 0xC2)) {
        *i += 1;
        return INVALID_TAG | c;
    }
    unsigned v = c & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80) {
            *i += 1;
            return INVALID_TAG | c;
        }
        v = (v << 6) | (p[k] & 0x3F);
    }
    *i += n;
    return v;
}

static unsigned key_of(unsigned c)
{
    if (c & INVALID_TAG)
        return c;
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
    return FOLD_TAG | (unsigned)u_foldCase((UChar32)c, U_FOLD_CASE_DEFAULT);
}

/* 1 when s, from byte `at` on, begins with text. */
static int match_at(const char *s, size_t at, const char *text)
{
    size_t i = at, j = 0;
    while (text[j]) {
        if (!s[i])
            return 0;
        if (key_of(next_cp(s, &i)) != key_of(next_cp(text, &j)))
            return 0;
    }
    return 1;
}

int nx_fold_prefix(const char *s, const char *text)
{
    return match_at(s ? s : "", 0, text ? text : "");
}

int nx_fold_contains(const char *s, const char *text)
{
    s = s ? s : "";
    text = text ? text : "";
    if (!text[0])
        return 1;
    for (size_t i = 0; s[i];) {
        if (match_at(s, i, text))
            return 1;
        (void)next_cp(s, &i);
    }
    return 0;
}

/* ---- case variants ------------------------------------------------------------- */

static void add_sorted(unsigned *out, int *n, int max, unsigned v)
{
    for (int i = 0; i < *n && i < max; i++)
        if (out[i] == v)
            return;
    if (*n < max) {
        int i = *n;
        while (i > 0 && out[i - 1] > v) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = v;
    }
    (*n)++;
}

int nx_fold_class(unsigned c, unsigned *out, int max)
{
    int n = 0;
    if ((c & INVALID_TAG) || c < 0x80) {
        add_sorted(out, &n, max, (c & INVALID_TAG) ? c : key_of(c));
        return n;
    }
    UChar32 fold = u_foldCase((UChar32)c, U_FOLD_CASE_DEFAULT);
    add_sorted(out, &n, max, c);
    /* The case closure (full folding: a superset of the code points with
     * the same simple folding), kept to those outside ASCII that share it. */
    USet *set = uset_open((UChar32)c, (UChar32)c);
    if (!set)
        return n;
    uset_closeOver(set, USET_CASE_INSENSITIVE);
    int32_t items = uset_getItemCount(set);
    for (int32_t k = 0; k < items; k++) {
        UChar32 lo, hi;
        UErrorCode e = U_ZERO_ERROR;
        if (uset_getItem(set, k, &lo, &hi, NULL, 0, &e) != 0)
            continue;   /* a string ("ss" for ß): not one code point */
        for (UChar32 d = lo; d <= hi; d++)
            if (d >= 0x80 && (unsigned)d != c && u_foldCase(d, U_FOLD_CASE_DEFAULT) == fold)
                add_sorted(out, &n, max, (unsigned)d);
    }
    uset_close(set);
    return n;
}

static size_t put_utf8(unsigned c, char *out)
{
    if (c & INVALID_TAG) {
        out[0] = (char)(c & 0xFF);
        return 1;
    }
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

#define CLASS_MAX 8

int nx_fold_variants(const char *text, char *out, size_t len, int max, int *whole)
{
    *whole = 1;
    if (max < 1 || strlen(text) + 1 > len)
        return -1;
    out[0] = '\0';
    int count = 1;
    for (size_t i = 0; text[i];) {
        unsigned cls[CLASS_MAX];
        int n = nx_fold_class(next_cp(text, &i), cls, CLASS_MAX);
        size_t longest = 0;
        char enc[CLASS_MAX][4];
        size_t elen[CLASS_MAX];
        for (int k = 0; k < n && k < CLASS_MAX; k++) {
            elen[k] = put_utf8(cls[k], enc[k]);
            longest = elen[k] > longest ? elen[k] : longest;
        }
        int fits = 1;
        for (int v = 0; v < count && fits; v++)
            fits = strlen(out + (size_t)v * len) + longest + 1 <= len;
        if (n > CLASS_MAX || count * n > max || !fits) {
            *whole = 0;   /* the variants of the part before this character */
            break;
        }
        /* Variant v of the longer text is variant v / n of the shorter one
         * and class member v % n: built in place from the last down (v / n
         * is below v, so it is read before it is overwritten). */
        for (int v = count * n - 1; v >= 0; v--) {
            char *dst = out + (size_t)v * len;
            const char *src = out + (size_t)(v / n) * len;
            size_t sl = strlen(src);
            if (dst != src)
                memmove(dst, src, sl);
            memcpy(dst + sl, enc[v % n], elen[v % n]);
            dst[sl + elen[v % n]] = '\0';
        }
        count *= n;
    }
    return count;
}

/* ---- SQL ------------------------------------------------------------------------- */

static void sql_fold(sqlite3_context *ctx, int argc, sqlite3_value **argv, int contains)
{
    (void)argc;
    const char *s = (const char *)sqlite3_value_text(argv[0]);
    const char *t = (const char *)sqlite3_value_text(argv[1]);
    if (!s || !t) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    sqlite3_result_int(ctx, contains ? nx_fold_contains(s, t) : nx_fold_prefix(s, t));
}

static void sql_prefix(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sql_fold(ctx, argc, argv, 0);
}

static void sql_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sql_fold(ctx, argc, argv, 1);
}

int nx_fold_register(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_create_function_v2(db, "nx_fold_prefix", 2, flags, NULL, sql_prefix, NULL, NULL,
                                   NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "nx_fold_contains", 2, flags, NULL, sql_contains, NULL,
                                   NULL, NULL) != SQLITE_OK)
        return -1;
    return 0;
}
