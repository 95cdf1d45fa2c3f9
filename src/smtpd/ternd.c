/* ternd.c - the daemon's entry point: options, configuration, then the event loop.
 *   ternd [-c FILE] [-o key=value]... [-n] [-v]
 * -n checks the configuration and exits (0, or each error as file:line and 1). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"
#include "lib/fault.h"
#include "lib/log.h"
#include "lib/util.h"
#include "queue/control.h"
#include "queue/queue.h"
#include "smtpd/privilege.h"
#include "smtpd/server.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ternd [-c FILE] [-o key=value]... [-n] [-v]\n"
		   "  -c FILE   configuration file (default: built-in defaults only)\n"
		   "  -o k=v    override one setting (repeatable)\n"
		   "  -n        check the configuration and exit\n"
		   "  -v        debug logging\n"
		   "  -h        this help and the list of settings\n");
}

static enum log_level level_from(const char *s)
{
	if (s && strcmp(s, "debug") == 0)
		return LOG_DEBUG;
	if (s && strcmp(s, "warn") == 0)
		return LOG_WARN;
	if (s && strcmp(s, "error") == 0)
		return LOG_ERR;
	return LOG_INFO;
}

/* Each session is one descriptor: take the whole hard limit, so connection_limit (default
 * 20000) is not cut short by a soft limit of 1024. */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_msg(LOG_WARN, "fd-limit-not-raised error=\"%s\"", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	const char *file = NULL;
	char **overrides = xcalloc((size_t)argc, sizeof(char *));
	size_t nover = 0;
	bool check = false, verbose = false;
	int opt;
	fault_init();
	while ((opt = getopt(argc, argv, "c:o:nvh")) != -1) {
		switch (opt) {
		case 'c': file = optarg; break;
		case 'o': overrides[nover++] = optarg; break;
		case 'n': check = true; break;
		case 'v': verbose = true; break;
		case 'h':
			usage(stdout);
			printf("\nsettings:\n");
			conf_print_keys();
			free(overrides);
			return 0;
		default:
			usage(stderr);
			free(overrides);
			return 2;
		}
	}
	struct buf err;
	buf_init(&err, 1024 * 1024);
	struct conf *conf = conf_load(file, overrides, nover, &err);
	if (conf == NULL) {
		fwrite(err.data, 1, err.len, stderr);
		buf_free(&err);
		free(overrides);
		return 1;
	}
	if (check) {
		printf("%s: configuration ok\n", file ? file : "(built-in defaults)");
		conf_unref(conf);
		buf_free(&err);
		free(overrides);
		return 0;
	}
	log_set_level(verbose ? LOG_DEBUG : level_from(conf->log_level));
	raise_fd_limit();
	struct server srv = {.conf = conf, .conf_file = file, .overrides = overrides, .noverrides = nover, .signal_fd = -1, .local_fd = -1};
	srv.loop = event_loop_new();
	int rc = 1;
	struct control *control = NULL;
	/* files ternd creates (spool segments, Maildir messages) are for the user alone; the
	 * local socket is made 0666 explicitly */
	umask(077);
	struct privilege priv = {0};
	if (srv.loop == NULL || server_start(&srv, &err) < 0)
		goto out;
	/* as root: ports bound, TLS key read; now the directories, the local socket, and then no
	 * more root before the queue or any session reads a byte */
	if (privilege_prepare(conf, &priv, &err) < 0 || server_open_local(&srv, &err) < 0 ||
	    privilege_drop(conf, &priv, &err) < 0)
		goto out;
	srv.queue = queue_open(srv.loop, conf, &err);
	if (srv.queue == NULL)
		goto out;
	control = control_open(srv.loop, srv.queue, conf->spool, &err);
	if (control == NULL)
		goto out;
	log_msg(LOG_INFO, "started hostname=%s domains=%s spool=%s pid=%d", conf->hostname, conf->domains.items[0],
		conf->spool, (int)getpid());
	rc = event_loop_run(srv.loop) < 0 ? 1 : 0;
	const struct latency_hist *h = &srv.commit_latency;
	if (h->count)
		log_msg(LOG_WARN, "commit-latency messages=%llu p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f",
			(unsigned long long)h->count, latency_percentile(h, 50) / 1000.0, latency_percentile(h, 90) / 1000.0,
			latency_percentile(h, 99) / 1000.0, h->max_us / 1000.0);
	log_msg(LOG_INFO, "stopped");
out:
	if (err.len)
		fwrite(err.data, 1, err.len, stderr);
	server_stop(&srv);
	control_close(control);
	queue_close(srv.queue);
	event_loop_free(srv.loop);
	conf_unref(srv.conf);
	buf_free(&err);
	free(overrides);
	return rc;
}
