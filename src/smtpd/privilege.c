/* privilege.c - prepare directories for, and switch to, the unprivileged user (see
 * privilege.h). No untrusted input: paths come from the configuration. */
#include "smtpd/privilege.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/util.h"

static uid_t chown_uid;
static gid_t chown_gid;

static int privilege_chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	if (lchown(path, chown_uid, chown_gid) < 0)
		return -1;
	return 0;
}

/* The Maildir pattern's fixed prefix: "/var/mail/%d/%u/Maildir" -> "/var/mail". Empty when
 * the pattern starts with a '%'. */
static void maildir_root(const char *pattern, char *dst, size_t dstsize)
{
	const char *pct = strchr(pattern, '%');
	size_t n = pct ? (size_t)(pct - pattern) : strlen(pattern);
	while (n > 0 && pattern[n - 1] != '/')
		n--; /* back to a whole directory */
	while (n > 1 && pattern[n - 1] == '/')
		n--;
	if (n >= dstsize)
		n = 0;
	memcpy(dst, pattern, n);
	dst[n] = '\0';
}

int privilege_prepare(const struct conf *c, struct privilege *p, struct buf *err)
{
	p->drop = geteuid() == 0;
	if (!p->drop) {
		struct passwd *me = getpwuid(geteuid());
		if (c->user && (me == NULL || strcmp(me->pw_name, c->user) != 0))
			log_msg(LOG_INFO, "note: not started as root, running as uid=%d instead of user=%s",
				(int)geteuid(), c->user);
		if (fsutil_mkdir_p(c->spool, 0700) < 0) {
			buf_printf(err, "cannot create spool %s: %s\n", c->spool, strerror(errno));
			return -1;
		}
		return 0;
	}
	const char *name = c->user ? c->user : "tern";
	errno = 0;
	struct passwd *pw = getpwnam(name);
	if (pw == NULL) {
		buf_printf(err, "user: '%s' does not exist; create it (useradd --system --no-create-home "
				"--shell /usr/sbin/nologin %s) or set user = to an unprivileged account\n",
			   name, name);
		return -1;
	}
	if (pw->pw_uid == 0) {
		buf_printf(err, "user: '%s' is root; ternd must not run its event loop as root\n", name);
		return -1;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	chown_uid = p->uid;
	chown_gid = p->gid;
	/* the spool and everything in it belong to the user (an earlier run may have been root) */
	if (fsutil_mkdir_p(c->spool, 0700) < 0 || nftw(c->spool, privilege_chown_one, 16, FTW_PHYS) != 0) {
		buf_printf(err, "cannot prepare spool %s for user %s: %s\n", c->spool, name, strerror(errno));
		return -1;
	}
	char root[4096];
	maildir_root(c->maildir, root, sizeof(root));
	if (root[0] && (fsutil_mkdir_p(root, 0700) < 0 || lchown(root, p->uid, p->gid) < 0)) {
		buf_printf(err, "cannot prepare the Maildir root %s for user %s: %s\n", root, name, strerror(errno));
		return -1;
	}
	return 0;
}

int privilege_drop(const struct conf *c, const struct privilege *p, struct buf *err)
{
	if (!p->drop)
		return 0;
	if (setgroups(1, &p->gid) < 0 || setgid(p->gid) < 0 || setuid(p->uid) < 0) {
		buf_printf(err, "cannot switch to user %s: %s\n", c->user, strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || geteuid() == 0) { /* must be impossible now */
		buf_printf(err, "could regain root after switching to %s; refusing to run\n", c->user);
		return -1;
	}
	log_msg(LOG_INFO, "privileges dropped user=%s uid=%d gid=%d", c->user, (int)p->uid, (int)p->gid);
	return 0;
}
