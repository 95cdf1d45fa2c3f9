/* fsutil.c - file-system helpers (see fsutil.h). */
#include "lib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int fsutil_read_file(int dirfd, const char *name, struct buf *out)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	buf_reset(out);
	for (;;) {
		char *dst = buf_reserve(out, 1 << 20);
		if (dst == NULL) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
		ssize_t n = read(fd, dst, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return n < 0 ? -1 : 0;
		}
		out->len += (size_t)n;
	}
}
