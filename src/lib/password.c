/* password.c - crypt(3) hashing and verification (see password.h). The password comes from
 * an untrusted client; it is wiped from our buffers after use and never logged.
 * crypt_r is CPU-bound (yescrypt about a few ms) and runs on the event loop: a known
 * compromise, bounded by the per-address AUTH throttle in smtpd/auth.c. */
#include "lib/password.h"

#include <crypt.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

int password_hash(const char *password, const char *prefix, char *dst, size_t dstsize)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	/* NULL random bytes: libxcrypt takes them from the OS (getrandom) */
	if (crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(password, salt, cd);
	int rc = -1;
	if (h != NULL && h[0] == '$' && str_copy(dst, h, dstsize) < dstsize)
		rc = 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

/* The hash unknown users are checked against: made once, with a random salt, so a login
 * for a user that does not exist costs what a wrong password costs. */
static const char *password_dummy_hash(void)
{
	static char dummy[PASSWORD_HASH_MAX];
	if (dummy[0] == '\0' && password_hash("tern-dummy-password", "$y$", dummy, sizeof(dummy)) < 0)
		str_copy(dummy, "$6$tErNdUmMySaLt00$E41OTo.Asn7eN2Q67hguuxeuJMxJSJ4JiUaz6SV7.Hy6X.GyDq04wIQAc1YET1sTAMKWKzHn0PmRKHo4sdzGW0",
			 sizeof(dummy));
	return dummy;
}

bool password_verify(const char *password, size_t len, const char *hash)
{
	bool real = hash != NULL && hash[0] == '$';
	const char *setting = real ? hash : password_dummy_hash();
	char *pw = xmalloc(len + 1);
	memcpy(pw, password, len);
	pw[len] = '\0';
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h = crypt_r(pw, setting, cd);
	bool ok = false;
	/* a NUL inside the password would silently shorten it: refuse such passwords */
	if (real && h != NULL && h[0] == '$' && memchr(password, '\0', len) == NULL) {
		size_t hl = strlen(h), sl = strlen(setting);
		unsigned diff = hl != sl;
		for (size_t i = 0; i < hl && i < sl; i++) /* constant time over the hash */
			diff |= (unsigned)(h[i] ^ setting[i]);
		ok = diff == 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	explicit_bzero(pw, len);
	free(pw);
	return ok;
}
