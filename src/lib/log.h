/* log.h - one line per event on stderr: "ts level event key=value ...".
 * Values that may come from a peer go through log_quote(), which escapes and caps them.
 * Passwords and message bodies are never passed here. */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERR };

void log_set_level(enum log_level min);
/* fmt holds the event name and its key=value pairs, e.g. log_msg(LOG_INFO, "connect sid=%s ip=%s", ...) */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_QUOTE_MAX 200
/* Quote peer text for a log value: "..." with \\, \", control bytes as \xNN, capped at
 * LOG_QUOTE_MAX input bytes (then "..."). dst must hold LOG_QUOTE_MAX * 4 + 8 bytes. */
#define LOG_QUOTE_SIZE (LOG_QUOTE_MAX * 4 + 8)
const char *log_quote(char *dst, const char *s, size_t len);

#endif
