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
	if ((path == NULL || *path == '\0') && access(TERN_DEFAULT_CONFIG, F_OK) == 0)
		path = TERN_DEFAULT_CONFIG;
	if (path && *path == '\0')
		path = NULL;
	struct buf err;
	buf_init(&err, 64 * 1024);
	struct conf *c = conf_load(path, NULL, 0, &err);
	if (c == NULL)
		fprintf(stderr, "%s: configuration errors:\n%.*s", prog, (int)err.len, err.data ? err.data : "");
	buf_free(&err);
	return c;
}
