/* passwd.c - `tern passwd [--sha512] [address]` (see passwd.h): prints a fresh crypt(3) hash,
 * yescrypt by default (Debian's default), SHA-512 with --sha512, ready to paste as the
 * second field of a users-file line. Local user input (arguments, the password); the
 * password is wiped after hashing and never printed. */
#include "tools/passwd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lib/password.h"
#include "lib/util.h"

#define PASSWD_MAX 255 /* RFC 4616 2: a PLAIN password is at most 255 octets */

static void passwd_usage(FILE *f)
{
	fputs("usage: tern passwd [--sha512] [address]\n"
	      "  Reads a password (twice, without echo, on a terminal; else one line of stdin) and\n"
	      "  prints \"address hash\" for the users file (yescrypt; SHA-512 with --sha512).\n",
	      f);
}

/* One line from f into dst without its newline; -1 on EOF or a line that is too long. */
static int passwd_line(FILE *f, char *dst, size_t dstsize)
{
	if (fgets(dst, (int)dstsize, f) == NULL)
		return -1;
	size_t n = strcspn(dst, "\r\n");
	if (dst[n] == '\0' && n == dstsize - 1)
		return -1;
	dst[n] = '\0';
	return 0;
}

static int passwd_prompt(const char *prompt, char *dst, size_t dstsize)
{
	struct termios old, quiet;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= (tcflag_t)~ECHO;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int rc = passwd_line(stdin, dst, dstsize);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return rc;
}

int tool_passwd(int argc, char **argv)
{
	const char *address = NULL, *prefix = "$y$";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sha512") == 0)
			prefix = "$6$";
		else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			passwd_usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || address) {
			passwd_usage(stderr);
			return 2;
		} else
			address = argv[i];
	}
	char pw[PASSWD_MAX + 2], again[PASSWD_MAX + 2];
	int rc = 1;
	if (isatty(STDIN_FILENO)) {
		if (passwd_prompt("Password: ", pw, sizeof(pw)) < 0 || passwd_prompt("Again: ", again, sizeof(again)) < 0) {
			fputs("tern passwd: no password read\n", stderr);
			goto out;
		}
		if (strcmp(pw, again) != 0) {
			fputs("tern passwd: the passwords differ\n", stderr);
			goto out;
		}
	} else if (passwd_line(stdin, pw, sizeof(pw)) < 0) {
		fprintf(stderr, "tern passwd: expected the password on one line of stdin (at most %d bytes)\n", PASSWD_MAX);
		goto out;
	}
	if (pw[0] == '\0') {
		fputs("tern passwd: empty password refused\n", stderr);
		goto out;
	}
	char hash[PASSWORD_HASH_MAX];
	if (password_hash(pw, prefix, hash, sizeof(hash)) < 0) {
		fputs("tern passwd: hashing failed (libcrypt)\n", stderr);
		goto out;
	}
	if (address)
		printf("%s %s\n", address, hash);
	else
		printf("%s\n", hash);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(again, sizeof(again));
	return rc;
}
