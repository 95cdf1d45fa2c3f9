/* conf.c - the configuration table and the "key = value" parser.
 * Trusted input, still parsed in bounded steps; every error carries file:line.
 * Familiar to Postfix admins: main.cf-like lines, '#' comments, a value may continue
 * on following lines that start with whitespace. */
#include "conf/conf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conf/aliases.h"
#include "conf/users.h"
#include "deliver/route.h"
#include "lib/addr.h"
#include "lib/cidr.h"
#include "lib/util.h"

enum conf_type { T_STR, T_UINT, T_SIZE, T_DURATION, T_LIST, T_LISTEN, T_DURATION_LIST };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	uint64_t min, max;
	const char *def; /* NULL: empty/unset */
	const char *doc;
};

#define K(name, type, min, max, def, doc) {#name, type, offsetof(struct conf, name), min, max, def, doc}
#define GiB (1024ull * 1024 * 1024)

static const struct conf_key conf_keys[] = {
	K(hostname, T_STR, 0, 0, NULL, "name in the greeting and Received: headers (default: the system host name)"),
	K(listen, T_LISTEN, 0, 0, "127.0.0.1:2525", "[mx|submission|submissions] host:port to listen on (repeatable)"),
	K(domains, T_LIST, 0, 0, "localhost", "comma-separated domains delivered locally"),
	K(users, T_STR, 0, 0, NULL, "file of local addresses, one per line (user@domain[:password-hash])"),
	K(aliases, T_STR, 0, 0, NULL, "aliases(5)-style file: name: target, target | moved <address>"),
	K(spool, T_STR, 0, 0, "var/spool", "queue directory"),
	K(maildir, T_STR, 0, 0, "var/mail/%d/%u/Maildir", "Maildir path pattern: %d domain, %u local part"),
	K(message_size_limit, T_SIZE, 1024, 4 * GiB, "10485760", "largest message accepted, in bytes"),
	K(recipient_limit, T_UINT, SMTP_MIN_RECIPIENTS, 100000, "1000", "recipients per message (RFC 5321 4.5.3.1.8: at least 100)"),
	K(connection_limit, T_UINT, 1, 1000000, "20000", "concurrent SMTP sessions"),
	K(connection_limit_per_ip, T_UINT, 1, 1000000, "20000", "concurrent sessions from one client address"),
	K(error_limit, T_UINT, 1, 100000, "20", "error replies in one session before it is closed with 421"),
	K(timeout, T_DURATION, 1, 86400, "300", "idle time before a session is closed with 421 (RFC 5321 4.5.3.2.7)"),
	K(spool_min_free, T_SIZE, 0, UINT64_MAX, "104857600", "free bytes the spool keeps; below it MAIL/DATA get 452"),
	K(spool_segment_size, T_SIZE, 65536, 1024 * 1024 * 1024, "8388608", "size of a spool segment file, written with zeros before use"),
	K(mailbox_quota, T_SIZE, 0, UINT64_MAX, "0", "largest Maildir size in bytes (0: no quota)"),
	K(max_received_headers, T_UINT, 5, 1000, "100", "Received: headers after which a message is taken as looping"),
	K(retry_min, T_DURATION, 1, 86400, "60", "first retry delay of a deferred local (Maildir) delivery; doubles each attempt"),
	K(queue_lifetime, T_DURATION, 1, 365 * 86400, "5d", "time a message may stay queued before it bounces"),
	K(delay_warning_time, T_DURATION, 0, 365 * 86400, "4h", "send the sender a delay notice after this long (0: never)"),
	K(relayhost, T_STR, 0, 0, NULL, "smarthost for every non-local domain: host[:port], [host][:port] (no MX lookup), lmtp:host:port"),
	K(routes, T_STR, 0, 0, NULL, "file of 'domain  next-hop' lines (next hop as relayhost, or lmtp:unix:/path); beats relayhost"),
	K(dns_servers, T_LIST, 0, 0, NULL, "DNS servers ip[:port] for MX/A/AAAA lookups (default: /etc/resolv.conf)"),
	K(smtp_port, T_UINT, 1, 65535, "25", "port of MX and A/AAAA deliveries"),
	K(smtp_connect_timeout, T_DURATION, 1, 3600, "30", "outbound connect and greeting timeout"),
	K(smtp_reply_timeout, T_DURATION, 1, 3600, "300", "outbound timeout for every other reply (RFC 5321 4.5.3.2)"),
	K(retry_schedule, T_DURATION_LIST, 1, 30 * 86400, "5m, 10m, 20m, 40m, 1h, 2h, 4h", "delays between outbound attempts; the last one repeats"),
	K(max_attempts, T_UINT, 0, 1000000, "0", "outbound attempts before a recipient fails (0: only queue_lifetime limits)"),
	K(user, T_STR, 0, 0, "tern", "unprivileged user ternd runs as after binding its ports"),
	K(log_level, T_STR, 0, 0, "info", "debug, info, warn or error"),
	K(tls_cert, T_STR, 0, 0, NULL, "PEM certificate chain for STARTTLS and implicit TLS (re-read on SIGHUP)"),
	K(tls_key, T_STR, 0, 0, NULL, "PEM private key of tls_cert (re-read on SIGHUP, as the unprivileged user)"),
	K(relay_networks, T_LIST, 0, 0, NULL, "client networks (CIDR, IPv4 or IPv6) that may relay without AUTH"),
	K(auth_fail_limit, T_UINT, 1, 1000, "3", "failed AUTH attempts from one address before AUTH is refused with 454"),
	K(auth_fail_window, T_DURATION, 1, 86400, "5m", "how long failed AUTH attempts count (and the refusal lasts)"),
};

struct conf_parse {
	struct conf *c;
	struct buf *errors;
	const char *file;
	int line;
	bool listen_seen; /* the first listen line replaces the default */
	int nerrors;
};

static void conf_error(struct conf_parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void conf_error(struct conf_parse *p, const char *fmt, ...)
{
	va_list ap;
	buf_printf(p->errors, "%s:%d: ", p->file, p->line);
	va_start(ap, fmt);
	buf_vprintf(p->errors, fmt, ap);
	va_end(ap);
	buf_append_char(p->errors, '\n');
	p->nerrors++;
}

static const struct conf_key *conf_find_key(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(conf_keys); i++)
		if (strlen(conf_keys[i].name) == len && memcmp(conf_keys[i].name, name, len) == 0)
			return &conf_keys[i];
	return NULL;
}

/* A number with an optional unit suffix: sizes k/m/g (1024), durations s/m/h/d/w. */
static int parse_scaled(const char *v, enum conf_type type, uint64_t *out)
{
	size_t len = strlen(v);
	uint64_t mult = 1;
	if (len > 0 && (v[len - 1] < '0' || v[len - 1] > '9')) {
		char u = (char)(v[len - 1] | 0x20);
		if (type == T_SIZE)
			mult = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : u == 'g' ? GiB : 0;
		else if (type == T_DURATION)
			mult = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : u == 'd' ? 86400 : u == 'w' ? 604800 : 0;
		else
			mult = 0;
		if (mult == 0)
			return -1;
		len--;
	}
	uint64_t n;
	if (parse_u64(v, len, UINT64_MAX, &n) < 0 || __builtin_mul_overflow(n, mult, &n))
		return -1;
	*out = n;
	return 0;
}

static void list_free(struct conf_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

static void list_set(struct conf_list *l, const char *v)
{
	list_free(l);
	const char *p = v;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		const char *s = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (p > s) {
			l->items = realloc(l->items, (l->count + 1) * sizeof(char *));
			if (l->items == NULL)
				die_oom();
			l->items[l->count++] = xstrndup(s, (size_t)(p - s));
		}
	}
}

static int parse_listen(struct conf_parse *p, const char *v)
{
	struct conf_listen l = {.role = ROLE_MX};
	const char *sp = strpbrk(v, " \t");
	if (sp) {
		size_t n = (size_t)(sp - v);
		if (mem_ieq(v, n, "mx", 2))
			l.role = ROLE_MX;
		else if (mem_ieq(v, n, "submission", 10))
			l.role = ROLE_SUBMISSION;
		else if (mem_ieq(v, n, "submissions", 11))
			l.role = ROLE_SUBMISSIONS;
		else {
			conf_error(p, "listen: unknown role '%.*s' (mx, submission or submissions)", (int)n, v);
			return -1;
		}
		v = sp;
		while (*v == ' ' || *v == '\t')
			v++;
	}
	const char *colon = strrchr(v, ':');
	if (colon == NULL || colon == v || colon[1] == '\0') {
		conf_error(p, "listen: expected host:port, got '%s'", v);
		return -1;
	}
	size_t hlen = (size_t)(colon - v);
	if (v[0] == '[' && hlen >= 2 && v[hlen - 1] == ']') { /* [::1]:25 */
		v++;
		hlen -= 2;
	}
	uint64_t port;
	if (hlen >= sizeof(l.host) || parse_u64(colon + 1, strlen(colon + 1), 65535, &port) < 0) {
		conf_error(p, "listen: bad host or port in '%s'", v);
		return -1;
	}
	memcpy(l.host, v, hlen);
	l.host[hlen] = '\0';
	snprintf(l.port, sizeof(l.port), "%u", (unsigned)port);
	if (!p->listen_seen) {
		p->c->listen_count = 0;
		p->listen_seen = true;
	}
	if (p->c->listen_count == CONF_LISTEN_MAX) {
		conf_error(p, "listen: at most %d listeners", CONF_LISTEN_MAX);
		return -1;
	}
	p->c->listen[p->c->listen_count++] = l;
	return 0;
}

static int conf_set(struct conf_parse *p, const struct conf_key *k, const char *v)
{
	char *field = (char *)p->c + k->offset;
	uint64_t n;
	switch (k->type) {
	case T_STR:
		free(*(char **)field);
		*(char **)field = *v ? xstrdup(v) : NULL;
		return 0;
	case T_LIST:
		list_set((struct conf_list *)field, v);
		return 0;
	case T_DURATION_LIST: {
		struct conf_list tmp = {0};
		list_set(&tmp, v);
		for (size_t i = 0; i < tmp.count; i++)
			if (parse_scaled(tmp.items[i], T_DURATION, &n) < 0 || n < k->min || n > k->max) {
				conf_error(p, "%s: '%s' is not a duration in [%llus, %llus]", k->name, tmp.items[i],
					   (unsigned long long)k->min, (unsigned long long)k->max);
				list_free(&tmp);
				return -1;
			}
		if (tmp.count == 0) {
			conf_error(p, "%s: at least one duration is required", k->name);
			return -1;
		}
		list_free((struct conf_list *)field);
		*(struct conf_list *)field = tmp;
		return 0;
	}
	case T_LISTEN:
		return parse_listen(p, v);
	case T_UINT:
	case T_SIZE:
	case T_DURATION:
		if ((k->type == T_UINT ? parse_u64(v, strlen(v), UINT64_MAX, &n) : parse_scaled(v, k->type, &n)) < 0) {
			conf_error(p, "%s: '%s' is not a %s", k->name, v,
				   k->type == T_UINT ? "number" : k->type == T_SIZE ? "size (e.g. 10m)" : "duration (e.g. 5m, 4h, 5d)");
			return -1;
		}
		if (n < k->min || n > k->max) {
			conf_error(p, "%s: %llu is out of range [%llu, %llu]", k->name, (unsigned long long)n,
				   (unsigned long long)k->min, (unsigned long long)k->max);
			return -1;
		}
		*(uint64_t *)field = n;
		return 0;
	}
	return -1;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/* One "key = value" assignment (a line of the file or a -o override). */
static void conf_assign(struct conf_parse *p, char *text)
{
	char *eq = strchr(text, '=');
	if (eq == NULL) {
		conf_error(p, "expected 'key = value'");
		return;
	}
	*eq = '\0';
	char *key = trim(text), *value = trim(eq + 1);
	const struct conf_key *k = conf_find_key(key, strlen(key));
	if (k == NULL) {
		conf_error(p, "unknown setting '%s'", key);
		return;
	}
	conf_set(p, k, value);
}

static void conf_parse_file(struct conf_parse *p, FILE *f)
{
	char *line = NULL, *stmt = NULL;
	size_t cap = 0;
	int stmt_line = 0;
	ssize_t n;
	for (p->line = 1; (n = getline(&line, &cap, f)) >= 0; p->line++) {
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		bool continuation = (line[0] == ' ' || line[0] == '\t') && *trim(line) != '\0';
		if (continuation && stmt) {
			size_t a = strlen(stmt), b = strlen(trim(line));
			stmt = realloc(stmt, a + b + 2);
			if (stmt == NULL)
				die_oom();
			stmt[a] = ' ';
			memcpy(stmt + a + 1, trim(line), b + 1);
			continue;
		}
		if (stmt) {
			int save = p->line;
			p->line = stmt_line;
			conf_assign(p, stmt);
			p->line = save;
			free(stmt);
			stmt = NULL;
		}
		char *t = trim(line);
		if (*t == '\0')
			continue;
		if (continuation) {
			conf_error(p, "continuation line without a setting before it");
			continue;
		}
		stmt = xstrdup(t);
		stmt_line = p->line;
	}
	if (stmt) {
		p->line = stmt_line;
		conf_assign(p, stmt);
		free(stmt);
	}
	free(line);
}

static void conf_free(struct conf *c)
{
	for (size_t i = 0; i < ARRAY_LEN(conf_keys); i++) {
		char *field = (char *)c + conf_keys[i].offset;
		if (conf_keys[i].type == T_STR)
			free(*(char **)field);
		else if (conf_keys[i].type == T_LIST || conf_keys[i].type == T_DURATION_LIST)
			list_free((struct conf_list *)field);
	}
	users_free(c->users_tab);
	free(c->relay_nets);
	aliases_free(c->alias_tab);
	route_free(c->routes_tab);
	free(c);
}

static void conf_set_hostname_default(struct conf *c)
{
	if (c->hostname)
		return;
	char h[256];
	if (gethostname(h, sizeof(h)) < 0 || h[0] == '\0')
		str_copy(h, "localhost", sizeof(h));
	h[sizeof(h) - 1] = '\0';
	c->hostname = xstrdup(h);
}

/* A submission listener is useless without TLS (AUTH is offered only over TLS, RFC 8314
 * 3.3 / RFC 4954 4), and the cert and key go together. Their content is checked by
 * tls.c when ternd loads them. */
static void conf_check_tls(struct conf_parse *p, const struct conf *c, const char *file)
{
	p->file = file ? file : "(defaults)";
	p->line = 0;
	if ((c->tls_cert == NULL) != (c->tls_key == NULL))
		conf_error(p, "tls_cert and tls_key must be set together");
	for (size_t i = 0; i < c->listen_count; i++)
		if (c->listen[i].role != ROLE_MX && c->tls_cert == NULL)
			conf_error(p, "listen %s %s:%s needs tls_cert and tls_key (AUTH is only offered over TLS)",
				   conf_role_name(c->listen[i].role), c->listen[i].host, c->listen[i].port);
}

struct conf *conf_load(const char *file, char **overrides, size_t noverrides, struct buf *errors)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	c->refs = 1;
	struct conf_parse p = {.c = c, .errors = errors, .file = "(defaults)"};
	for (size_t i = 0; i < ARRAY_LEN(conf_keys); i++)
		if (conf_keys[i].def && conf_set(&p, &conf_keys[i], conf_keys[i].def) < 0)
			BUG("bad built-in default");
	p.listen_seen = false;
	if (file) {
		FILE *f = fopen(file, "r");
		if (f == NULL) {
			p.file = file;
			p.line = 0;
			conf_error(&p, "cannot open: %s", strerror(errno));
		} else {
			p.file = file;
			conf_parse_file(&p, f);
			fclose(f);
		}
	}
	p.file = "-o";
	for (size_t i = 0; i < noverrides; i++) {
		p.line = (int)i + 1;
		char *copy = xstrdup(overrides[i]);
		bool save = p.listen_seen;
		p.listen_seen = false; /* an override "listen" replaces the list */
		conf_assign(&p, copy);
		if (!p.listen_seen)
			p.listen_seen = save;
		free(copy);
	}
	conf_set_hostname_default(c);
	if (c->domains.count == 0) {
		p.file = file ? file : "(defaults)";
		p.line = 0;
		conf_error(&p, "domains: at least one local domain is required");
	}
	conf_check_tls(&p, c, file);
	if (c->relay_networks.count > 0) {
		c->relay_nets = xcalloc(c->relay_networks.count, sizeof(*c->relay_nets));
		for (size_t i = 0; i < c->relay_networks.count; i++) {
			if (cidr_parse(c->relay_networks.items[i], &c->relay_nets[c->nrelay_nets]) < 0) {
				p.file = file ? file : "(defaults)";
				p.line = 0;
				conf_error(&p, "relay_networks: '%s' is not an address or network (192.0.2.0/24, 2001:db8::/32)",
					   c->relay_networks.items[i]);
				continue;
			}
			c->nrelay_nets++;
		}
	}
	if (c->users) {
		c->users_tab = users_load(c->users, errors, &p.nerrors);
	}
	if (c->aliases) {
		c->alias_tab = aliases_load(c->aliases, errors, &p.nerrors);
	}
	if (c->routes || c->relayhost)
		c->routes_tab = route_load(c->routes, c->relayhost, errors, &p.nerrors);
	if (p.nerrors > 0) {
		conf_free(c);
		return NULL;
	}
	return c;
}

struct conf *conf_ref(struct conf *c)
{
	c->refs++;
	return c;
}

void conf_unref(struct conf *c)
{
	if (c && --c->refs == 0)
		conf_free(c);
}

bool conf_is_local_domain(const struct conf *c, const char *domain, size_t len)
{
	for (size_t i = 0; i < c->domains.count; i++)
		if (addr_domain_eq(c->domains.items[i], strlen(c->domains.items[i]), domain, len))
			return true;
	return false;
}

int conf_parse_duration(const char *v, uint64_t *out) { return parse_scaled(v, T_DURATION, out); }

bool conf_in_relay_networks(const struct conf *c, const char *ip)
{
	for (size_t i = 0; i < c->nrelay_nets; i++)
		if (cidr_match(&c->relay_nets[i], ip))
			return true;
	return false;
}

const char *conf_role_name(enum listen_role role)
{
	switch (role) {
	case ROLE_MX: return "mx";
	case ROLE_SUBMISSION: return "submission";
	case ROLE_SUBMISSIONS: return "submissions";
	case ROLE_LOCAL: return "local";
	}
	return "?";
}

void conf_print_keys(void)
{
	for (size_t i = 0; i < ARRAY_LEN(conf_keys); i++)
		printf("%-24s default: %-24s %s\n", conf_keys[i].name, conf_keys[i].def ? conf_keys[i].def : "(none)",
		       conf_keys[i].doc);
}
