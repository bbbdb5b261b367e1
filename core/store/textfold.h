/* core/store/textfold — how what a user types matches a name: the one
 * definition the queue search (queue_store.c) and the new-item form's
 * patient search (core/session/session_new.c) share.
 *
 * Two characters (code points) match when they are equal, or both are
 * ASCII letters equal but for case, or both are outside ASCII and have
 * the same simple case folding (Unicode's CaseFolding.txt, C and S, via
 * ICU's u_foldCase): "núñ" matches "Núñez" and "NÚÑEZ", "çelik" matches
 * "Çelik", "σ" matches "Σ" and "ς". An ASCII letter never matches one
 * outside ASCII (k is not the Kelvin sign K), so a text typed in ASCII
 * stays one index range in the queue's sort keys.
 *
 * The queue's name keys (patient_sort, patient_given: migration 3) hold
 * the names with only A-Z lowered (SQLite's lower()), so a letter outside
 * ASCII is there in whichever case the client's record wrote it. A
 * prefix search over them is the union of the index ranges of the text's
 * case variants (nx_fold_variants): every stored form a match can take. */
#ifndef NX_TEXTFOLD_H
#define NX_TEXTFOLD_H

#include <stddef.h>
#include <sqlite3.h>

/* 1 when s begins with text under the rules above; 0 when not (or when
 * text is longer). Invalid UTF-8 bytes match only themselves. */
int nx_fold_prefix(const char *s, const char *text);
/* 1 when text occurs in s (an empty text occurs everywhere). */
int nx_fold_contains(const char *s, const char *text);

/* The case class of one code point as a stored key may hold it: for an
 * ASCII character, itself lowered (A-Z -> a-z); otherwise every code point
 * outside ASCII with the same simple folding, c included. Fills up to max
 * (ascending), returns how many there are. */
int nx_fold_class(unsigned c, unsigned *out, int max);

/* Case variants of text for a column whose A-Z are lowered: the strings
 * that a stored key matching text (nx_fold_prefix) can begin with. At
 * most max variants, each at most len bytes with its NUL (text must fit):
 * of the longest leading part of text whose variants number at most max.
 * Returns how many (>= 1; -1 when text does not fit len); *whole = 1 when
 * they are variants of the whole text (then "begins with one of them" is
 * exactly nx_fold_prefix), 0 when of a shorter part (a superset: test the
 * candidates with nx_fold_prefix). */
#define NX_FOLD_VARIANTS_MAX 8
int nx_fold_variants(const char *text, char *out, size_t len, int max, int *whole);

/* Registers nx_fold_prefix(s, text) and nx_fold_contains(s, text) as SQL
 * functions of the same names on db (deterministic; NULL gives 0). */
int nx_fold_register(sqlite3 *db);

#endif
