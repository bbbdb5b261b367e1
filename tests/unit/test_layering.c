/* The layering rules of DESIGN.md, checked on the sources: core/ never
 * includes curses; screens never call SQLite or libsodium. A grep would
 * do the same; having it here means `make test` fails when one is broken. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/helpers/run.h"

static int scan(const char *dir, const char *const *banned, char *hit, size_t hitlen)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            found = scan(path, banned, hit, hitlen);
            continue;
        }
        size_t n = strlen(e->d_name);
        if (n < 2 || (strcmp(e->d_name + n - 2, ".c") && strcmp(e->d_name + n - 2, ".h")))
            continue;
        FILE *f = fopen(path, "r");
        char line[1024];
        int ln = 0;
        while (f && !found && fgets(line, sizeof line, f)) {
            ln++;
            for (const char *const *b = banned; *b && !found; b++)
                if (strstr(line, *b)) {
                    snprintf(hit, hitlen, "%s:%d: %s", path, ln, *b);
                    found = 1;
                }
        }
        if (f)
            fclose(f);
    }
    closedir(d);
    return found;
}

Test(layering, core_never_includes_curses)
{
    static const char *const banned[] = { "curses.h", "<term.h>", "panel.h", NULL };
    char hit[4200] = "";
    cr_assert_not(scan(nx_t_root("core"), banned, hit, sizeof hit), "%s", hit);
}

Test(layering, screens_never_call_sqlite_or_libsodium)
{
    static const char *const banned[] = { "sqlite3", "sodium", "crypto_", NULL };
    char hit[4200] = "";
    cr_assert_not(scan(nx_t_root("screens"), banned, hit, sizeof hit), "%s", hit);
}

Test(layering, hub_and_core_never_include_tui_or_screens)
{
    static const char *const banned[] = { "\"tui/", "\"screens/", NULL };
    char hit[4200] = "";
    cr_assert_not(scan(nx_t_root("core"), banned, hit, sizeof hit), "%s", hit);
    cr_assert_not(scan(nx_t_root("hub"), banned, hit, sizeof hit), "%s", hit);
}

/* Issue 3: the domain's tests run with no curses linked at all. */
Test(layering, unit_tests_link_no_curses)
{
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    char line[1024];
    int curses = 0;
    while (fgets(line, sizeof line, f))
        curses |= strstr(line, "curses") != NULL || strstr(line, "libtinfo") != NULL;
    fclose(f);
    cr_assert_not(curses, "a curses library is mapped into the core test binary");
}
