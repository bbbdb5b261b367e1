/* How typed text matches names (core/store/textfold.c): any case, any
 * script; the case classes checked against every code point Unicode
 * folds; the case variants a name-key range search uses; the SQL
 * functions. Synthetic names only. */
#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>

#include "store/textfold.h"

Test(textfold, prefix_in_any_case_and_script)
{
    static const struct { const char *s, *t; int m; } cases[] = {
        { "Núñez, José", "núñ", 1 }, { "NÚÑEZ, ANA", "núñez, a", 1 }, { "núñez", "NÚÑEZ", 1 },
        { "Núñez", "ñez", 0 }, { "Nguyễn, Thị Hoa", "NGUYỄN, THỊ", 1 }, { "王, 伟", "王", 1 },
        { "Çelik", "çel", 1 }, { "Σοφία", "ΣΟΦΊΑ", 1 }, { "ς", "Σ", 1 }, { "Straße", "STRAẞE", 1 },
        { "Straße", "strasse", 0 }, { "ǅemal", "ǆ", 1 }, { "ǅemal", "Ǆ", 1 },
        { "Kelvin", "kel", 1 }, { "\u212aelvin", "kel", 0 }, { "Kelvin", "\u212a", 0 },
        { "abc", "", 1 }, { "ab", "abc", 0 }, { "", "a", 0 },
        { "a\xff" "b", "A\xff", 1 }, { "a\xfe", "a\xff", 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_eq(nx_fold_prefix(cases[i].s, cases[i].t), cases[i].m, "'%s' begins '%s'",
                     cases[i].s, cases[i].t);
    cr_assert_eq(nx_fold_contains("Bluewater Health Plan", "HEALTH"), 1);
    cr_assert_eq(nx_fold_contains("Ünited Care", "üNITED"), 1);
    cr_assert_eq(nx_fold_contains("Ünited Care", "re"), 1);
    cr_assert_eq(nx_fold_contains("Ünited Care", "ünitedx"), 0);
    cr_assert_eq(nx_fold_contains("anything", ""), 1);
}

/* Every code point Unicode's simple folding maps (and every one it maps
 * to): nx_fold_class gives the code points outside ASCII that fold alike,
 * found here by brute force over the whole code space. */
typedef struct { int32_t fold, cp; } pair;
static int by_fold(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    return x->fold != y->fold ? (x->fold > y->fold) - (x->fold < y->fold)
                              : (x->cp > y->cp) - (x->cp < y->cp);
}

Test(textfold, case_classes_equal_a_brute_force_over_unicode)
{
    size_t cap = 8192, n = 0;
    pair *p = calloc(cap, sizeof *p);
    cr_assert_not_null(p);
    for (UChar32 c = 0x80; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        UChar32 f = u_foldCase(c, U_FOLD_CASE_DEFAULT);
        if (f == c)
            continue;
        cr_assert_lt(n + 2, cap);
        p[n++] = (pair){ f, c };
        if (f >= 0x80)
            p[n++] = (pair){ f, f };
    }
    qsort(p, n, sizeof *p, by_fold);
    size_t checked = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j].fold == p[i].fold)
            j++;
        /* the group: its distinct members outside ASCII */
        unsigned want[16];
        int nw = 0;
        for (size_t k = i; k < j; k++)
            if (p[k].cp >= 0x80 && (nw == 0 || want[nw - 1] != (unsigned)p[k].cp))
                want[nw++] = (unsigned)p[k].cp;
        for (int m = 0; m < nw; m++) {
            unsigned got[16];
            int ng = nx_fold_class(want[m], got, 16);
            cr_assert_eq(ng, nw, "U+%04X: %d in its class, %d fold alike", want[m], ng, nw);
            for (int k = 0; k < nw; k++)
                cr_assert_eq(got[k], want[k], "U+%04X: member %d", want[m], k);
            checked++;
        }
        i = j;
    }
    cr_assert_gt(checked, 1000, "only %zu code points", checked);
    free(p);
    /* ASCII: itself, lowered; a code point no one folds to: itself */
    unsigned one[4];
    cr_assert_eq(nx_fold_class('K', one, 4), 1);
    cr_assert_eq(one[0], 'k');
    cr_assert_eq(nx_fold_class(0x738B, one, 4), 1);   /* 王 */
    cr_assert_eq(one[0], 0x738B);
}

static int has(const char *v, int n, size_t len, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(v + (size_t)i * len, s) == 0)
            return 1;
    return 0;
}

Test(textfold, variants_of_a_text_for_keys_with_only_a_z_lowered)
{
    char v[NX_FOLD_VARIANTS_MAX][64];
    int whole = -1;
    cr_assert_eq(nx_fold_variants("Nú", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole), 2);
    cr_assert_eq(whole, 1);
    cr_assert(has(v[0], 2, sizeof v[0], "nú") && has(v[0], 2, sizeof v[0], "nÚ"));
    cr_assert_eq(nx_fold_variants("NÚÑEZ, j", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole),
                 4);
    cr_assert_eq(whole, 1);
    cr_assert(has(v[0], 4, sizeof v[0], "nÚñez, j") && has(v[0], 4, sizeof v[0], "núÑez, j"));
    cr_assert_eq(nx_fold_variants("ǅe", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole), 3);
    cr_assert_eq(nx_fold_variants("smith", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole), 1);
    cr_assert_str_eq(v[0], "smith");
    cr_assert_eq(nx_fold_variants("王伟", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole), 1);
    /* four letters of two cases each: 16 forms, more than the ranges a
     * keystroke may cost; the forms of the first three (a superset) */
    cr_assert_eq(nx_fold_variants("áéíó", v[0], sizeof v[0], NX_FOLD_VARIANTS_MAX, &whole), 8);
    cr_assert_eq(whole, 0);
    for (int i = 0; i < 8; i++)
        cr_assert_eq(nx_fold_prefix(v[i], "áéí"), 1, "%s", v[i]);
    cr_assert(has(v[0], 8, sizeof v[0], "ÁéÍ"));
    /* a text that does not fit */
    cr_assert_eq(nx_fold_variants("0123456789", v[0], 8, 1, &whole), -1);
}

Test(textfold, sql_functions)
{
    sqlite3 *db = NULL;
    cr_assert_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
    cr_assert_eq(nx_fold_register(db), 0);
    sqlite3_stmt *st = NULL;
    cr_assert_eq(sqlite3_prepare_v2(db, "SELECT nx_fold_prefix('NÚÑEZ, ANA', 'núñ'),"
                                    " nx_fold_prefix('núñez', 'ñez'),"
                                    " nx_fold_contains('Ünited Care', 'üNI'),"
                                    " nx_fold_prefix(NULL, 'a')", -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    cr_assert_eq(sqlite3_column_int(st, 0), 1);
    cr_assert_eq(sqlite3_column_int(st, 1), 0);
    cr_assert_eq(sqlite3_column_int(st, 2), 1);
    cr_assert_eq(sqlite3_column_int(st, 3), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
