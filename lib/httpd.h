/* httpd: the operator's small HTTP/1.1 server for probes and metrics, on
 * the libuv loop.
 *
 *   GET /healthz  200 "ok" (the loop answers, so the process is alive)
 *   GET /readyz   200 "ok" once httpd_set_ready(h, 1, ...), else 503 with
 *                 the one-line reason given
 *   GET /metrics  the registry in Prometheus text format 0.0.4
 *   GET /livez    the same as /healthz
 *
 * GET and HEAD only, no request bodies, keep-alive and pipelining. It is
 * built to sit on a port anyone in the cluster can reach: a request's line
 * and headers are bounded (431 past max_request), every phase has a
 * deadline (a request must arrive in full within header_timeout, an idle
 * keep-alive connection is closed after idle_timeout, a response must be
 * taken within write_timeout), a connection does not read its next request
 * until the current response is written (a client that sends and never
 * reads costs one response, not a growing queue), and connections are
 * bounded: past max_conns the oldest connection still reading a request
 * makes room, so a flood of idle or slow sockets cannot lock the probes
 * out. Memory is at most max_conns * (max_request + one response). */
#ifndef IOP_HTTPD_H
#define IOP_HTTPD_H

#include "err.h"
#include "metrics.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct httpd;

struct httpd_opts {
  /* ":8383" (every address), "127.0.0.1:0" (port 0: any free port, see
   * httpd_port), "[::1]:8080", "localhost:8080". Required. */
  const char *addr;
  struct metrics *metrics;    /* served at /metrics; NULL: 404 */
  int max_conns;              /* 0: 64 */
  size_t max_request;         /* request line and headers; 0: 8 KiB */
  uint64_t header_timeout_ms; /* 0: 10 s */
  uint64_t idle_timeout_ms;   /* between keep-alive requests; 0: 60 s */
  uint64_t write_timeout_ms;  /* 0: 10 s */
  size_t max_response;        /* ceiling on a /metrics body; 0: 32 MiB */
};

struct httpd_stats {
  uint64_t open; /* connections open now */
  uint64_t accepted;
  uint64_t requests; /* responses sent, errors included */
  uint64_t evicted;  /* closed to make room for a new connection */
  uint64_t timeouts; /* closed for a missed deadline */
  uint64_t rejected; /* requests answered 4xx/5xx */
};

/* Binds and listens; on failure returns a negative errno with e set (the
 * address in use, say) and nothing left on the loop. */
int httpd_start(uv_loop_t *loop, const struct httpd_opts *o, struct httpd **out,
                struct err *e);
/* The port bound (useful after asking for port 0). */
int httpd_port(struct httpd *h);
/* Flips /readyz. reason (not-ready only) is kept, truncated to one line
 * of 255 bytes; NULL gives "not ready". Starts not ready ("starting"). */
void httpd_set_ready(struct httpd *h, int ready, const char *reason);
void httpd_get_stats(struct httpd *h, struct httpd_stats *out);
/* Closes the listener and every connection; frees the server once their
 * handles are closed, then runs cb(data) (may be NULL). */
void httpd_close(struct httpd *h, void (*cb)(void *data), void *data);

#endif
