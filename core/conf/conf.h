/* core/conf — nexus.conf: every key of DESIGN.md's table, strict. */
#ifndef NX_CONF_H
#define NX_CONF_H

#include <stddef.h>

#define NX_PATH_MAX 4096

typedef struct nx_conf {
    char source[NX_PATH_MAX];        /* the file read, or "" for defaults */
    /* [cache] */
    char cache_dir[NX_PATH_MAX];
    int keep_closed_days;
    /* [lock] */
    int idle_lock_seconds;
    /* [ui] */
    char keymap[NX_PATH_MAX];
    char theme[64];
    /* [sync] */
    char sync_host[1024];
    int sync_port;
    char sync_user[64];
    char sync_identity[NX_PATH_MAX];
    char sync_known_hosts[NX_PATH_MAX];
    int sync_interval_seconds;
    int offline_grace_hours;
} nx_conf;

/* Fills defaults (paths from XDG variables / HOME). */
void nx_conf_defaults(nx_conf *c);

/* Finds and reads the configuration: explicit path (--config), else
 * $NEXUS_CONFIG, else $XDG_CONFIG_HOME/nexus/nexus.conf (~/.config/...).
 * An explicitly named file must exist; the default location may be absent
 * (defaults apply). Bad input: err = "file:line: problem", returns -1 and c
 * holds defaults only. */
int nx_conf_load(const char *explicit_path, nx_conf *c, char *err, size_t errlen);

/* Parses one file into c (which should hold defaults). */
int nx_conf_parse_file(const char *path, nx_conf *c, char *err, size_t errlen);

#endif
