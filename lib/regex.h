/* regex: regular expressions as Go's regexp package runs them.
 *
 * Helm's regex functions (regexMatch, regexReplaceAll, regexFind...) and
 * istioctl's overlay value selectors use Go's RE2 syntax with leftmost-first
 * matching. PCRE2 implements that syntax and semantics (it is a superset);
 * this wrapper sets the options that make it behave like Go ($ only at the
 * end, UTF-8 with Unicode classes, invalid UTF-8 tolerated) and reproduces
 * Go's iteration over successive matches and its $1/${name} expansion. */
#ifndef IOP_REGEX_H
#define IOP_REGEX_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

struct regex;

/* Errors read "error parsing regexp: ...: `pattern`" as Go's do. */
int regex_compile(const char *pattern, size_t len, struct regex **out,
                  struct err *e);
void regex_free(struct regex *r);
int regex_ngroups(const struct regex *r); /* capture groups, excluding 0 */

/* Whether s contains a match (unanchored, as Go's MatchString). */
int regex_match(struct regex *r, const char *s, size_t n);

/* The leftmost match starting at or after `from`: returns 1 and fills
 * ov[2*i], ov[2*i+1] (byte offsets, -1 for unset groups) for i up to
 * ngroups, or 0 when there is none. ov holds 2*(ngroups+1) entries. */
int regex_find(struct regex *r, const char *s, size_t n, size_t from, long *ov);

/* Calls fn for each successive match, as Go's FindAll* iterate (an empty
 * match right after the previous match is skipped); at most `limit`
 * matches when limit >= 0. fn returns nonzero to stop. */
typedef int (*regex_match_cb)(const long *ov, void *data);
int regex_each(struct regex *r, const char *s, size_t n, int limit,
               regex_match_cb fn, void *data);

/* Go's ReplaceAllString (template expansion of $1, ${1}, $name, ${name},
 * $$) or ReplaceAllLiteralString when literal is set. */
int regex_replace_all(struct regex *r, const char *s, size_t n,
                      const char *repl, size_t rlen, int literal,
                      struct buf *out);

#endif
