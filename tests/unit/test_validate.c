/* Validators: tables of real valid codes and the mistakes agents make,
 * each with the exact message the agent reads. NPIs are synthetic: the
 * CMS worked example, and numbers starting with 9, which CMS never issues
 * (NPIs start with 1 or 2), so none can be a real provider's. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/validate.h"

struct row {
    const char *in;
    const char *msg;    /* NULL: valid */
    const char *canon;  /* canonical form when valid */
};

static void check_rows(const char *kind, nx_normalizer norm, const char *(*valid)(const char *),
                       const struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        char out[NX_NORM_MAX] = "";
        const char *got = norm(r->in, out);
        const char *again = valid(r->in);
        if (r->msg) {
            cr_expect(got && strcmp(got, r->msg) == 0, "%s \"%s\": got \"%s\", want \"%s\"", kind,
                      r->in, got ? got : "(valid)", r->msg);
        } else {
            cr_expect(got == NULL, "%s \"%s\": got \"%s\", want valid", kind, r->in, got);
            cr_expect_str_eq(out, r->canon, "%s \"%s\"", kind, r->in);
        }
        cr_expect(got == again || (got && again && strcmp(got, again) == 0),
                  "%s \"%s\": validator and normalizer disagree", kind, r->in);
    }
}

#define CHECK(kind, name, rows) \
    check_rows(kind, nx_norm_##name, nx_valid_##name, rows, sizeof rows / sizeof rows[0])

/* ---- NPI -------------------------------------------------------------------- */

/* Independent of the code under test: CMS's own recipe, double every other
 * digit of the 9-digit base from the right, add 24 for the 80840 prefix,
 * the check digit brings the sum to a multiple of 10. */
static void synth_npi(const char *base9, char out[11])
{
    int sum = 24;
    for (int i = 0; i < 9; i++) {
        int d = base9[i] - '0';
        if (i % 2 == 0) {
            d *= 2;
            d = d / 10 + d % 10;
        }
        sum += d;
    }
    memcpy(out, base9, 9);
    out[9] = (char)('0' + (10 - sum % 10) % 10);
    out[10] = '\0';
}

Test(validate, npi_synthesized_numbers_check_out)
{
    static const struct { const char *base, *npi; } worked[] = {
        { "123456789", "1234567893" }, /* the CMS example */
        { "900000000", "9000000007" }, /* 18 -> 9; 9 + 24 = 33 */
        { "987654321", "9876543213" }, /* 23 + 20 + 24 = 67 */
        { "999999999", "9999999995" }, /* 45 + 36 + 24 = 105 */
        { "900000006", "9000000064" }, /* 18 -> 9, 12 -> 3; 12 + 24 = 36 */
    };
    for (size_t i = 0; i < sizeof worked / sizeof worked[0]; i++) {
        char npi[11];
        synth_npi(worked[i].base, npi);
        cr_expect_str_eq(npi, worked[i].npi);
        cr_expect_null(nx_valid_npi(npi), "%s", npi);
        /* Every other check digit is refused. */
        for (char c = '0'; c <= '9'; c++) {
            if (c == npi[9])
                continue;
            npi[9] = c;
            cr_expect_str_eq(nx_valid_npi(npi), "NPI check digit is wrong (a digit may be mistyped)",
                             "%s", npi);
            npi[9] = worked[i].npi[9];
        }
    }
    /* Many synthetic bases, each with its Luhn-valid check digit. */
    for (int b = 0; b < 2000; b++) {
        char base[10], npi[11];
        snprintf(base, sizeof base, "9%08d", b * 49999);
        synth_npi(base, npi);
        cr_expect_null(nx_valid_npi(npi), "%s", npi);
    }
}

Test(validate, npi_table)
{
    static const struct row rows[] = {
        { "1234567893", NULL, "1234567893" },
        { "9876543213", NULL, "9876543213" },
        { "123456789", "NPI must be 10 digits", NULL },     /* 9 digits */
        { "12345678931", "NPI must be 10 digits", NULL },
        { "1234567890", "NPI check digit is wrong (a digit may be mistyped)", NULL },
        { "2134567893", "NPI check digit is wrong (a digit may be mistyped)", NULL }, /* 1<->2 swapped */
        { "1234576893", "NPI check digit is wrong (a digit may be mistyped)", NULL }, /* 6<->7 swapped */
        { "1234-56789", "NPI must be 10 digits", NULL },
        { "123456789O", "NPI must be 10 digits", NULL },    /* letter O for zero */
        { " 1234567893", "NPI must be 10 digits", NULL },
        { "", "NPI must be 10 digits", NULL },
    };
    CHECK("NPI", npi, rows);
}

/* ---- ICD-10-CM ----------------------------------------------------------------- */

Test(validate, icd10cm_table)
{
    static const char shape[] = "not an ICD-10-CM code (e.g. E11.9)";
    static const char dot[] = "the dot in an ICD-10-CM code comes after the third character (e.g. E11.9)";
    static const char longer[] = "ICD-10-CM code is too long (at most 7 characters, e.g. S83.511A)";
    static const struct row rows[] = {
        { "E11.9", NULL, "E11.9" },       /* type 2 diabetes without complications */
        { "S83.511A", NULL, "S83.511A" }, /* ACL sprain, right knee, initial encounter */
        { "M54.50", NULL, "M54.50" },     /* low back pain, unspecified */
        { "Z00.00", NULL, "Z00.00" },     /* general adult exam */
        { "I10", NULL, "I10" },           /* essential hypertension: 3 characters */
        { "T40.2X1A", NULL, "T40.2X1A" }, /* placeholder X before the 7th character */
        { "C4A.9", NULL, "C4A.9" },       /* a letter in third place */
        { "Z3A.20", NULL, "Z3A.20" },
        { "U07.1", NULL, "U07.1" },       /* COVID-19: U is a CM chapter */
        { "O80", NULL, "O80" },
        { "E119", NULL, "E11.9" },        /* without the dot */
        { "S83511A", NULL, "S83.511A" },
        { "e11.9", NULL, "E11.9" },       /* lower case is the same code */
        { "t40.2x1a", NULL, "T40.2X1A" },
        { "", shape, NULL },
        { "E1", shape, NULL },
        { "E11.", shape, NULL },
        { "11.9", "ICD-10-CM code starts with a letter (e.g. E11.9)", NULL },
        { "EO1.9", "the second character of an ICD-10-CM code is a digit (0, not the letter O)", NULL },
        { "EE1.9", "the second character of an ICD-10-CM code is a digit (0, not the letter O)", NULL },
        { "E1.19", dot, NULL },
        { "E119.", dot, NULL },
        { "E11..9", dot, NULL },
        { "E11-9", shape, NULL },
        { "E11.9 ", shape, NULL },
        { "E11,9", shape, NULL },
        { "S83.511AA", longer, NULL },
        { "S83511AA", longer, NULL },
        { "S83.5111AA", longer, NULL },
        { "E11.9; I10", longer, NULL },
    };
    CHECK("ICD-10-CM", icd10cm, rows);
}

/* ---- CPT, HCPCS, modifiers ------------------------------------------------------- */

Test(validate, cpt_table)
{
    static const char len[] = "CPT code must be 5 characters (e.g. 99213, 0001F, 0042T)";
    static const char shape[] = "not a CPT code (5 digits, or 4 digits and F or T, e.g. 99213)";
    static const struct row rows[] = {
        { "99213", NULL, "99213" }, /* office visit, established patient */
        { "00100", NULL, "00100" }, /* anesthesia, salivary glands */
        { "0001F", NULL, "0001F" }, /* Category II */
        { "3008F", NULL, "3008F" },
        { "0042T", NULL, "0042T" }, /* Category III */
        { "0591T", NULL, "0591T" },
        { "0001f", NULL, "0001F" },
        { "9921", len, NULL },
        { "992133", len, NULL },
        { "99213 ", len, NULL },
        { "", len, NULL },
        { "9921A", shape, NULL },
        { "0001X", shape, NULL },
        { "F0001", shape, NULL },
        { "E0601", shape, NULL },  /* a HCPCS code in the CPT field */
        { "992I3", shape, NULL },  /* letter I for one */
    };
    CHECK("CPT", cpt, rows);
}

Test(validate, hcpcs_table)
{
    static const char shape[] = "not a HCPCS Level II code (a letter and 4 digits, e.g. E0601)";
    static const char letter[] = "no HCPCS Level II codes start with that letter (A-V, not F, I, N or O)";
    static const struct row rows[] = {
        { "E0601", NULL, "E0601" }, /* CPAP device */
        { "K0001", NULL, "K0001" }, /* standard wheelchair */
        { "L3960", NULL, "L3960" }, /* shoulder-elbow-wrist-hand orthosis */
        { "A4253", NULL, "A4253" }, /* blood glucose test strips */
        { "J1100", NULL, "J1100" }, /* dexamethasone injection */
        { "G0008", NULL, "G0008" },
        { "V2020", NULL, "V2020" }, /* spectacle frames */
        { "e0601", NULL, "E0601" },
        { "E060", shape, NULL },
        { "E06011", shape, NULL },
        { "0601E", shape, NULL },
        { "EO601", shape, NULL },  /* letter O for zero */
        { "E06O1", shape, NULL },
        { "99213", shape, NULL },  /* a CPT code in the HCPCS field */
        { "", shape, NULL },
        { "I1234", letter, NULL },
        { "O1234", letter, NULL },
        { "N1234", letter, NULL },
        { "F1234", letter, NULL },
        { "W1234", letter, NULL },
        { "z9999", letter, NULL },
    };
    CHECK("HCPCS", hcpcs, rows);
}

Test(validate, modifier_table)
{
    static const char msg[] = "a modifier is 2 letters or digits (e.g. 25, RT)";
    static const struct row rows[] = {
        { "25", NULL, "25" }, { "59", NULL, "59" }, { "RT", NULL, "RT" }, { "LT", NULL, "LT" },
        { "NU", NULL, "NU" }, { "RR", NULL, "RR" }, { "KX", NULL, "KX" }, { "E1", NULL, "E1" },
        { "1P", NULL, "1P" }, { "rt", NULL, "RT" },
        { "5", msg, NULL }, { "255", msg, NULL }, { "R", msg, NULL }, { "-2", msg, NULL },
        { "R ", msg, NULL }, { "", msg, NULL }, { "25,59", msg, NULL },
    };
    CHECK("modifier", modifier, rows);
}

/* ---- dates and times --------------------------------------------------------------- */

Test(validate, date_table)
{
    static const char fmt[] = "date must be YYYY-MM-DD (e.g. 2026-03-08)";
    static const struct row rows[] = {
        { "2026-03-08", NULL, "2026-03-08" },
        { "2028-02-29", NULL, "2028-02-29" }, /* leap year */
        { "2000-02-29", NULL, "2000-02-29" }, /* divisible by 400 */
        { "2026-12-31", NULL, "2026-12-31" },
        { "1900-01-01", NULL, "1900-01-01" },
        { "2199-12-31", NULL, "2199-12-31" },
        { "2026-02-29", "February has only 28 days that year", NULL },
        { "2100-02-29", "February has only 28 days that year", NULL }, /* century, not leap */
        { "1900-02-29", "February has only 28 days that year", NULL },
        { "2028-02-30", "February has only 29 days", NULL },
        { "2026-04-31", "April has only 30 days", NULL },
        { "2026-06-31", "June has only 30 days", NULL },
        { "2026-09-31", "September has only 30 days", NULL },
        { "2026-11-31", "November has only 30 days", NULL },
        { "2026-13-01", "month must be 01 to 12", NULL },
        { "2026-00-10", "month must be 01 to 12", NULL },
        { "2026-01-00", "day must be 01 to 31", NULL },
        { "2026-01-32", "day must be 01 to 31", NULL },
        { "1899-12-31", "year must be between 1900 and 2199", NULL },
        { "0202-05-01", "year must be between 1900 and 2199", NULL },
        { "2026-4-1", fmt, NULL },
        { "04/01/2026", fmt, NULL },
        { "20260308", fmt, NULL },
        { "26-03-08", fmt, NULL },
        { "2026-03-08T10:00", fmt, NULL },
        { "2026-03-08 ", fmt, NULL },
        { "", fmt, NULL },
    };
    CHECK("date", date, rows);

    int y = 0, m = 0, d = 0;
    cr_assert_null(nx_parse_date("2028-02-29", &y, &m, &d));
    cr_assert(y == 2028 && m == 2 && d == 29);
    cr_expect_eq(nx_days_in_month(2026, 2), 28);
    cr_expect_eq(nx_days_in_month(2028, 2), 29);
    cr_expect_eq(nx_days_in_month(2026, 13), 0);
}

Test(validate, time_table)
{
    static const char fmt[] = "time must be HH:MM, 24-hour (e.g. 14:30)";
    static const struct row rows[] = {
        { "00:00", NULL, "00:00" }, { "09:30", NULL, "09:30" }, { "12:00", NULL, "12:00" },
        { "23:59", NULL, "23:59" },
        { "24:00", "hour must be 00 to 23", NULL },
        { "25:10", "hour must be 00 to 23", NULL },
        { "09:60", "minutes must be 00 to 59", NULL },
        { "9:30", fmt, NULL }, { "0930", fmt, NULL }, { "09:30:00", fmt, NULL },
        { "9.30", fmt, NULL }, { "12:5", fmt, NULL }, { "-1:00", fmt, NULL },
        { "9:30 AM", fmt, NULL }, { "", fmt, NULL },
    };
    CHECK("time", time, rows);
    int h = -1, mi = -1;
    cr_assert_null(nx_parse_time("23:59", &h, &mi));
    cr_assert(h == 23 && mi == 59);
}

/* ---- phone and fax --------------------------------------------------------------------- */

Test(validate, phone_table)
{
    static const char ten[] = "phone number must have 10 digits (area code and number)";
    static const char area01[] = "area code cannot start with 0 or 1";
    static const char area11[] = "area code cannot be a service code like 411 or 911";
    static const char exch01[] = "exchange (the 3 digits after the area code) cannot start with 0 or 1";
    static const char exch11[] = "exchange (the 3 digits after the area code) cannot be a service code like 411 or 911";
    static const char chars[] = "phone number may have only digits, spaces, ( ) - . and a leading +1";
    /* 555-0100 to 555-0199 are reserved for fiction in every area code. */
    static const struct row rows[] = {
        { "(212) 555-0123", NULL, "2125550123" },
        { "212-555-0123", NULL, "2125550123" },
        { "212.555.0123", NULL, "2125550123" },
        { "2125550123", NULL, "2125550123" },
        { "+1 212 555 0123", NULL, "2125550123" },
        { "+1 (212) 555-0123", NULL, "2125550123" },
        { "+12125550123", NULL, "2125550123" },
        { "1-212-555-0123", NULL, "2125550123" },
        { "1 (617) 555-0199", NULL, "6175550199" }, /* a fax line */
        { "(555) 555-0100", NULL, "5555550100" },
        { "055-555-0123", area01, NULL },
        { "(155) 555-0123", area01, NULL },
        { "911-555-0123", area11, NULL },
        { "(411) 555-0123", area11, NULL },
        { "+1 211 555 0123", area11, NULL },
        { "212-055-0123", exch01, NULL },
        { "(555) 010-1234", exch01, NULL },
        { "212-911-0123", exch11, NULL },
        { "212-555-012", ten, NULL },
        { "212-555-01234", ten, NULL },
        { "+1 212 555 01234", ten, NULL },
        { "+1 1 212 555 0123", ten, NULL },
        { "12-12-555-0123-12", ten, NULL },
        { "", ten, NULL },
        { "555-0123", "phone number needs its area code (10 digits)", NULL },
        { "+44 20 7946 0958", "only North American numbers (+1) can be used", NULL },
        { "+", "only North American numbers (+1) can be used", NULL },
        { "212-555-0123 x12", chars, NULL },
        { "212/555/0123", chars, NULL },
        { "1+212-555-0123", chars, NULL },
        { "(212) 555-O123", chars, NULL },
    };
    CHECK("phone", phone, rows);
}

/* ---- member ID --------------------------------------------------------------------------- */

Test(validate, member_id_table)
{
    static const char chars[] = "member ID may have only letters, digits and -";
    static const char *const forty = "ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789";
    static const char *const forty_one = "ABCDEFGHIJ0123456789ABCDEFGHIJ0123456789K";
    const struct row rows[] = {
        { "XYZ123456789", NULL, "XYZ123456789" },
        { "W987-65-4321", NULL, "W987-65-4321" },
        { "abc123", NULL, "abc123" },     /* kept as typed */
        { forty, NULL, forty },
        { "", "member ID is required", NULL },
        { forty_one, "member ID is too long (at most 40 characters)", NULL },
        { "XYZ 123456789", chars, NULL },
        { "XYZ_123", chars, NULL },
        { "XYZ#123", chars, NULL },
        { " XYZ123", chars, NULL },
        { "XYZ123\n", chars, NULL },
        { "\xc3\x84" "BC123", chars, NULL }, /* non-ASCII letter */
    };
    CHECK("member ID", member_id, rows);
}
