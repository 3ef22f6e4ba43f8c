/* metrics: counters, gauges and histograms with labels, rendered in the
 * Prometheus text exposition format 0.0.4.
 *
 * A registry holds families, registered once by name with help text and
 * label names; a family holds one series per combination of label values.
 * Typical use in the reconciler:
 *
 *   struct metrics *m = metrics_new();
 *   struct metrics_family *api = metrics_counter(m,
 *       "iop_api_requests_total", "API requests by verb and status code.",
 *       "verb,code");
 *   struct metrics_family *dur = metrics_histogram(m,
 *       "iop_reconcile_duration_seconds", "Time to reconcile one CR.", NULL,
 *       NULL, 0);                               // default buckets
 *   ...
 *   metrics_inc(metrics_with(api, "apply", "200", NULL));
 *   metrics_observe(metrics_with(dur, NULL), 0.42);
 *
 * metrics_with() finds or creates the series for the label values, given in
 * the order the family declared its labels and ended by NULL; keep the
 * pointer it returns to skip the lookup next time (series live as long as
 * the registry). Every update function accepts NULL and does nothing, so a
 * failed lookup (wrong number of values, too many series, no memory) costs
 * one log line, never a crash.
 *
 * Values kept elsewhere (the workqueue's depth and adds, a watch's
 * restarts) are best copied just before rendering: metrics_on_collect()
 * registers a callback that runs at the start of every metrics_render(),
 * and metrics_set() sets gauges and counters alike:
 *
 *   static void collect(void *data)
 *   {
 *     struct server *s = data;
 *     struct workqueue_stats st;
 *     workqueue_get_stats(s->queue, &st);
 *     metrics_set(s->m_depth, (double)st.depth);     // gauge
 *     metrics_set(s->m_adds, (double)st.adds);       // counter
 *   }
 *
 * Registration and updates take the registry's mutex: worker threads may
 * update series too. Registering a name twice with the same type and labels
 * returns the existing family; a mismatch, or a name Prometheus would
 * reject, returns NULL. */
#ifndef IOP_METRICS_H
#define IOP_METRICS_H

#include "buf.h"

#include <stddef.h>

/* Series per family, past which metrics_with() returns NULL: label values
 * may come from input (names of CRs), and the output must stay bounded. */
#define METRICS_MAX_SERIES 10000
#define METRICS_MAX_LABELS 8
#define METRICS_MAX_BUCKETS 64

struct metrics;
struct metrics_family;
struct metrics_series;

enum metrics_type { METRICS_COUNTER, METRICS_GAUGE, METRICS_HISTOGRAM };

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* labels: comma-separated label names ("verb,code"), or NULL for none. */
struct metrics_family *metrics_counter(struct metrics *m, const char *name,
                                       const char *help, const char *labels);
struct metrics_family *metrics_gauge(struct metrics *m, const char *name,
                                     const char *help, const char *labels);
/* bounds: increasing upper bounds (+Inf is implied); NULL takes
 * Prometheus' defaults, .005 to 10 seconds. Copied. */
struct metrics_family *metrics_histogram(struct metrics *m, const char *name,
                                         const char *help, const char *labels,
                                         const double *bounds, size_t n);

/* The series of these label values (NULL-terminated), created at zero on
 * first use. For a family without labels: metrics_with(f, NULL). */
struct metrics_series *metrics_with(struct metrics_family *f, ...)
    __attribute__((sentinel));

void metrics_inc(struct metrics_series *s);
/* Counters refuse negative amounts (a counter only goes up). */
void metrics_add(struct metrics_series *s, double v);
/* Gauges take any value. A counter can be set too, to mirror a count
 * kept elsewhere (workqueue_stats.adds, watch_stats.restarts) from a
 * collector; a lower value than it has is ignored. */
void metrics_set(struct metrics_series *s, double v);
void metrics_observe(struct metrics_series *s, double v); /* histograms */
/* The current value (counters, gauges) or sample count (histograms). */
double metrics_value(struct metrics_series *s);

/* Runs cb(data) at the start of each render, outside the lock, so it may
 * set gauges. At most 16 collectors. Returns 0 or -ENOSPC. */
int metrics_on_collect(struct metrics *m, void (*cb)(void *data), void *data);
/* Removes that collector (before data goes away). */
void metrics_off_collect(struct metrics *m, void (*cb)(void *data), void *data);

/* Appends the exposition text: families sorted by name, series by label
 * values; families with labels and no series yet are left out. Returns 0
 * or the buf error (-E2BIG past the buffer's ceiling). */
int metrics_render(struct metrics *m, struct buf *out);

/* Go's strconv.FormatFloat(v, 'g', -1, 64), as client_golang prints
 * values: "1", "0.25", "1e+06", "+Inf", "NaN". out needs 32 bytes. */
void metrics_format_value(double v, char *out, size_t n);

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
