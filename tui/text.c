/* tui/text — widths and cuts of UTF-8 strings for drawing. */
#include "tui/text.h"

#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define ELLIPSIS "\xe2\x80\xa6"   /* U+2026, one column */

/* Decodes one character at s (n bytes left): its length in bytes, its
 * width and its bytes as drawn (the character, or "?" for a control or an
 * invalid sequence). */
typedef struct {
    size_t len;     /* bytes consumed in s */
    int width;      /* columns drawn */
    const char *draw;
    size_t drawlen;
} glyph;

static glyph next_glyph(const char *s, size_t n)
{
    glyph g = { 1, 1, "?", 1 };
    mbstate_t st;
    memset(&st, 0, sizeof st);
    wchar_t wc;
    size_t r = mbrtowc(&wc, s, n, &st);
    if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
        return g;
    g.len = r;
    int w = wcwidth(wc);
    if (w < 0 || wc == 0x7f || (wc < 0x20))
        return g;                       /* control or unprintable: '?' */
    g.width = w;                        /* 0 for combining marks */
    g.draw = s;
    g.drawlen = r;
    return g;
}

int tui_text_width_n(const char *s, size_t n)
{
    int w = 0;
    size_t i = 0;
    while (i < n && s[i]) {
        glyph g = next_glyph(s + i, n - i);
        w += g.width;
        i += g.len;
    }
    return w;
}

int tui_text_width(const char *s)
{
    return tui_text_width_n(s, strlen(s));
}

static size_t put(char *out, size_t outlen, size_t o, const char *b, size_t n)
{
    if (o + n >= outlen)
        return o;
    memcpy(out + o, b, n);
    return o + n;
}

int tui_text_fit(char *out, size_t outlen, const char *s, int cols, int pad, int align_right)
{
    if (outlen == 0)
        return 0;
    out[0] = '\0';
    if (cols <= 0)
        return 0;
    size_t n = strlen(s);
    int total = tui_text_width(s);
    int room = total > cols ? cols - 1 : cols;   /* keep a column for "…" */
    char body[4096];
    size_t o = 0;
    int w = 0;
    for (size_t i = 0; i < n;) {
        glyph g = next_glyph(s + i, n - i);
        if (w + g.width > room)
            break;
        size_t o2 = put(body, sizeof body, o, g.draw, g.drawlen);
        if (o2 == o && g.drawlen)
            break;
        o = o2;
        w += g.width;
        i += g.len;
    }
    if (total > cols) {
        o = put(body, sizeof body, o, ELLIPSIS, strlen(ELLIPSIS));
        w++;
    }
    body[o] = '\0';
    size_t k = 0;
    int fill = pad && w < cols ? cols - w : 0;
    if (align_right)
        for (; fill > 0; fill--)
            k = put(out, outlen, k, " ", 1);
    k = put(out, outlen, k, body, o);
    for (; fill > 0; fill--)
        k = put(out, outlen, k, " ", 1);
    out[k] = '\0';
    explicit_bzero(body, o);
    return pad ? (w < cols ? cols : w) : w;
}

size_t tui_text_tail(const char *s, int cols)
{
    size_t n = strlen(s);
    size_t start = n;
    int w = 0;
    while (start > 0) {
        size_t p = tui_utf8_prev(s, start);
        int gw = tui_text_width_n(s + p, start - p);
        if (w + gw > cols)
            break;
        w += gw;
        start = p;
    }
    return start;
}

size_t tui_utf8_prev(const char *s, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && ((unsigned char)s[pos] & 0xC0) == 0x80)
        pos--;
    return pos;
}

size_t tui_utf8_next(const char *s, size_t pos)
{
    if (!s[pos])
        return pos;
    pos++;
    while (s[pos] && ((unsigned char)s[pos] & 0xC0) == 0x80)
        pos++;
    return pos;
}

int tui_utf8_insert(char *buf, size_t cap, size_t pos, unsigned cp)
{
    char enc[4];
    size_t n;
    if (cp < 0x80) {
        enc[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        enc[0] = (char)(0xC0 | (cp >> 6));
        enc[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return -1;
        enc[0] = (char)(0xE0 | (cp >> 12));
        enc[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        enc[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else if (cp <= 0x10FFFF) {
        enc[0] = (char)(0xF0 | (cp >> 18));
        enc[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        enc[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        enc[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    } else {
        return -1;
    }
    size_t len = strlen(buf);
    if (pos > len || len + n >= cap)
        return -1;
    memmove(buf + pos + n, buf + pos, len - pos + 1);
    memcpy(buf + pos, enc, n);
    return 0;
}
