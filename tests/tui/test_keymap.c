/* The keymap language: exact messages for bad lines, layering, text entry,
 * key names. The whole default keymap is pinned by the golden screens
 * (scripts/keymap.script -> golden/keymap-default.txt). */
#include <criterion/criterion.h>
#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers/run.h"
#include "tui/keymap.h"

static void utf8(void) { setlocale(LC_ALL, "C.UTF-8"); }

static void parse_fails(const char *text, const char *want)
{
    tui_keymap km;
    memset(&km, 0, sizeof km);
    char err[256] = "";
    cr_assert_eq(tui_keymap_parse(&km, text, "t.keys", err, sizeof err), -1, "accepted: %s", text);
    cr_assert_str_eq(err, want);
    tui_keymap_free(&km);
}

Test(keymap, messages_name_file_line_and_problem, .init = utf8)
{
    parse_fails("# ok\nbind generic j move-down\nbind queue o opne\n", "t.keys:3: unknown request 'opne'");
    parse_fails("bind qeue s sort\n",
                "t.keys:1: unknown context 'qeue' (generic, dashboard, queue, form, help, lock, "
                "conflicts)");
    parse_fails("\n\nbind form <F13x> save\n", "t.keys:3: unknown key '<F13x>'");
    parse_fails("bind form <F2>\n", "t.keys:1: expected 'bind CONTEXT KEY REQUEST'");
    parse_fails("bind form <F2> save extra\n", "t.keys:1: expected 'bind CONTEXT KEY REQUEST'");
    parse_fails("map form <F2> save\n", "t.keys:1: unknown command 'map' (expected bind)");
    parse_fails("bind generic jj move-down\n", "t.keys:1: unknown key 'jj'");
    parse_fails("bind generic <C-m> open\n", "t.keys:1: unknown key '<C-m>'");
}

Test(keymap, a_file_from_nexus_conf_reports_its_own_path, .init = utf8)
{
    char dir[512], path[600];
    nx_t_tmpdir(dir, sizeof dir, "keymap");
    snprintf(path, sizeof path, "%s/my.keys", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("bind queue x sort\n\nbind queue o opne\n", f);
    fclose(f);
    tui_keymap km;
    char err[1024], want[1024];
    cr_assert_eq(tui_keymap_load(&km, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: unknown request 'opne'", path);
    cr_assert_str_eq(err, want);
}

Test(keymap, layers_screen_then_generic_and_text_entry, .init = utf8)
{
    tui_keymap km;
    char err[256];
    cr_assert_eq(tui_keymap_load(&km, "default", err, sizeof err), 0, "%s", err);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_QUEUE, 0, 's'), REQ_SORT);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_QUEUE, 0, 'j'), REQ_MOVE_DOWN);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_DASHBOARD, 0, 's'), REQ_NONE);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_DASHBOARD, 0, 'q'), REQ_BACK);
    /* In a form, j and q are text; function keys are commands. */
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, 'j'), REQ_NONE);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, 'q'), REQ_NONE);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, TUI_KEY_FN + KEY_F(2)), REQ_SAVE);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, TUI_KEY_FN + KEY_F(12)), REQ_LOCK);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, 27), REQ_CANCEL);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_LOCK, 1, '\n'), REQ_UNLOCK);
    char keys[128];
    cr_assert_eq(tui_keymap_keys_for(&km, TUI_CTX_QUEUE, 0, REQ_MOVE_DOWN, keys, sizeof keys), 2);
    cr_assert_str_eq(keys, "j, <Down>");
    cr_assert_eq(tui_keymap_keys_for(&km, TUI_CTX_FORM, 1, REQ_MOVE_DOWN, keys, sizeof keys), 0);
    tui_keymap_free(&km);
}

Test(keymap, vi_layers_over_default_and_never_takes_a_fields_editing_keys, .init = utf8)
{
    tui_keymap km;
    char err[256];
    cr_assert_eq(tui_keymap_load(&km, "vi", err, sizeof err), 0, "%s", err);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_QUEUE, 0, 'G'), REQ_MOVE_LAST);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_QUEUE, 0, 'j'), REQ_MOVE_DOWN);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_QUEUE, 0, 'u' & 0x1f), REQ_PAGE_UP);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, 'u' & 0x1f), REQ_NONE);
    cr_assert_eq(tui_keymap_resolve(&km, TUI_CTX_FORM, 1, 'n' & 0x1f), REQ_NEXT_FIELD);
    tui_keymap_free(&km);
}

Test(keymap, none_removes_a_binding, .init = utf8)
{
    tui_keymap km;
    memset(&km, 0, sizeof km);
    char err[256];
    cr_assert_eq(tui_keymap_parse(&km, "bind queue s sort\nbind queue s none\n", "t", err,
                                  sizeof err), 0, "%s", err);
    cr_assert_eq(tui_keymap_get(&km, TUI_CTX_QUEUE, 's'), REQ_NONE);
    tui_keymap_free(&km);
}

Test(keys, names_round_trip, .init = utf8)
{
    static const char *const names[] = {
        "j", "G", "/", "?", "<Enter>", "<Tab>", "<S-Tab>", "<Esc>", "<F1>", "<F2>", "<F12>",
        "<PgUp>", "<PgDn>", "<Home>", "<End>", "<Up>", "<Down>", "<Left>", "<Right>", "<C-l>",
        "<Space>", "<Backspace>", "<Del>", "<Lt>", "<Hash>", "é", NULL,
    };
    for (int i = 0; names[i]; i++) {
        tui_key k;
        char back[32];
        cr_assert_eq(tui_key_parse(names[i], &k), 0, "%s", names[i]);
        tui_key_name(k, back, sizeof back);
        cr_assert_str_eq(back, names[i]);
    }
    tui_key k;
    cr_assert_eq(tui_key_parse("<f5>", &k), 0);
    cr_assert_eq(k, TUI_KEY_FN + KEY_F(5));
    cr_assert_eq(tui_key_from_curses(KEY_CODE_YES, KEY_ENTER), '\n');
    cr_assert_eq(tui_key_from_curses(OK, '\r'), '\n');
    cr_assert_eq(tui_key_from_curses(OK, 127), TUI_KEY_FN + KEY_BACKSPACE);
    /* A function key never equals a character with the same number. */
    cr_assert_neq(tui_key_from_curses(KEY_CODE_YES, KEY_DOWN), tui_key_from_curses(OK, KEY_DOWN));
}

Test(request, names_and_ids, .init = utf8)
{
    cr_assert_eq(nx_request_parse("move-down"), REQ_MOVE_DOWN);
    cr_assert_eq(nx_request_parse("opne"), REQ_NONE);
    cr_assert_str_eq(nx_request_name(REQ_SAVE), "save");
    cr_assert_null(nx_request_name(REQ_NONE));
    cr_assert_gt(REQ_NONE, TUI_KEY_FN + KEY_MAX, "requests sit above every key code");
}
