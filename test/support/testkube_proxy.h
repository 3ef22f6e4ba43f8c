/* A TCP proxy on loopback between a client and the test apiserver, for
 * faults a restart cannot make: cut every connection at once, and keep the
 * client away (new connections are reset) while the test changes things
 * through another client. It forwards bytes only, so TLS passes through
 * and the apiserver's certificate (IP 127.0.0.1) still verifies. Runs in
 * threads of the test process. */
#ifndef IOP_TESTKUBE_PROXY_H
#define IOP_TESTKUBE_PROXY_H

struct testkube_proxy;

/* Forwards 127.0.0.1:<new port> to the host:port of target (a URL such
 * as https://127.0.0.1:6443). Fails the test when it cannot. */
struct testkube_proxy *testkube_proxy_start(const char *target);
/* "https://127.0.0.1:<port>": the server URL for the client under test. */
const char *testkube_proxy_url(struct testkube_proxy *p);
/* Closes every open connection and resets new ones until resumed. */
void testkube_proxy_cut(struct testkube_proxy *p);
void testkube_proxy_resume(struct testkube_proxy *p);
/* Connections accepted so far (reset ones included). */
int testkube_proxy_accepted(struct testkube_proxy *p);
void testkube_proxy_stop(struct testkube_proxy *p);

#endif
