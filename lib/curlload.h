/* curlload: libcurl, loaded only when a command talks to a cluster.
 *
 * libcurl pulls in 37 more shared libraries (TLS, Kerberos, LDAP, IDN,
 * compression...); resolving them at every start cost 6 ms, more than
 * rendering a chart. So iop is not linked against libcurl: the curl_*
 * functions that lib/http.c calls are defined in curlload.c and forward
 * to the real ones, which curl_load() finds with dlopen() the first time
 * a client is created. Code that uses curl_* calls curl_load() first. */
#ifndef IOP_CURLLOAD_H
#define IOP_CURLLOAD_H

#include "err.h"

/* Loads libcurl.so.4 once; later calls return the first call's result.
 * Thread-safe. On failure says which library is missing and why. */
int curl_load(struct err *e);

#endif
