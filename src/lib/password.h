/* password.h - crypt(3) password hashes (libxcrypt: yescrypt "$y$", SHA-512 "$6$") for AUTH
 * and `tern passwd`. The password is untrusted input from a client; it is never logged. */
#ifndef TERN_PASSWORD_H
#define TERN_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_HASH_MAX 512 /* CRYPT_OUTPUT_SIZE is 384 */

/* Hash password with a fresh random salt; prefix "$y$" (yescrypt) or "$6$" (SHA-512).
 * Returns 0 and the hash in dst, or -1. */
int password_hash(const char *password, const char *prefix, char *dst, size_t dstsize);
/* Does password match the crypt(3) hash? hash NULL (unknown user, or a user without a
 * hash) still costs one hash computation against a dummy hash, so the answer's timing does
 * not tell whether the user exists; it is always false. */
bool password_verify(const char *password, size_t len, const char *hash);

#endif
