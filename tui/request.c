/* tui/request — the name and help tables generated from NX_REQUESTS. */
#include "tui/request.h"

#include <string.h>

static const struct {
    const char *name, *help;
} requests[] = {
#define NX_REQ_ROW_(id, name, help) { name, help },
    NX_REQUESTS(NX_REQ_ROW_)
#undef NX_REQ_ROW_
};

int nx_request_parse(const char *name)
{
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
        if (strcmp(requests[i].name, name) == 0)
            return REQ_NONE + 1 + (int)i;
    return REQ_NONE;
}

const char *nx_request_name(int req)
{
    if (req <= REQ_NONE || req >= REQ_END)
        return NULL;
    return requests[req - REQ_NONE - 1].name;
}

const char *nx_request_help(int req)
{
    if (req <= REQ_NONE || req >= REQ_END)
        return NULL;
    return requests[req - REQ_NONE - 1].help;
}
