/* Deliberately leaks, for the test that proves a LeakSanitizer report fails
 * `make test`. Never linked into anything else. */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *volatile p = malloc(4242);
    memset(p, 1, 4242);
    p = NULL;
    return 0;
}
