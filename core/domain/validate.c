#include "domain/validate.h"

#include <stdio.h>
#include <string.h>

/* ASCII only, not <ctype.h>: the locale must not widen what a code may
 * contain, and ctype's int argument is undefined for negative chars. */
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_letter(char c) { return is_upper(c) || is_lower(c); }
static int is_alnum(char c) { return is_digit(c) || is_letter(c); }
static char to_upper(char c) { return is_lower(c) ? (char)(c - 'a' + 'A') : c; }

static const char *scratch_check(nx_normalizer norm, const char *s)
{
    char out[NX_NORM_MAX];
    return norm(s, out);
}

/* ---- NPI --------------------------------------------------------------- */

const char *nx_norm_npi(const char *s, char out[NX_NORM_MAX])
{
    size_t n = strlen(s);
    if (n != 10)
        return "NPI must be 10 digits";
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return "NPI must be 10 digits";
    /* Luhn over "80840" + the ten digits; the prefix contributes 24 once
     * its own digits are doubled in turn (CMS gives the same constant). */
    int sum = 24;
    for (int i = 9; i >= 0; i--) {
        int d = s[i] - '0';
        if ((9 - i) % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    if (sum % 10 != 0)
        return "NPI check digit is wrong (a digit may be mistyped)";
    memcpy(out, s, n + 1);
    return NULL;
}

const char *nx_valid_npi(const char *s) { return scratch_check(nx_norm_npi, s); }

/* ---- ICD-10-CM --------------------------------------------------------- */

const char *nx_norm_icd10cm(const char *s, char out[NX_NORM_MAX])
{
    static const char shape[] = "not an ICD-10-CM code (e.g. E11.9)";
    static const char too_long[] = "ICD-10-CM code is too long (at most 7 characters, e.g. S83.511A)";
    size_t n = strlen(s);
    if (n == 0)
        return shape;
    if (!is_letter(s[0]))
        return "ICD-10-CM code starts with a letter (e.g. E11.9)";
    if (n > 8)
        return too_long;
    char body[8];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (i != 3)
                return "the dot in an ICD-10-CM code comes after the third "
                       "character (e.g. E11.9)";
            if (n == 4)
                return shape;
            continue;
        }
        if (!is_alnum(s[i]))
            return shape;
        if (len == 7)
            return too_long;
        body[len++] = to_upper(s[i]);
    }
    if (len < 3)
        return shape;
    if (!is_digit(body[1]))
        return "the second character of an ICD-10-CM code is a digit "
               "(0, not the letter O)";
    memcpy(out, body, 3);
    size_t o = 3;
    if (len > 3) {
        out[o++] = '.';
        memcpy(out + o, body + 3, len - 3);
        o += len - 3;
    }
    out[o] = '\0';
    return NULL;
}

const char *nx_valid_icd10cm(const char *s) { return scratch_check(nx_norm_icd10cm, s); }

/* ---- CPT, HCPCS, modifiers ---------------------------------------------- */

static int four_digits(const char *s)
{
    return is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]);
}

const char *nx_norm_cpt(const char *s, char out[NX_NORM_MAX])
{
    if (strlen(s) != 5)
        return "CPT code must be 5 characters (e.g. 99213, 0001F, 0042T)";
    char last = to_upper(s[4]);
    if (!four_digits(s) || !(is_digit(last) || last == 'F' || last == 'T'))
        return "not a CPT code (5 digits, or 4 digits and F or T, e.g. 99213)";
    memcpy(out, s, 4);
    out[4] = last;
    out[5] = '\0';
    return NULL;
}

const char *nx_valid_cpt(const char *s) { return scratch_check(nx_norm_cpt, s); }

const char *nx_norm_hcpcs(const char *s, char out[NX_NORM_MAX])
{
    static const char shape[] = "not a HCPCS Level II code (a letter and 4 digits, e.g. E0601)";
    if (strlen(s) != 5 || !is_letter(s[0]) || !four_digits(s + 1))
        return shape;
    char section = to_upper(s[0]);
    if (section == 'F' || section == 'I' || section == 'N' || section == 'O' || section > 'V')
        return "no HCPCS Level II codes start with that letter (A-V, not F, I, N or O)";
    out[0] = section;
    memcpy(out + 1, s + 1, 5);
    return NULL;
}

const char *nx_valid_hcpcs(const char *s) { return scratch_check(nx_norm_hcpcs, s); }

const char *nx_norm_modifier(const char *s, char out[NX_NORM_MAX])
{
    if (strlen(s) != 2 || !is_alnum(s[0]) || !is_alnum(s[1]))
        return "a modifier is 2 letters or digits (e.g. 25, RT)";
    out[0] = to_upper(s[0]);
    out[1] = to_upper(s[1]);
    out[2] = '\0';
    return NULL;
}

const char *nx_valid_modifier(const char *s) { return scratch_check(nx_norm_modifier, s); }

/* ---- dates and times ---------------------------------------------------- */

int nx_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int nx_days_in_month(int year, int month)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12)
        return 0;
    return month == 2 && nx_is_leap_year(year) ? 29 : days[month - 1];
}

static int digits_at(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static int matches(const char *s, const char *pattern)
{
    for (; *pattern; s++, pattern++) {
        if (*pattern == '9' ? !is_digit(*s) : *s != *pattern)
            return 0;
    }
    return *s == '\0';
}

const char *nx_parse_date(const char *s, int *year, int *month, int *day)
{
    /* Say which month is short, so "2026-04-31" tells the agent why. */
    static const char *const short_month[12] = {
        NULL, "February has only 28 days that year", NULL,
        "April has only 30 days", NULL, "June has only 30 days", NULL, NULL,
        "September has only 30 days", NULL, "November has only 30 days", NULL,
    };
    if (!matches(s, "9999-99-99"))
        return "date must be YYYY-MM-DD (e.g. 2026-03-08)";
    int y = digits_at(s, 4), m = digits_at(s + 5, 2), d = digits_at(s + 8, 2);
    if (y < 1900 || y > 2199)
        return "year must be between 1900 and 2199";
    if (m < 1 || m > 12)
        return "month must be 01 to 12";
    if (d < 1 || d > 31)
        return "day must be 01 to 31";
    if (d > nx_days_in_month(y, m))
        return m == 2 && nx_is_leap_year(y) ? "February has only 29 days" : short_month[m - 1];
    *year = y;
    *month = m;
    *day = d;
    return NULL;
}

const char *nx_norm_date(const char *s, char out[NX_NORM_MAX])
{
    int y, m, d;
    const char *msg = nx_parse_date(s, &y, &m, &d);
    if (!msg)
        snprintf(out, NX_NORM_MAX, "%04d-%02d-%02d", y, m, d);
    return msg;
}

const char *nx_valid_date(const char *s) { return scratch_check(nx_norm_date, s); }

const char *nx_parse_time(const char *s, int *hour, int *minute)
{
    if (!matches(s, "99:99"))
        return "time must be HH:MM, 24-hour (e.g. 14:30)";
    int h = digits_at(s, 2), m = digits_at(s + 3, 2);
    if (h > 23)
        return "hour must be 00 to 23";
    if (m > 59)
        return "minutes must be 00 to 59";
    *hour = h;
    *minute = m;
    return NULL;
}

const char *nx_norm_time(const char *s, char out[NX_NORM_MAX])
{
    int h, m;
    const char *msg = nx_parse_time(s, &h, &m);
    if (!msg)
        snprintf(out, NX_NORM_MAX, "%02d:%02d", h, m);
    return msg;
}

const char *nx_valid_time(const char *s) { return scratch_check(nx_norm_time, s); }

/* ---- NANP phone and fax numbers ----------------------------------------- */

static int is_n11(const char *three)
{
    return three[1] == '1' && three[2] == '1';
}

const char *nx_norm_phone(const char *s, char out[NX_NORM_MAX])
{
    static const char ten[] = "phone number must have 10 digits (area code and number)";
    int plus_one = 0;
    if (s[0] == '+') {
        if (s[1] != '1')
            return "only North American numbers (+1) can be used";
        plus_one = 1;
        s += 2;
    }
    char digits[12];
    size_t n = 0;
    for (; *s; s++) {
        if (is_digit(*s)) {
            if (n == sizeof digits - 1)
                return ten;
            digits[n++] = *s;
        } else if (!strchr(" ()-.", *s)) {
            return "phone number may have only digits, spaces, ( ) - . and a leading +1";
        }
    }
    digits[n] = '\0';
    const char *d = digits;
    if (!plus_one && n == 11 && digits[0] == '1') {
        d++;
        n--;
    }
    if (n == 7 && !plus_one)
        return "phone number needs its area code (10 digits)";
    if (n != 10)
        return ten;
    if (d[0] < '2')
        return "area code cannot start with 0 or 1";
    if (is_n11(d))
        return "area code cannot be a service code like 411 or 911";
    if (d[3] < '2')
        return "exchange (the 3 digits after the area code) cannot start with 0 or 1";
    if (is_n11(d + 3))
        return "exchange (the 3 digits after the area code) cannot be a service "
               "code like 411 or 911";
    memcpy(out, d, 11);
    return NULL;
}

const char *nx_valid_phone(const char *s) { return scratch_check(nx_norm_phone, s); }

/* ---- member ID ------------------------------------------------------------ */

const char *nx_norm_member_id(const char *s, char out[NX_NORM_MAX])
{
    size_t n = strlen(s);
    if (n == 0)
        return "member ID is required";
    if (n > 40)
        return "member ID is too long (at most 40 characters)";
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return "member ID may have only letters, digits and -";
    memcpy(out, s, n + 1);
    return NULL;
}

const char *nx_valid_member_id(const char *s) { return scratch_check(nx_norm_member_id, s); }
