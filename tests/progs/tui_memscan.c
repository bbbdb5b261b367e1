/* tests/progs — tui_memscan: reads another process's memory through
 * /proc/PID/mem (every readable mapping) and says which of the given
 * strings it holds: the end-to-end test's check that a locked client has
 * no patient name left in memory (issue 4).
 *
 *   tui_memscan PID NEEDLE...
 * Prints "found NEEDLE at MAPPING" per hit; exit 0 none found, 1 some
 * found, 2 the process could not be read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tui_memscan PID NEEDLE...\n");
        return 2;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
    int mem = open(path, O_RDONLY);
    if (!maps || mem < 0) {
        fprintf(stderr, "tui_memscan: cannot read process %s\n", argv[1]);
        return 2;
    }
    int found = 0, regions = 0;
    char line[1024];
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8] = "", name[512] = "";
        if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %511[^\n]", &lo, &hi, perms, name) < 3)
            continue;
        /* The kernel's vsyscall page cannot be read; huge reservations
         * (sanitizer shadow) are skipped when unreadable. */
        if (perms[0] != 'r' || strstr(name, "[vsyscall]") || strstr(name, "[vvar]"))
            continue;
        size_t len = hi - lo;
        if (len > ((size_t)1 << 32))
            continue;
        char *buf = malloc(len);
        if (!buf)
            continue;
        ssize_t got = pread(mem, buf, len, (off_t)lo);
        if (got > 0) {
            regions++;
            for (int i = 2; i < argc; i++) {
                size_t nl = strlen(argv[i]);
                if (nl && memmem(buf, (size_t)got, argv[i], nl)) {
                    printf("found %s at %s\n", argv[i], name[0] ? name : "(anonymous)");
                    found = 1;
                }
            }
        }
        free(buf);
    }
    fclose(maps);
    close(mem);
    if (!regions) {
        fprintf(stderr, "tui_memscan: nothing readable in process %s\n", argv[1]);
        return 2;
    }
    return found;
}
