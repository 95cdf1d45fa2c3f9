/* fault.h - fault injection for the crash and failure tests (curl's "torture" habit): the
 * environment variable TERN_FAULT=name[:n] makes the n-th pass (default the first) through
 * the named point crash the process with SIGKILL, or make the named operation fail. Unset,
 * each point costs one load and a compare. The names are listed in docs/queue-format.md. */
#ifndef TERN_FAULT_H
#define TERN_FAULT_H

#include <stdbool.h>

/* Read TERN_FAULT once; call before any thread starts. */
void fault_init(void);
/* True when this pass through the point named is the one TERN_FAULT selects. Thread-safe. */
bool fault_hit(const char *name);
/* A crash point: SIGKILL the whole process here when selected (no cleanup, like a power cut
 * for everything that was not yet on stable storage). */
void fault_crash_point(const char *name);

#endif
