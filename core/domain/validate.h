/* core/domain/validate — the shapes of the codes and values agents type:
 * NPI, ICD-10-CM, CPT, HCPCS Level II, modifiers, dates, times, NANP phone
 * and fax numbers, member IDs.
 *
 * One API for every kind: a function returns NULL when the value is good,
 * or a short static message for the user ("NPI check digit is wrong").
 * Messages never repeat the value, so they are safe to log and to show
 * beside a masked field.
 *
 * nx_norm_* judge exactly as nx_valid_* do and, when the value is good,
 * write the one canonical form to store into out (NX_NORM_MAX bytes, NUL
 * terminated). Every kind has the same signature, so the field dictionary
 * can hold one function pointer per type.
 *
 * Decisions:
 * - Letters in codes may be typed in either case: the code sets are upper
 *   case and no two codes differ only by case, so "e11.9" can only mean
 *   E11.9. The canonical form is upper case (ICD-10-CM with its dot).
 * - No blanks are trimmed (phone numbers aside, where spaces are ordinary
 *   punctuation): the form widget trims, so a blank that reaches here came
 *   from an import or the wire and is better refused than guessed at.
 * - An empty value is invalid for every kind; whether a field may be left
 *   empty is the dictionary's business (required at which step). */
#ifndef NX_VALIDATE_H
#define NX_VALIDATE_H

#define NX_NORM_MAX 48

typedef const char *(*nx_normalizer)(const char *in, char out[NX_NORM_MAX]);

/* 10 digits whose last is the Luhn check digit over "80840" + the first
 * nine (CMS, "Requirements for NPI Check Digit"). */
const char *nx_valid_npi(const char *s);
const char *nx_norm_npi(const char *s, char out[NX_NORM_MAX]);

/* ICD-10-CM shape: letter, digit, digit or letter (C4A, Z3A), then up to
 * four letters or digits, with or without the dot after the third
 * character (placeholder X included: T40.2X1A). Every letter A-Z starts
 * a chapter, U too (U07.1). Canonical: "E11.9". Only the shape is known
 * here, not whether the code is in this year's tabular list. */
const char *nx_valid_icd10cm(const char *s);
const char *nx_norm_icd10cm(const char *s, char out[NX_NORM_MAX]);

/* CPT: Category I is 5 digits (99213); Category II is 4 digits + F
 * (0001F); Category III is 4 digits + T (0042T). */
const char *nx_valid_cpt(const char *s);
const char *nx_norm_cpt(const char *s, char out[NX_NORM_MAX]);

/* HCPCS Level II: one of the section letters in use (A-E, G, H, J-M,
 * P-V; no F, I, N, O, W-Z) and 4 digits: E0601, K0001, L3960. */
const char *nx_valid_hcpcs(const char *s);
const char *nx_norm_hcpcs(const char *s, char out[NX_NORM_MAX]);

/* CPT or HCPCS modifier: 2 letters or digits (25, 59, RT, KX, 1P). */
const char *nx_valid_modifier(const char *s);
const char *nx_norm_modifier(const char *s, char out[NX_NORM_MAX]);

/* YYYY-MM-DD, a real Gregorian date, years 1900-2199 (a wider range is
 * more often a typo than a date anyone here means). */
const char *nx_valid_date(const char *s);
const char *nx_norm_date(const char *s, char out[NX_NORM_MAX]);
/* The same check, giving the parts (month and day from 1). */
const char *nx_parse_date(const char *s, int *year, int *month, int *day);
/* 1 for leap years of the Gregorian calendar. */
int nx_is_leap_year(int year);
/* Days in month (1-12) of year; 0 for a month out of range. */
int nx_days_in_month(int year, int month);

/* HH:MM, 24-hour, 00:00 to 23:59. */
const char *nx_valid_time(const char *s);
const char *nx_norm_time(const char *s, char out[NX_NORM_MAX]);
const char *nx_parse_time(const char *s, int *hour, int *minute);

/* North American (NANP) phone or fax number: 10 digits after an optional
 * "+1" or "1"; spaces, ( ) - . between digits. The area code and the
 * exchange start with 2-9 and neither is an N11 service code (211-911).
 * Canonical: the 10 digits, "2125550123". */
const char *nx_valid_phone(const char *s);
const char *nx_norm_phone(const char *s, char out[NX_NORM_MAX]);

/* Member ID as the payer printed it: 1-40 letters, digits or '-'; kept
 * as typed, since payers differ on case. */
const char *nx_valid_member_id(const char *s);
const char *nx_norm_member_id(const char *s, char out[NX_NORM_MAX]);

#endif
