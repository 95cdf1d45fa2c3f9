/* fault.c - fault injection points (fault.h). No untrusted input: the variable is set by the
 * tests that start ternd. */
#include "lib/fault.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>


static char fault_name[64];
static unsigned long fault_nth;
static atomic_ulong fault_passes;

void fault_init(void)
{
	const char *v = getenv("TERN_FAULT");
	if (v == NULL || *v == '\0')
		return;
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);
	if (n >= sizeof(fault_name))
		return;
	memcpy(fault_name, v, n);
	fault_name[n] = '\0';
	fault_nth = 1;
	if (colon) {
		char *end;
		unsigned long k = strtoul(colon + 1, &end, 10);
		if (*end == '\0' && k > 0)
			fault_nth = k;
	}
}

bool fault_hit(const char *name)
{
	if (fault_name[0] == '\0' || strcmp(fault_name, name) != 0)
		return false;
	return atomic_fetch_add(&fault_passes, 1) + 1 == fault_nth;
}

void fault_crash_point(const char *name)
{
	if (fault_hit(name))
		raise(SIGKILL);
}
