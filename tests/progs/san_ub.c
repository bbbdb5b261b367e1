/* Deliberate signed overflow, for the test that proves a UBSan report fails
 * `make test`. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    (void)argv;
    volatile int big = INT_MAX;
    int r = big + argc;   /* argc >= 1: overflows */
    printf("%d\n", r);
    return 0;
}
