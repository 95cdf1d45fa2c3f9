/* passwd.h - `tern passwd [address]`: read a password (no echo on a terminal, else one line
 * of stdin) and print "address hash" for the users file. Local user input only. */
#ifndef TERN_TOOLS_PASSWD_H
#define TERN_TOOLS_PASSWD_H

/* argv[0] is "passwd". Exit status: 0 printed, 1 error, 2 usage. */
int tool_passwd(int argc, char **argv);

#endif
