/* toolconf.c - configuration lookup for the tern tool (toolconf.h). */
#include "tools/toolconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/buf.h"

struct conf *toolconf_load(const char *prog, const char *flag_path)
{
	const char *path = flag_path;
	if (path == NULL)
		path = getenv("TERN_CONFIG");
	if ((path == NULL || *path == '\0') && access(CONF_DEFAULT_PATH, F_OK) == 0)
		path = CONF_DEFAULT_PATH;
	if (path && *path == '\0')
		path = NULL;
	static char no_users[] = "users=", no_aliases[] = "aliases=";
	char *ov[] = {no_users, no_aliases};
	struct buf err;
	buf_init(&err, 64 * 1024);
	struct conf *c = conf_load(path, ov, 2, &err);
	if (c == NULL)
		fprintf(stderr, "%s: configuration %s has errors:\n%.*s", prog, path ? path : "(built-in defaults)",
			(int)err.len, err.data ? err.data : "");
	buf_free(&err);
	return c;
}
