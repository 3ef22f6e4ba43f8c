/* kyaml_int.h: between kyaml.c and its scanner for block-style YAML.
 *
 * libyaml is exact but slow for what charts feed it most (Istio's base
 * chart reads a megabyte of CRDs three times per render). Most YAML that
 * reaches us is block style, as Go's marshallers and our toYaml write it;
 * kyaml__scan_block reads that subset itself and hands the same events to
 * the same tree builder, and gives up on anything else so that libyaml
 * reads it (and names any error). */
#ifndef IOP_KYAML_INT_H
#define IOP_KYAML_INT_H

#include <stddef.h>
#include <yaml.h>

/* Returned by kyaml__scan_block when the text is outside the subset (or a
 * callback asks to let libyaml read it): positive, unlike errnos. */
#define KYAML__BAIL 1

/* Takes one event; the event and its strings are only borrowed for the
 * call. Nonzero stops the scan, which then returns the value. */
typedef int (*kyaml__event_fn)(yaml_event_t *ev, void *ctx);

/* Delivers, for a text within the subset, the events libyaml's parser
 * delivers for it up to the end of its first document, then STREAM_END.
 * Only the fields kyaml reads are filled: types, scalar value, length and
 * style, and the document's start line; other marks are zero. Returns 0,
 * KYAML__BAIL (what was delivered must be dropped), or what fn returned. */
int kyaml__scan_block(const char *text, size_t len, kyaml__event_fn fn,
                      void *ctx);

#endif
