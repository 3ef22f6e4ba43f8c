/* A hostile HTTP/1.1 server on loopback (plain http://), a fault injector
 * for the client's transport: it answers just enough discovery for
 * ConfigMaps to be found, then misbehaves according to the namespace in
 * the request path. It is not a model of the Kubernetes API (the API's
 * semantics are tested against the real apiserver); it produces what a
 * broken proxy, a buggy server or an attacker could send.
 *
 *   namespace    what ConfigMap requests get
 *   badjson      watch: one good event, then a line that is not JSON
 *   hugeline     watch: one line without end (until the client hangs up)
 *   cut          watch: one good event, then half a line and a closed
 *                connection; later watches: an open, quiet stream
 *   gone         watch: 410 Gone as the HTTP status
 *   cutbody      get: a Content-Length body cut short, then closed
 *   endless      get: a JSON body without end (up to 8 GiB)
 *   html         anything: 502 with an HTML error page
 *   throttle     first request: 429 with Retry-After: 1; then a ConfigMap
 *   flaky        first request: 503; then a ConfigMap
 *   down         anything: 503 (a POST must not be retried)
 * Lists of every namespace return an empty ConfigMapList at
 * resourceVersion 10. Runs in threads of the test process. */
#ifndef IOP_TESTKUBE_FAULT_H
#define IOP_TESTKUBE_FAULT_H

#include <stdint.h>

struct testkube_fault;

struct testkube_fault *testkube_fault_start(void);
/* "http://127.0.0.1:<port>" */
const char *testkube_fault_url(struct testkube_fault *f);
/* Requests seen for a namespace, watches among them, and the bytes of
 * body sent for it. */
int testkube_fault_hits(struct testkube_fault *f, const char *ns);
int testkube_fault_watches(struct testkube_fault *f, const char *ns);
uint64_t testkube_fault_body_bytes(struct testkube_fault *f, const char *ns);
/* The query string of the last request for ns (a heap copy). */
char *testkube_fault_last_query(struct testkube_fault *f, const char *ns);
void testkube_fault_stop(struct testkube_fault *f);

#endif
