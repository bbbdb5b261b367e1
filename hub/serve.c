/* hub/serve — the connection loop of `nexus-hub serve` (placeholder while
 * the hub's store lands; see serve.h). */
#include "hub/serve.h"

#include <unistd.h>

int nx_hub_serve(nx_hub *h, const char *user, int in_fd, int out_fd)
{
    (void)h;
    (void)user;
    (void)in_fd;
    (void)out_fd;
    return -1;
}
