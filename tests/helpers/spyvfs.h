/* tests/helpers — spyvfs: a pass-through SQLite VFS over "unix" for the
 * no-plaintext-at-rest tests. It sits UNDER the encrypting VFS, so it sees
 * exactly the bytes that reach the disk: every buffer written to any file is
 * searched for a list of marker byte-strings, and every file opened is
 * recorded (name and open flags), so a test can prove that no temp or
 * sub-journal file was ever opened.
 *
 * One spy per process (plain globals: tests and the test programs are single
 * threaded). An optional log file gets one line per open and per hit, written
 * with a single write() each, so a parent can read what a SIGKILLed child saw:
 *   open 0x<flags> <name>
 *   hit <label> <name> <offset>
 * A nameless file (SQLite temp file) is recorded as "(nameless)". */
#ifndef NX_TEST_SPYVFS_H
#define NX_TEST_SPYVFS_H

#include <stddef.h>
#include <stdint.h>

#define SPYVFS_MAX_MARKERS 64
#define SPYVFS_MAX_OPENS 256
#define SPYVFS_NAMELESS "(nameless)"

/* Registers the spy under name over "unix" (never the default VFS).
 * Idempotent for the same name. 0 ok, -1 error. */
int spyvfs_register(const char *name);

/* Markers: bytes are copied; label is copied (it names the marker in logs and
 * messages, so it must not contain the marker itself). */
int  spyvfs_add_marker(const char *label, const void *bytes, size_t len);
void spyvfs_clear_markers(void);
size_t spyvfs_nmarkers(void);
const char *spyvfs_marker_label(size_t i);

/* Searches buf for every marker. Returns the index of the first marker found
 * (and its offset in *off), or -1 when none is present. Also used by the
 * tests to scan files on disk with the same list. */
int spyvfs_match(const void *buf, size_t len, size_t *off);

/* Counters since the last reset. */
void     spyvfs_reset(void);
uint64_t spyvfs_hits(void);
uint64_t spyvfs_marker_hits(size_t i);
uint64_t spyvfs_writes(void);            /* xWrite calls */
uint64_t spyvfs_bytes_written(void);
/* Human-readable description of the first hit ("label in file at offset"),
 * "" when there was none. */
const char *spyvfs_first_hit(void);

/* Files opened since the last reset (the first SPYVFS_MAX_OPENS). */
size_t      spyvfs_nopened(void);
const char *spyvfs_opened(size_t i, int *flags);

/* Appends open/hit lines to path (created 0600). NULL closes the log. */
int spyvfs_set_log(const char *path);

#endif
