/* conf.h - ternd's configuration: every key, its type, bounds, default and doc in one
 * table (conf.c), parsed from "key = value" lines with file:line errors.
 * The configuration file is trusted but parsed defensively (fuzz/fuzz_conf.c). */
#ifndef TERN_CONF_H
#define TERN_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define CONF_LISTEN_MAX 16
#define CONF_DEFAULT_PATH "/etc/tern/ternd.conf"

/* ROLE_LOCAL is the Unix socket <spool>/submit.sock (tern sendmail); it is never parsed
 * from a listen line. */
enum listen_role { ROLE_MX, ROLE_SUBMISSION, ROLE_SUBMISSIONS, ROLE_LOCAL };

struct conf_listen {
	enum listen_role role;
	char host[64];
	char port[8];
};

struct conf_list {
	char **items;
	size_t count;
};

struct users_table;
struct alias_table;
struct route_table;
struct cidr;

struct conf {
	int refs;
	char *hostname;
	struct conf_listen listen[CONF_LISTEN_MAX];
	size_t listen_count;
	struct conf_list domains;
	char *users;
	char *aliases;
	char *spool;
	char *maildir;
	uint64_t message_size_limit;
	uint64_t recipient_limit;
	uint64_t connection_limit;
	uint64_t connection_limit_per_ip;
	uint64_t error_limit;
	uint64_t timeout;
	uint64_t spool_min_free;
	uint64_t mailbox_quota;
	uint64_t spool_segment_size;
	uint64_t max_received_headers;
	uint64_t retry_min;
	uint64_t queue_lifetime;
	uint64_t delay_warning_time;
	/* outbound delivery (issue 5) */
	char *relayhost;
	char *routes;
	struct conf_list dns_servers;
	uint64_t smtp_port;
	uint64_t smtp_connect_timeout;
	uint64_t smtp_reply_timeout;
	struct conf_list retry_schedule;
	uint64_t max_attempts;
	char *user;
	char *log_level;
	char *tls_cert;
	char *tls_key;
	struct conf_list relay_networks;
	uint64_t auth_fail_limit;
	uint64_t auth_fail_window;
	/* loaded from the files named above */
	struct users_table *users_tab;
	struct alias_table *alias_tab;
	struct route_table *routes_tab; /* routes file + relayhost (src/deliver/route.c) */
	struct cidr *relay_nets; /* relay_networks, parsed */
	size_t nrelay_nets;
};

/* Defaults, then FILE (NULL: defaults only), then each "key=value" override.
 * On errors, each is appended to errors as "file:line: message\n" and NULL is returned. */
struct conf *conf_load(const char *file, char **overrides, size_t noverrides, struct buf *errors);
struct conf *conf_ref(struct conf *c);
void conf_unref(struct conf *c);
/* Is this domain (ASCII, any case, optional trailing dot) one of the local domains? */
bool conf_is_local_domain(const struct conf *c, const char *domain, size_t len);
/* A duration like the table's ("90", "5m", "4h", "5d") in seconds; -1 if malformed. */
int conf_parse_duration(const char *v, uint64_t *out);
/* Is this client address (text form) inside one of relay_networks? */
bool conf_in_relay_networks(const struct conf *c, const char *ip);
/* Role name for logs: "mx", "submission", "submissions", "local". */
const char *conf_role_name(enum listen_role role);
/* Print every key with its default and doc (for `ternd -h` and docs/configuration.md). */
void conf_print_keys(void);

#endif
