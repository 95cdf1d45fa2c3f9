/* explain.h - `tern explain`: explains SMTP replies, reply codes and bounces in plain words,
 * for people or (--json) for programs. Parses local user input (arguments, files, stdin)
 * through src/explain/. Output format: docs/explain.md. */
#ifndef TERN_TOOLS_EXPLAIN_H
#define TERN_TOOLS_EXPLAIN_H

/* argv[0] is "explain". Exit status: 0 all explained, 1 I/O error, 2 unknown or malformed input. */
int tool_explain(int argc, char **argv);

#endif
