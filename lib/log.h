/* log: one line per event on stderr, logfmt by default or JSON.
 *
 *   log_info("applied iop=%s component=%s objects=%d", key, comp, n);
 *
 * prints
 *
 *   time=2026-11-23T15:44:00.123Z level=info msg=applied iop=ns/x ...
 *
 * The text before the first key=value token is the message. A value that
 * may hold spaces, quotes or `=` goes through log_q(), which quotes it. */
#ifndef IOP_LOG_H
#define IOP_LOG_H

enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };
enum log_format { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

typedef void (*log_sink_cb)(const char *line, void *data);

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_format(enum log_format format);
/* Sends lines (without the newline) to cb instead of stderr; NULL restores. */
void log_set_sink(log_sink_cb cb, void *data);
/* Parses "error|warn|info|debug" and "logfmt|json"; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
int log_format_parse(const char *s, enum log_format *out);

/* Quotes s for use as one logfmt value. The result lives in a small
 * per-thread ring of buffers: good for the arguments of one log call. */
const char *log_q(const char *s);

void log_emit(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_error(...) log_emit(LOG_ERROR, __VA_ARGS__)
#define log_warn(...) log_emit(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_emit(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_emit(LOG_DEBUG, __VA_ARGS__)

#endif
