/* fsutil.h - file-system helpers shared by the queue, the Maildir delivery and the privilege
 * drop. No untrusted input: paths come from the configuration. */
#ifndef TERN_FSUTIL_H
#define TERN_FSUTIL_H

#include <sys/types.h>

#include "lib/buf.h"

/* mkdir -p: create path and its missing parents with mode (existing ones are left as they
 * are). 0, or -1 with errno (ENAMETOOLONG for a path over 4095 bytes). */
int fsutil_mkdir_p(const char *path, mode_t mode);

/* Read the whole file name (relative to dirfd, or AT_FDCWD) into out, replacing what it
 * held; out's limit bounds it (EFBIG). 0, or -1 with errno. */
int fsutil_read_file(int dirfd, const char *name, struct buf *out);

#endif
