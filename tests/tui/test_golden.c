/* Golden screens: each script in tests/tui/scripts runs the real client
 * headless (tests/tui/run-script.sh: fixed profile, pinned terminal, clock
 * and locale) and every screen it saves must equal its committed copy in
 * tests/tui/golden/. This test only reads the golden files; `make golden`
 * (tests/tui/golden.sh) rewrites them on purpose, for review. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers/run.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

/* The first line where a and b differ, for the failure message. */
static void first_difference(const char *a, const char *b, char *out, size_t len)
{
    int line = 1;
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
        if (la != lb || memcmp(a, b, la) != 0) {
            snprintf(out, len, "line %d:\n  golden: |%.*s|\n  actual: |%.*s|", line, (int)la, a,
                     (int)lb, b);
            return;
        }
        a += la + (ea ? 1 : 0);
        b += lb + (eb ? 1 : 0);
        line++;
    }
    snprintf(out, len, "line %d: one of them ends there", line);
}

/* Runs scripts/NAME.script into out (a fresh directory unless keep) and
 * compares the screens it saved; returns how many. */
static int run_in(const char *name, char *out, size_t outlen, int keep)
{
    char script[1024], runner[1024];
    if (!keep)
        nx_t_tmpdir(out, outlen, name);
    cr_assert(out[0], "no temporary directory");
    snprintf(script, sizeof script, "%s", nx_t_root("tests/tui/scripts/"));
    strncat(script, name, sizeof script - strlen(script) - 1);
    strncat(script, ".script", sizeof script - strlen(script) - 1);
    snprintf(runner, sizeof runner, "%s", nx_t_root("tests/tui/run-script.sh"));
    const char *bin = getenv("NX_TEST_BIN");
    const char *argv[] = { "/bin/sh", runner, bin && *bin ? bin : "build/test", script, out, NULL };
    const char *env[] = { keep ? "NX_KEEP_PROFILE=1" : "NX_KEEP_PROFILE=0", NULL };
    nx_t_result r;
    cr_assert_eq(nx_t_run(argv, env, NULL, &r), 0);
    cr_assert_eq(r.status, 0, "%s: exit %d\n%s%s", name, r.status, r.out, r.err);

    /* Every file the script writes has a golden twin. */
    char *text = slurp(script);
    cr_assert_not_null(text);
    int compared = 0;
    for (char *p = strstr(text, "@OUT@/"); p; p = strstr(p + 1, "@OUT@/")) {
        char file[128];
        if (sscanf(p + 6, "%127s", file) != 1)
            continue;
        char actual_path[700], golden_path[1024];
        snprintf(actual_path, sizeof actual_path, "%s/%s", out, file);
        snprintf(golden_path, sizeof golden_path, "%s", nx_t_root("tests/tui/golden/"));
        strncat(golden_path, file, sizeof golden_path - strlen(golden_path) - 1);
        char *want = slurp(golden_path), *got = slurp(actual_path);
        char problem[1400] = "";
        if (!got)
            snprintf(problem, sizeof problem, "%s: the script did not write %s", name, file);
        else if (!want)
            snprintf(problem, sizeof problem, "no golden file %s: review the screen in %s and "
                     "run `make golden`", golden_path, actual_path);
        else if (strcmp(want, got) != 0) {
            char diff[1024];
            first_difference(want, got, diff, sizeof diff);
            snprintf(problem, sizeof problem, "%s differs from tests/tui/golden/%s (actual in %s), %s",
                     file, file, actual_path, diff);
        }
        free(want);
        free(got);
        if (problem[0]) {
            free(text);
            cr_assert_fail("%s", problem);
        }
        compared++;
    }
    free(text);
    return compared;
}

static void run_script(const char *name)
{
    char out[512];
    cr_assert_gt(run_in(name, out, sizeof out, 0), 0, "%s saves no screen", name);
}

Test(golden, unlock) { run_script("unlock"); }
Test(golden, queues) { run_script("queues"); }
Test(golden, forms) { run_script("forms"); }
Test(golden, edit) { run_script("edit"); }
Test(golden, a_field_typed_back_is_no_change) { run_script("edit-back"); }
Test(golden, lock) { run_script("lock"); }
Test(golden, keymap_default) { run_script("keymap"); }
Test(golden, keymap_vi) { run_script("vi"); }
Test(golden, wide_terminal_note_and_step) { run_script("wide"); }
Test(golden, passphrase_forced_change) { run_script("passwd-forced"); }
Test(golden, passphrase_reminder) { run_script("passwd-remind"); }
Test(golden, supervisor_conflicts_and_reroute) { run_script("conflicts"); }
Test(golden, supervisor_reroutes_a_whole_queue) { run_script("reroute"); }
Test(golden, agent_refused_rerouting_a_queue) { run_script("reroute-refused"); }
Test(golden, new_item) { run_script("newitem"); }
Test(golden, new_item_patient_menu_past_nine) { run_script("newitem-many"); }
Test(golden, kpi_supervisor) { run_script("kpi"); }
Test(golden, kpi_operations) { run_script("kpi-operations"); }
Test(golden, audit_review) { run_script("audit"); }
Test(golden, qa_review_scorecard_capa) { run_script("qa"); }
Test(golden, incident_officer) { run_script("incident"); }
Test(golden, patient_request_and_misfax) { run_script("patreq"); }

/* An incident report typed, locked, unlocked, hung up: back from its
 * draft each time; filed, the draft is gone. */
Test(golden, report_draft_kept_across_lock_and_hangup)
{
    char out[512];
    run_in("report-draft", out, sizeof out, 0);
    run_in("report-draft-reopen", out, sizeof out, 1);
}

/* SIGHUP (the terminal closed) mid-edit: the draft is in the cache and
 * the next run shows it. */
Test(golden, hangup_keeps_the_draft)
{
    char out[512];
    run_in("hangup", out, sizeof out, 0);
    run_in("hangup-reopen", out, sizeof out, 1);
}
