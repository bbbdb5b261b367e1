/* nexus without a command: the full-screen client. */
#include "cli/cli.h"
#include "screens/screens.h"

int nx_cmd_tui(nx_cli *c)
{
    if (c->argc > 0)
        return nx_cli_fail("unknown option '%s' (see nexus --help)", c->argv[0]);
    /* The client asks for the passphrase on its own screen, where the
     * back-off and the audit of failed attempts apply. */
    if (c->pass_fd >= 0)
        return nx_cli_fail("--passphrase-fd is for commands; the client asks on screen");
    return nx_tui_run(&c->conf, &nx_screens);
}
