/* fuzz_conf.c - the configuration parser: arbitrary bytes as a ternd.conf file
 * (through a memfd, so nothing touches the disk). Errors are fine; crashes are not. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-conf", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct buf err;
	buf_init(&err, 1 << 20);
	struct conf *c = conf_load(path, NULL, 0, &err);
	conf_unref(c);
	buf_free(&err);
	close(fd);
	return 0;
}
