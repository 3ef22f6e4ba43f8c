/* quantity: Kubernetes resource quantities ("500m", "1.5Gi", "2e3") and
 * their canonical text, as resource.Quantity.String() prints it.
 *
 * The API server stores quantities in canonical form ("0.5" comes back as
 * "500m", "1536Mi" for "1.5Gi"); istioctl writes CPU values into Helm
 * values the same way. Comparing what we want with what the cluster has
 * needs the same canonical text on both sides. */
#ifndef IOP_QUANTITY_H
#define IOP_QUANTITY_H

#include <stddef.h>

/* Writes the canonical form of s into out; -EINVAL when s is not a
 * quantity, -E2BIG when out is too small. */
int quantity_canonical(const char *s, char *out, size_t n);

#endif
