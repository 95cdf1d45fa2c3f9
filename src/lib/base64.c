/* base64.c - strict base64 decoding and encoding (see base64.h). Decodes untrusted input
 * forward only, with every write checked against dstsize. RFC 4648 4. */
#include "lib/base64.h"

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long base64_decode(const char *src, size_t len, unsigned char *dst, size_t dstsize)
{
	if (len % 4 != 0)
		return -1;
	size_t out = 0;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		int pad = 0;
		for (int k = 0; k < 4; k++) {
			unsigned char c = (unsigned char)src[i + k];
			if (c == '=') {
				/* '=' only in the last group, only in its last two places, and only
				 * followed by '=' */
				if (i + 4 != len || k < 2)
					return -1;
				pad++;
				v[k] = 0;
				continue;
			}
			if (pad > 0)
				return -1;
			v[k] = base64_value(c);
			if (v[k] < 0)
				return -1;
		}
		unsigned long group = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
				      ((unsigned long)v[2] << 6) | (unsigned long)v[3];
		size_t n = 3 - (size_t)pad;
		if (n > dstsize - out)
			return -1;
		dst[out++] = (unsigned char)(group >> 16);
		if (n > 1)
			dst[out++] = (unsigned char)(group >> 8);
		if (n > 2)
			dst[out++] = (unsigned char)group;
	}
	return (long)out;
}

long base64_encode(const unsigned char *src, size_t len, char *dst, size_t dstsize)
{
	size_t need = (len + 2) / 3 * 4 + 1;
	if (len > (dstsize / 4) * 3 || need > dstsize)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned long group = (unsigned long)src[i] << 16;
		if (i + 1 < len)
			group |= (unsigned long)src[i + 1] << 8;
		if (i + 2 < len)
			group |= src[i + 2];
		dst[o++] = base64_alphabet[(group >> 18) & 63];
		dst[o++] = base64_alphabet[(group >> 12) & 63];
		dst[o++] = i + 1 < len ? base64_alphabet[(group >> 6) & 63] : '=';
		dst[o++] = i + 2 < len ? base64_alphabet[group & 63] : '=';
	}
	dst[o] = '\0';
	return (long)o;
}
