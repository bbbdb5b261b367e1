/* core/util: nx_strcut, the bounded copy that stands for
 * snprintf(dst, size, "%s", src) where a pull copies columns. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

TestSuite(strcut);

/* What snprintf would leave, for every size from 0 to past the end. */
Test(strcut, it_leaves_what_snprintf_leaves_at_every_size)
{
    static const char *const src[] = { "", "a", "it-0001", "scheduling", "ab\0cd" };
    for (size_t k = 0; k < sizeof src / sizeof src[0]; k++)
        for (size_t size = 0; size <= 14; size++) {
            char want[16], got[16];
            memset(want, 'x', sizeof want);
            memset(got, 'x', sizeof got);
            snprintf(want, size, "%s", src[k]);
            size_t n = nx_strcut(got, size, src[k]);
            cr_assert_eq(memcmp(got, want, sizeof got), 0, "\"%s\" into %zu bytes", src[k], size);
            cr_assert_eq(n, size ? strlen(want) : 0, "\"%s\" into %zu bytes", src[k], size);
        }
}

Test(strcut, null_copies_the_empty_string)
{
    char b[4] = "abc";
    cr_assert_eq(nx_strcut(b, sizeof b, NULL), 0);
    cr_assert_str_eq(b, "");
    cr_assert_eq(b[1], 'b', "nothing past the terminator is written");
}
