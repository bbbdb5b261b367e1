/* Passphrase input (guarded memory) and strength rule. */
#ifndef NX_PASSPHRASE_H
#define NX_PASSPHRASE_H
#include "crypt/crypt.h"

/* One line from fd (no echo concerns: the caller chose the fd). */
int nx_pass_read_fd(int fd, nx_secret *out, char *err, size_t errlen);
/* From /dev/tty with echo off. */
int nx_pass_read_tty(const char *prompt, nx_secret *out, char *err, size_t errlen);
/* NULL when acceptable, else what is wrong. */
const char *nx_pass_weakness(const unsigned char *p, size_t n);

#endif
