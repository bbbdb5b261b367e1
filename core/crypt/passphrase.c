/* Passphrase input into guarded memory and the strength rule of seed 001
 * §4.8 (at least 8 characters mixing letters, digits and symbols). */
#include "crypt/passphrase.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define PASS_MAX 1024

int nx_pass_read_fd(int fd, nx_secret *out, char *err, size_t errlen)
{
    if (nx_secret_alloc(out, PASS_MAX) != 0)
        return nx_err(err, errlen, "out of secure memory");
    size_t n = 0;
    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);   /* one byte: leave the rest of the fd alone */
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            nx_secret_free(out);
            return nx_err(err, errlen, "cannot read passphrase from fd %d: %s", fd, strerror(errno));
        }
        if (r == 0 || c == '\n')
            break;
        if (n + 1 >= PASS_MAX) {
            nx_secret_free(out);
            return nx_err(err, errlen, "passphrase too long");
        }
        out->bytes[n++] = (unsigned char)c;
    }
    if (n > 0 && out->bytes[n - 1] == '\r')
        n--;
    out->bytes[n] = '\0';
    out->len = n;
    return 0;
}

int nx_pass_read_tty(const char *prompt, nx_secret *out, char *err, size_t errlen)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return nx_err(err, errlen, "no terminal to ask for the passphrase (use --passphrase-fd)");
    struct termios old, quiet;
    if (tcgetattr(fd, &old) != 0) {
        close(fd);
        return nx_err(err, errlen, "cannot set up the terminal: %s", strerror(errno));
    }
    quiet = old;
    quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        close(fd);
        return nx_err(err, errlen, "cannot turn echo off");
    }
    int rc = nx_pass_read_fd(fd, out, err, errlen);
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) { /* cosmetic only */ }
    close(fd);
    return rc;
}

const char *nx_pass_weakness(const unsigned char *p, size_t n)
{
    int alpha = 0, digit = 0, symbol = 0;
    if (n < 8)
        return "at least 8 characters, please";
    for (size_t i = 0; i < n; i++) {
        if (isalpha(p[i]) || p[i] >= 0x80) alpha = 1;
        else if (isdigit(p[i])) digit = 1;
        else if (isgraph(p[i]) || p[i] == ' ') symbol = 1;
    }
    if (!alpha || !digit || !symbol)
        return "mix letters, digits and symbols";
    return NULL;
}
