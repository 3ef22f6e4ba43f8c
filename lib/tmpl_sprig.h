/* tmpl_sprig: Sprig v3.3.0's template functions, as Helm 3.17 has them.
 *
 * Helm's function map is Sprig's (minus env and expandenv) plus its own
 * (tmpl_helm.h). Every function follows the Go source it stands for:
 * argument types as Go declares them, Go's panics as template errors
 * ("error calling substr: runtime error: slice bounds out of range
 * [5:3]"), mergo's aliasing in merge/mergeOverwrite, spf13/cast's rules
 * in int/float64/add..., shopspring/decimal's arithmetic in addf/divf...,
 * Masterminds/semver's constraints, Go's time layouts in date.
 *
 * Not like Sprig, by design or for now:
 *   - random functions (randAlpha..., uuidv4, shuffle, randInt, randBytes)
 *     draw from the kernel's generator; only the shape is reproducible;
 *   - now, date, ago follow the clock, as in Sprig;
 *   - keys, values and omit iterate maps in insertion order (Go: random);
 *   - set and merge refuse to make a map contain itself (reference-counted
 *     values could never free it), and one execution may store existing
 *     maps and lists inside others at most 20000 times (dict, list, set,
 *     append...), which bounds how deep a loop can nest them;
 *   - lists until/untilStep/seq build, and strings repeat/indent/replace/
 *     join/randAlpha... build, are bounded by the execution's output
 *     ceiling (an error past it);
 *   - certificate, bcrypt, htpasswd, AES and derivePassword functions,
 *     getHostByName: an error "NAME is not supported by iop".
 * The files' header comments list the finer differences. */
#ifndef IOP_TMPL_SPRIG_H
#define IOP_TMPL_SPRIG_H

#include "tmpl.h"

/* Adds Sprig's functions to f (without Helm's include, tpl, required,
 * fail override, toYaml...: tmpl_helm_add_funcs adds both). */
int tmpl_sprig_add_funcs(struct tmpl_funcs *f);

#endif
