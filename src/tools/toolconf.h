/* toolconf.h - which configuration a `tern` subcommand reads: the file named by its -c/-C
 * flag, else $TERN_CONFIG, else TERN_DEFAULT_CONFIG if it exists, else the built-in
 * defaults (a development ternd started in the current directory). */
#ifndef TERN_TOOLCONF_H
#define TERN_TOOLCONF_H

#include "conf/conf.h"

#define TERN_DEFAULT_CONFIG "/etc/tern/ternd.conf"

/* Load it; on errors print them to stderr prefixed by prog and return NULL. */
struct conf *toolconf_load(const char *prog, const char *flag_path);

#endif
