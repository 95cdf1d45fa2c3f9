/* test_maildir_pool.c - src/deliver/maildir_pool.c in a scratch Maildir: the pool grows to
 * the demand it has seen and no further, hands out files it made, skips files removed
 * behind its back, removes what an earlier process left, gives an idle Maildir's files
 * back, and maildir_deliver_batch publishes pooled files under the delivery's own name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deliver/maildir.h"
#include "deliver/maildir_pool.h"
#include "lib/util.h"

static char maildir[256];

static int make_scratch(void **state)
{
	char tmpl[] = "/tmp/tern-pool-test.XXXXXX";
	if (mkdtemp(tmpl) == NULL)
		return -1;
	snprintf(maildir, sizeof(maildir), "%s/Maildir", tmpl);
	static const char *const subs[] = {"", "/tmp", "/new", "/cur"};
	for (size_t i = 0; i < 4; i++) {
		char p[300];
		snprintf(p, sizeof(p), "%s%s", maildir, subs[i]);
		if (mkdir(p, 0700) < 0)
			return -1;
	}
	return 0;
}

static int remove_scratch(void **state)
{
	char parent[400];
	snprintf(parent, sizeof(parent), "%s/..", maildir);
	static const char *const subs[] = {"tmp", "new", "cur"};
	for (size_t i = 0; i < 3; i++) {
		char p[300];
		snprintf(p, sizeof(p), "%s/%s", maildir, subs[i]);
		DIR *d = opendir(p);
		struct dirent *de;
		while (d && (de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(dirfd(d), de->d_name, 0);
		if (d)
			closedir(d);
		rmdir(p);
	}
	rmdir(maildir);
	rmdir(parent);
	return 0;
}

/* Files in the Maildir's sub (tmp, new) whose name starts with prefix. */
static size_t count_files(const char *sub, const char *prefix)
{
	char p[300];
	snprintf(p, sizeof(p), "%s/%s", maildir, sub);
	DIR *d = opendir(p);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) != NULL)
		n += de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	if (d)
		closedir(d);
	return n;
}

static void fill_all(struct maildir_pool *p, uint64_t now)
{
	for (int guard = 0; guard < 1000 && maildir_pool_fill(p, 32, now) > 0; guard++)
		;
}

static void grows_to_demand(void **state)
{
	struct maildir_pool *p = maildir_pool_new();
	char name[64];
	/* nothing made yet: the first deliveries get no file, but are counted */
	for (int i = 0; i < 5; i++)
		assert_int_equal(maildir_pool_take(p, maildir, name, sizeof(name), 1000), -1);
	fill_all(p, 2000);
	assert_int_equal(maildir_pool_ready(p), 5);
	assert_int_equal(count_files("tmp", "tern-pool."), 5);
	/* in the next burst, five takes get five distinct, empty, writable files */
	const uint64_t later = 3000;
	char seen[5][64];
	for (int i = 0; i < 5; i++) {
		int fd = maildir_pool_take(p, maildir, name, sizeof(name), later);
		assert_true(fd >= 0);
		struct stat st;
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(write(fd, "x", 1), 1);
		close(fd);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(seen[k], name);
		snprintf(seen[i], sizeof(seen[i]), "%s", name);
	}
	/* the sixth of that burst finds the pool empty, and raises the demand to six */
	assert_int_equal(maildir_pool_take(p, maildir, name, sizeof(name), later), -1);
	fill_all(p, later + 1);
	assert_int_equal(maildir_pool_ready(p), 6);
	/* a smaller burst later does not shrink it: the pool covers the largest one */
	for (int i = 0; i < 2; i++) {
		int fd = maildir_pool_take(p, maildir, name, sizeof(name), later + 2);
		assert_true(fd >= 0);
		close(fd);
	}
	fill_all(p, later + 3);
	assert_int_equal(maildir_pool_ready(p), 6);
	maildir_pool_free(p);
}

static void skips_removed_files(void **state)
{
	struct maildir_pool *p = maildir_pool_new();
	char name[64];
	for (int i = 0; i < 3; i++)
		maildir_pool_take(p, maildir, name, sizeof(name), 1000);
	fill_all(p, 2000);
	assert_int_equal(maildir_pool_ready(p), 3);
	/* a reader's tmp/ cleanup removes two of the three */
	size_t removed = 0;
	char tmp[300];
	snprintf(tmp, sizeof(tmp), "%s/tmp", maildir);
	DIR *d = opendir(tmp);
	struct dirent *de;
	while (d && removed < 2 && (de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "tern-pool.", 10) == 0 && unlinkat(dirfd(d), de->d_name, 0) == 0)
			removed++;
	closedir(d);
	assert_int_equal(removed, 2);
	/* the take skips the missing ones and returns the third; then there is none */
	int fd = maildir_pool_take(p, maildir, name, sizeof(name), 3000);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(maildir_pool_take(p, maildir, name, sizeof(name), 3000), -1);
	assert_int_equal(maildir_pool_ready(p), 0);
	maildir_pool_free(p);
}

static void removes_leftovers_and_gives_back(void **state)
{
	/* an earlier process's pool files, one holding part of a message */
	char f[400];
	snprintf(f, sizeof(f), "%s/tmp/tern-pool.41", maildir);
	int fd = open(f, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "partial", 7), 7);
	close(fd);
	snprintf(f, sizeof(f), "%s/tmp/tern-pool.7", maildir);
	close(open(f, O_WRONLY | O_CREAT, 0600));
	struct maildir_pool *p = maildir_pool_new();
	char name[64];
	assert_int_equal(maildir_pool_take(p, maildir, name, sizeof(name), 1000), -1);
	assert_int_equal(count_files("tmp", "tern-pool."), 0);
	fill_all(p, 2000);
	/* numbering continues past the highest name found, so no name comes back */
	fd = maildir_pool_take(p, maildir, name, sizeof(name), 2000);
	assert_true(fd >= 0);
	close(fd);
	assert_string_equal(name, "tern-pool.42");
	fill_all(p, 3000);
	assert_int_equal(count_files("tmp", "tern-pool."), 2); /* the one taken, one ready */
	/* an hour without deliveries: the ready file is removed and the Maildir forgotten */
	fill_all(p, 2000 + MAILDIR_POOL_IDLE_MS);
	assert_int_equal(maildir_pool_ready(p), 0);
	assert_int_equal(count_files("tmp", "tern-pool."), 1); /* the taken one is not ours now */
	maildir_pool_free(p);
}

static void batch_publishes_pooled_files(void **state)
{
	struct maildir_pool *p = maildir_pool_new();
	char name[64];
	for (int i = 0; i < 2; i++)
		maildir_pool_take(p, maildir, name, sizeof(name), now_ms());
	fill_all(p, now_ms());
	assert_int_equal(maildir_pool_ready(p), 2);
	struct maildir_job jobs[3];
	memset(jobs, 0, sizeof(jobs));
	const char *body = "Subject: t\r\n\r\nhello\r\n";
	for (int i = 0; i < 3; i++) {
		snprintf(jobs[i].path, sizeof(jobs[i].path), "%s", maildir);
		snprintf(jobs[i].name, sizeof(jobs[i].name), "1.QTESTR%d.host", i);
		jobs[i].return_path = "a@example.org";
		jobs[i].data = body;
		jobs[i].len = strlen(body);
	}
	maildir_deliver_batch(jobs, 3, p);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(jobs[i].result, 0);
		char f[400], got[200] = "";
		snprintf(f, sizeof(f), "%s/new/%s", maildir, jobs[i].name);
		int fd = open(f, O_RDONLY);
		assert_true(fd >= 0);
		ssize_t n = read(fd, got, sizeof(got) - 1);
		close(fd);
		assert_true(n > 0);
		assert_string_equal(got, "Return-Path: <a@example.org>\r\nSubject: t\r\n\r\nhello\r\n");
	}
	/* two came from the pool (nothing left there), the third was made under its own name */
	assert_int_equal(maildir_pool_ready(p), 0);
	assert_int_equal(count_files("tmp", ""), 0);
	assert_int_equal(count_files("new", "1.QTEST"), 3);
	maildir_pool_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(grows_to_demand, make_scratch, remove_scratch),
		cmocka_unit_test_setup_teardown(skips_removed_files, make_scratch, remove_scratch),
		cmocka_unit_test_setup_teardown(removes_leftovers_and_gives_back, make_scratch, remove_scratch),
		cmocka_unit_test_setup_teardown(batch_publishes_pooled_files, make_scratch, remove_scratch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
