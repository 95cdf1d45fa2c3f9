/* fsutil.c - file-system helpers (see fsutil.h). */
#include "lib/fsutil.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int fsutil_mkdir_p(const char *path, mode_t mode)
{
	char p[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof(p)) {
		errno = n == 0 ? ENOENT : ENAMETOOLONG;
		return -1;
	}
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];
			p[i] = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST)
				return -1;
			p[i] = c;
		}
	return 0;
}
