/* gonum: numbers parsed and printed exactly as Go's strconv does.
 *
 * Kubernetes YAML, Helm values and Go templates all read and print numbers
 * with Go's rules (base prefixes, underscores, shortest round-trip floats,
 * "1e+06"). Matching them byte for byte starts here. */
#ifndef IOP_GONUM_H
#define IOP_GONUM_H

#include <stddef.h>
#include <stdint.h>

/* strconv.ParseInt(s, base, 64) / ParseUint. base 0 reads Go's prefixes
 * (0x 0o 0b, a leading 0 for octal) and allows underscores between digits.
 * Returns 0, -EINVAL for bad syntax or -ERANGE when out of range. */
int gonum_parse_int(const char *s, size_t n, int base, int64_t *out);
int gonum_parse_uint(const char *s, size_t n, int base, uint64_t *out);

/* strconv.ParseFloat(s, 64): decimal and hex forms, inf/infinity/nan.
 * Returns 0, -EINVAL or -ERANGE (overflow to infinity). */
int gonum_parse_float(const char *s, size_t n, double *out);

/* strconv.FormatFloat(v, fmt, prec, bits): fmt is 'e', 'E', 'f', 'g' or
 * 'G'; prec -1 means the shortest text that reads back as the same value;
 * bits is 64, or 32 to round-trip through float32. Writes at most cap-1
 * bytes plus a NUL into out and returns the length. */
size_t gonum_format_float(char *out, size_t cap, double v, char fmt, int prec,
                          int bits);

/* What encoding/json prints for a float64: 'f' form, or 'e' form (with a
 * one-digit exponent kept short) when |v| < 1e-6 or |v| >= 1e21. */
size_t gonum_format_json_float(char *out, size_t cap, double v);

#endif
