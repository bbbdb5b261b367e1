/* tui/keys — key names <-> key codes. One table serves the parser, the
 * help screen and the key hints, so a key is always written one way. */
#include "tui/keys.h"

#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>
#include <wctype.h>

static const struct {
    const char *name;
    tui_key key;
} named[] = {
    { "Enter", '\n' },
    { "Tab", '\t' },
    { "Esc", 27 },
    { "Space", ' ' },
    { "Lt", '<' },
    { "Hash", '#' },
    { "S-Tab", TUI_KEY_FN + KEY_BTAB },
    { "Backspace", TUI_KEY_FN + KEY_BACKSPACE },
    { "Del", TUI_KEY_FN + KEY_DC },
    { "Ins", TUI_KEY_FN + KEY_IC },
    { "Up", TUI_KEY_FN + KEY_UP },
    { "Down", TUI_KEY_FN + KEY_DOWN },
    { "Left", TUI_KEY_FN + KEY_LEFT },
    { "Right", TUI_KEY_FN + KEY_RIGHT },
    { "PgUp", TUI_KEY_FN + KEY_PPAGE },
    { "PgDn", TUI_KEY_FN + KEY_NPAGE },
    { "Home", TUI_KEY_FN + KEY_HOME },
    { "End", TUI_KEY_FN + KEY_END },
};

tui_key tui_key_from_curses(int rc, unsigned wch)
{
    if (rc == KEY_CODE_YES) {
        if (wch == KEY_ENTER)
            return '\n';
        return TUI_KEY_FN + (int)wch;
    }
    if (wch == '\r' || wch == '\n')
        return '\n';
    if (wch == 127 || wch == 8)
        return TUI_KEY_FN + KEY_BACKSPACE;
    return (tui_key)wch;
}

/* One UTF-8 code point making up the whole string, or -1. */
static long single_char(const char *s)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t n = mbrtowc(&wc, s, strlen(s), &st);
    if (n == 0 || n == (size_t)-1 || n == (size_t)-2 || s[n] != '\0')
        return -1;
    return (long)wc;
}

int tui_key_parse(const char *name, tui_key *out)
{
    size_t len = strlen(name);
    if (len == 0)
        return -1;
    if (name[0] != '<' || len < 3 || name[len - 1] != '>') {
        long c = single_char(name);
        if (c <= ' ' || c == 127 || !iswprint((wint_t)c))
            return -1;
        *out = (tui_key)c;
        return 0;
    }
    char inner[32];
    if (len - 2 >= sizeof inner)
        return -1;
    memcpy(inner, name + 1, len - 2);
    inner[len - 2] = '\0';
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcasecmp(named[i].name, inner) == 0) {
            *out = named[i].key;
            return 0;
        }
    if ((inner[0] == 'F' || inner[0] == 'f') && inner[1]) {
        char *end;
        long n = strtol(inner + 1, &end, 10);
        if (*end == '\0' && n >= 1 && n <= 24) {
            *out = TUI_KEY_FN + KEY_F((int)n);
            return 0;
        }
        return -1;
    }
    /* <C-x>: a control character. Letters only, and not the ones that are
     * already Tab, Enter or Backspace to the terminal (C-i, C-j, C-m, C-h). */
    if ((inner[0] == 'C' || inner[0] == 'c') && inner[1] == '-' && inner[2] && !inner[3]) {
        int c = inner[2] | 0x20;
        if (c >= 'a' && c <= 'z' && c != 'i' && c != 'j' && c != 'm' && c != 'h') {
            *out = c & 0x1f;
            return 0;
        }
    }
    return -1;
}

void tui_key_name(tui_key k, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (named[i].key == k) {
            snprintf(buf, len, "<%s>", named[i].name);
            return;
        }
    if (k >= TUI_KEY_FN + KEY_F(1) && k <= TUI_KEY_FN + KEY_F(24)) {
        snprintf(buf, len, "<F%d>", k - TUI_KEY_FN - KEY_F(0));
        return;
    }
    if (k >= 1 && k < 32) {
        snprintf(buf, len, "<C-%c>", 'a' + k - 1);
        return;
    }
    if (k > ' ' && k < TUI_KEY_FN) {
        char mb[MB_LEN_MAX + 1];
        mbstate_t st;
        memset(&st, 0, sizeof st);
        size_t n = wcrtomb(mb, (wchar_t)k, &st);
        if (n != (size_t)-1) {
            mb[n] = '\0';
            snprintf(buf, len, "%s", mb);
            return;
        }
    }
    snprintf(buf, len, "<key %d>", k);
}

int tui_key_is_text(tui_key k)
{
    return k >= ' ' && k < TUI_KEY_FN && k != 127 && iswprint((wint_t)k);
}

int tui_key_is_edit(tui_key k)
{
    switch (k) {
    case TUI_KEY_FN + KEY_BACKSPACE:
    case TUI_KEY_FN + KEY_DC:
    case TUI_KEY_FN + KEY_LEFT:
    case TUI_KEY_FN + KEY_RIGHT:
    case TUI_KEY_FN + KEY_HOME:
    case TUI_KEY_FN + KEY_END:
    case 'a' & 0x1f:
    case 'e' & 0x1f:
    case 'u' & 0x1f:
    case 'w' & 0x1f:
        return 1;
    default:
        return 0;
    }
}
