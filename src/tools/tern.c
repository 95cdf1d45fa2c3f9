/* tern.c - the `tern` command: one table of subcommands, dispatched by the first argument, or
 * by the name the program was called by (mailq, sendmail). Parses only its own arguments
 * (local user input); each subcommand parses the rest. No RFC here. */
#include <stdio.h>
#include <string.h>

#include "tools/explain.h"
#include "tools/passwd.h"
#include "tools/queue.h"
#include "tools/sendmail.h"

struct tern_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
	const char *help;                  /* one line for `tern help` */
};

/* One row per subcommand. */
static const struct tern_command tern_commands[] = {
	{"explain", tool_explain, "explain an SMTP reply, a reply code or a bounce in plain words"},
	{"queue", tool_queue, "list the queue, show a message's attempts; flush, delete, hold, release"},
	{"sendmail", tool_sendmail, "hand a message on stdin to the running ternd (sendmail(1) interface)"},
	{"passwd", tool_passwd, "print a password hash for the users file"},
};

/* Installed under another name (a symlink), tern runs the matching subcommand. */
static const struct {
	const char *program;
	const char *command;
} tern_aliases[] = {
	{"mailq", "queue"},
	{"sendmail", "sendmail"},
};

static const struct tern_command *tern_find(const char *name)
{
	for (size_t i = 0; i < sizeof(tern_commands) / sizeof(tern_commands[0]); i++)
		if (strcmp(tern_commands[i].name, name) == 0)
			return &tern_commands[i];
	return NULL;
}

static void tern_usage(FILE *f)
{
	fputs("usage: tern COMMAND [ARGS...]\n\ncommands:\n", f);
	for (size_t i = 0; i < sizeof(tern_commands) / sizeof(tern_commands[0]); i++)
		fprintf(f, "  %-10s %s\n", tern_commands[i].name, tern_commands[i].help);
	fprintf(f, "  %-10s %s\n", "help", "show this list, or a command's help: tern help COMMAND");
}

int main(int argc, char **argv)
{
	const char *prog = argc > 0 && argv[0] ? argv[0] : "tern";
	const char *slash = strrchr(prog, '/');
	const char *base = slash ? slash + 1 : prog;
	for (size_t i = 0; i < sizeof(tern_aliases) / sizeof(tern_aliases[0]); i++) {
		if (strcmp(base, tern_aliases[i].program) != 0)
			continue;
		const struct tern_command *c = tern_find(tern_aliases[i].command);
		if (c == NULL) {
			fprintf(stderr, "%s: the tern %s command is not available in this build\n", base,
				tern_aliases[i].command);
			return 2;
		}
		return c->run(argc, argv);
	}
	if (argc < 2) {
		tern_usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		if (argc > 2 && strcmp(name, "help") == 0) {
			const struct tern_command *c = tern_find(argv[2]);
			if (c == NULL) {
				fprintf(stderr, "tern: unknown command '%s'; run 'tern help' for the list\n", argv[2]);
				return 2;
			}
			static char help_option[] = "--help";
			char *help_argv[] = {argv[2], help_option, NULL};
			return c->run(2, help_argv);
		}
		tern_usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	const struct tern_command *c = tern_find(name);
	if (c == NULL) {
		fprintf(stderr, "tern: unknown command '%s'; run 'tern help' for the list\n", name);
		return 2;
	}
	return c->run(argc - 1, argv + 1);
}
