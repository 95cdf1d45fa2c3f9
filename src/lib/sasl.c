/* sasl.c - split a SASL PLAIN message (see sasl.h). Untrusted bytes, forward only.
 * RFC 4616 2. */
#include "lib/sasl.h"

#include <string.h>

int sasl_plain_parse(const unsigned char *msg, size_t len, struct sasl_plain *out)
{
	const unsigned char *nul1 = memchr(msg, '\0', len);
	if (nul1 == NULL)
		return -1;
	size_t rest = len - (size_t)(nul1 - msg) - 1;
	const unsigned char *nul2 = memchr(nul1 + 1, '\0', rest);
	if (nul2 == NULL)
		return -1;
	out->authzid = (const char *)msg;
	out->authzid_len = (size_t)(nul1 - msg);
	out->authcid = (const char *)nul1 + 1;
	out->authcid_len = (size_t)(nul2 - nul1 - 1);
	out->passwd = (const char *)nul2 + 1;
	out->passwd_len = len - (size_t)(nul2 + 1 - msg);
	if (memchr(out->passwd, '\0', out->passwd_len) != NULL) /* a third NUL */
		return -1;
	if (out->authcid_len == 0 || out->passwd_len == 0 || out->authzid_len > SASL_FIELD_MAX ||
	    out->authcid_len > SASL_FIELD_MAX || out->passwd_len > SASL_FIELD_MAX)
		return -1;
	return 0;
}
