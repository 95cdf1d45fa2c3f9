/* toolconf.h - which configuration a `tern` subcommand reads: the file named by its -c/-C
 * flag, else $TERN_CONFIG, else CONF_DEFAULT_PATH if it exists, else the built-in defaults
 * (a development ternd started in the current directory). The users and aliases files are
 * not loaded: the tools need the spool and a few limits, and those files may be unreadable
 * for the user running them. */
#ifndef TERN_TOOLCONF_H
#define TERN_TOOLCONF_H

#include "conf/conf.h"

/* Load it; on errors print them to stderr after "prog: configuration FILE has errors:" and
 * return NULL. */
struct conf *toolconf_load(const char *prog, const char *flag_path);

#endif
