/* tmpl_sprig_enc: Sprig's encodings, digests and random values: b64enc/
 * b64dec/b32enc/b32dec (Go's StdEncodings; a bad input decodes to Go's
 * error text, "illegal base64 data at input byte 4"), sha1sum/sha256sum/
 * sha512sum/adler32sum, uuidv4, randAlphaNum/randAlpha/randAscii/
 * randNumeric/randBytes. Random values come from getrandom(2): only their
 * shape can be compared with Helm's. */
#include "tmpl_sprig_int.h"

#include "base64.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* ---- Randomness ---- */

int tmpl__random(void *p, size_t n)
{
  unsigned char *u = p;
  while (n > 0) {
    ssize_t k = getrandom(u, n, 0);
    if (k < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    u += k;
    n -= (size_t)k;
  }
  return 0;
}

uint64_t tmpl__random_below(uint64_t n)
{
  if (n <= 1)
    return 0;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n, v;
  do {
    if (tmpl__random(&v, sizeof v))
      return 0;
  } while (v >= limit);
  return v % n;
}

/* ---- base64 and base32 ---- */

TMPL__FN(fn_b64enc)
{
  size_t n;
  const char *s = tmpl__str(&argv[0], &n);
  char *e = base64_encode(s, n);
  if (!e)
    return -ENOMEM;
  int rc = tmpl__ret_str(out, e, strlen(e));
  free(e);
  return rc;
}

static int b64_value(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static size_t skip_nl(const char *s, size_t n, size_t i)
{
  while (i < n && (s[i] == '\n' || s[i] == '\r'))
    i++;
  return i;
}

/* Padding after j quantum characters; si is past the first '='. Returns
 * the error offset or -1. */
static long b64_padding(const char *s, size_t n, size_t *si, int j)
{
  if (j < 2)
    return (long)*si - 1;
  if (j == 2) {
    *si = skip_nl(s, n, *si);
    if (*si == n)
      return (long)n;
    if (s[*si] != '=')
      return (long)*si - 1;
    (*si)++;
  }
  *si = skip_nl(s, n, *si);
  return *si < n ? (long)*si : -1;
}

/* Go's base64 decodeQuantum: one group of four; returns bytes made (or
 * -1 with *bad set). *end is set at the padding. */
static int b64_quantum(const char *s, size_t n, size_t *si, unsigned char *dst,
                       long *bad, int *end)
{
  int dbuf[4] = {0}, dlen = 4;
  for (int j = 0; j < 4; j++) {
    if (*si == n) {
      if (j == 0)
        return 0;
      *bad = (long)*si - j;
      return -1;
    }
    unsigned char in = (unsigned char)s[(*si)++];
    int v = b64_value(in);
    if (v >= 0) {
      dbuf[j] = v;
      continue;
    }
    if (in == '\n' || in == '\r') {
      j--;
      continue;
    }
    if (in != '=') {
      *bad = (long)*si - 1;
      return -1;
    }
    *bad = b64_padding(s, n, si, j);
    if (*bad >= 0)
      return -1;
    *end = 1;
    dlen = j;
    break;
  }
  unsigned v = (unsigned)dbuf[0] << 18 | (unsigned)dbuf[1] << 12 |
               (unsigned)dbuf[2] << 6 | (unsigned)dbuf[3];
  dst[0] = (unsigned char)(v >> 16);
  dst[1] = (unsigned char)(v >> 8);
  dst[2] = (unsigned char)v;
  return dlen - 1;
}

TMPL__FN(fn_b64dec)
{
  size_t n, si = 0;
  const char *s = tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, end = 0;
  long bad = -1;
  while (!rc && !end && si < n) {
    unsigned char d[3];
    int k = b64_quantum(s, n, &si, d, &bad, &end);
    if (k < 0)
      break;
    rc = buf_append(&b, d, (size_t)k);
  }
  if (!rc && bad >= 0) {
    buf_reset(&b);
    rc = buf_printf(&b, "illegal base64 data at input byte %ld", bad);
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

TMPL__FN(fn_b32enc)
{
  size_t n;
  const unsigned char *s = (const unsigned char *)tmpl__str(&argv[0], &n);
  struct buf b;
  buf_init(&b, 0);
  int rc = 0;
  for (size_t i = 0; !rc && i < n; i += 5) {
    unsigned char q[5] = {0};
    size_t k = n - i < 5 ? n - i : 5;
    memcpy(q, s + i, k);
    uint64_t v = (uint64_t)q[0] << 32 | (uint64_t)q[1] << 24 |
                 (uint64_t)q[2] << 16 | (uint64_t)q[3] << 8 | q[4];
    static const int chars[] = {0, 2, 4, 5, 7, 8};
    for (int j = 0; !rc && j < 8; j++)
      rc = buf_putc(&b, j < chars[k] ? b32_alphabet[(v >> (35 - 5 * j)) & 31]
                                     : '=');
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

static int b32_value(unsigned char c)
{
  const char *p = c ? strchr(b32_alphabet, c) : NULL;
  return p ? (int)(p - b32_alphabet) : -1;
}

/* Go's base32 decode of one 8-character group; -1 and *bad on error. */
static int b32_quantum(const char *s, size_t olen, size_t *pos,
                       unsigned char *dst, long *bad, int *end)
{
  unsigned char dbuf[8] = {0};
  int dlen = 8;
  for (int j = 0; j < 8;) {
    if (*pos == olen) {
      *bad = (long)olen - j;
      return -1;
    }
    unsigned char in = (unsigned char)s[(*pos)++];
    size_t left = olen - *pos;
    if (in == '=' && j >= 2 && left < 8) {
      if (left + (size_t)j < 7) {
        *bad = (long)olen;
        return -1;
      }
      for (int k = 0; k < 7 - j; k++)
        if ((size_t)k < left && s[*pos + (size_t)k] != '=') {
          *bad = (long)(*pos) + k - 1;
          return -1;
        }
      dlen = j;
      *end = 1;
      if (dlen == 1 || dlen == 3 || dlen == 6) {
        *bad = (long)*pos - 1;
        return -1;
      }
      break;
    }
    int v = b32_value(in);
    if (v < 0) {
      *bad = (long)*pos - 1;
      return -1;
    }
    dbuf[j++] = (unsigned char)v;
  }
  dst[4] = (unsigned char)(dbuf[6] << 5 | dbuf[7]);
  dst[3] = (unsigned char)(dbuf[4] << 7 | dbuf[5] << 2 | dbuf[6] >> 3);
  dst[2] = (unsigned char)(dbuf[3] << 4 | dbuf[4] >> 1);
  dst[1] = (unsigned char)(dbuf[1] << 6 | dbuf[2] << 1 | dbuf[3] >> 4);
  dst[0] = (unsigned char)(dbuf[0] << 3 | dbuf[1] >> 2);
  static const int made[] = {0, 0, 1, 0, 2, 3, 0, 4, 5};
  return made[dlen];
}

TMPL__FN(fn_b32dec)
{
  size_t n;
  const char *raw = tmpl__str(&argv[0], &n);
  char *s = malloc(n + 1);
  if (!s)
    return -ENOMEM;
  size_t len = 0, pos = 0;
  for (size_t i = 0; i < n; i++) /* DecodeString strips newlines first */
    if (raw[i] != '\n' && raw[i] != '\r')
      s[len++] = raw[i];
  struct buf b;
  buf_init(&b, 0);
  int rc = 0, end = 0;
  long bad = -1;
  while (!rc && pos < len && !end) {
    unsigned char d[5];
    int k = b32_quantum(s, len, &pos, d, &bad, &end);
    if (k < 0)
      break;
    rc = buf_append(&b, d, (size_t)k);
  }
  free(s);
  if (!rc && bad >= 0) {
    buf_reset(&b);
    rc = buf_printf(&b, "illegal base32 data at input byte %ld", bad);
  }
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

/* ---- Digests ---- */

static uint32_t rol32(uint32_t x, int n)
{
  return x << n | x >> (32 - n);
}

static uint32_t ror32(uint32_t x, int n)
{
  return x >> n | x << (32 - n);
}

static uint64_t ror64(uint64_t x, int n)
{
  return x >> n | x << (64 - n);
}

/* The message padded to whole blocks with its bit length (big endian). */
static unsigned char *md_pad(const unsigned char *s, size_t n, size_t block,
                             size_t lenbytes, size_t *total)
{
  *total = (n + 1 + lenbytes + block - 1) / block * block;
  unsigned char *p = calloc(*total, 1);
  if (!p)
    return NULL;
  memcpy(p, s, n);
  p[n] = 0x80;
  uint64_t bits = (uint64_t)n * 8;
  for (int i = 0; i < 8; i++)
    p[*total - 1 - i] = (unsigned char)(bits >> (8 * i));
  return p;
}

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static void sha1_block(uint32_t h[5], const unsigned char *p)
{
  uint32_t w[80];
  for (int i = 0; i < 16; i++)
    w[i] = be32(p + 4 * i);
  for (int i = 16; i < 80; i++)
    w[i] = rol32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20)
      f = (b & c) | (~b & d), k = 0x5a827999;
    else if (i < 40)
      f = b ^ c ^ d, k = 0x6ed9eba1;
    else if (i < 60)
      f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
    else
      f = b ^ c ^ d, k = 0xca62c1d6;
    uint32_t t = rol32(a, 5) + f + e + k + w[i];
    e = d, d = c, c = rol32(b, 30), b = a, a = t;
  }
  h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
}

static const uint32_t k256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
  uint32_t w[64], v[8];
  for (int i = 0; i < 16; i++)
    w[i] = be32(p + 4 * i);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ w[i - 15] >> 3;
    uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ w[i - 2] >> 10;
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (int i = 0; i < 64; i++) {
    uint32_t s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
    uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint32_t t1 = v[7] + s1 + ch + k256[i] + w[i];
    uint32_t s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
    uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

static const uint64_t k512[80] = {
    0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f,
    0xe9b5dba58189dbbc, 0x3956c25bf348b538, 0x59f111f1b605d019,
    0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242,
    0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
    0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
    0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3,
    0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65, 0x2de92c6f592b0275,
    0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
    0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f,
    0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
    0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc,
    0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
    0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6,
    0x92722c851482353b, 0xa2bfe8a14cf10364, 0xa81a664bbc423001,
    0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
    0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
    0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99,
    0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb,
    0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc,
    0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
    0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915,
    0xc67178f2e372532b, 0xca273eceea26619c, 0xd186b8c721c0c207,
    0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba,
    0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
    0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
    0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a,
    0x5fcb6fab3ad6faec, 0x6c44198c4a475817};

static void sha512_block(uint64_t h[8], const unsigned char *p)
{
  uint64_t w[80], v[8];
  for (int i = 0; i < 16; i++)
    w[i] = (uint64_t)be32(p + 8 * i) << 32 | be32(p + 8 * i + 4);
  for (int i = 16; i < 80; i++) {
    uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^ w[i - 15] >> 7;
    uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^ w[i - 2] >> 6;
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(v, h, sizeof v);
  for (int i = 0; i < 80; i++) {
    uint64_t s1 = ror64(v[4], 14) ^ ror64(v[4], 18) ^ ror64(v[4], 41);
    uint64_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
    uint64_t t1 = v[7] + s1 + ch + k512[i] + w[i];
    uint64_t s0 = ror64(v[0], 28) ^ ror64(v[0], 34) ^ ror64(v[0], 39);
    uint64_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
    memmove(v + 1, v, 7 * sizeof *v);
    v[4] += t1;
    v[0] = t1 + s0 + maj;
  }
  for (int i = 0; i < 8; i++)
    h[i] += v[i];
}

enum digest { D_SHA1, D_SHA256, D_SHA512 };

static int hex_digest(enum digest d, const char *s, size_t n, struct buf *b)
{
  size_t block = d == D_SHA512 ? 128 : 64, total;
  unsigned char *p = md_pad((const unsigned char *)s, n, block,
                            d == D_SHA512 ? 16 : 8, &total);
  if (!p)
    return -ENOMEM;
  uint32_t h1[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  uint32_t h2[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint64_t h5[8] = {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b,
                    0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f,
                    0x1f83d9abfb41bd6b, 0x5be0cd19137e2179};
  for (size_t off = 0; off < total; off += block) {
    if (d == D_SHA1)
      sha1_block(h1, p + off);
    else if (d == D_SHA256)
      sha256_block(h2, p + off);
    else
      sha512_block(h5, p + off);
  }
  free(p);
  int rc = 0;
  for (int i = 0; !rc && i < (d == D_SHA1 ? 5 : 8); i++)
    rc = d == D_SHA1     ? buf_printf(b, "%08x", h1[i])
         : d == D_SHA256 ? buf_printf(b, "%08x", h2[i])
                         : buf_printf(b, "%016llx", (unsigned long long)h5[i]);
  return rc;
}

static int ret_digest(struct tmpl_value *out, const struct tmpl_value *arg,
                      enum digest d)
{
  size_t n;
  const char *s = tmpl__str(arg, &n);
  struct buf b;
  buf_init(&b, 0);
  return tmpl__ret_buf(out, &b, hex_digest(d, s, n, &b));
}

TMPL__FN(fn_sha1sum)
{
  return ret_digest(out, &argv[0], D_SHA1);
}

TMPL__FN(fn_sha256sum)
{
  return ret_digest(out, &argv[0], D_SHA256);
}

TMPL__FN(fn_sha512sum)
{
  return ret_digest(out, &argv[0], D_SHA512);
}

TMPL__FN(fn_adler32sum)
{
  size_t n;
  const unsigned char *s = (const unsigned char *)tmpl__str(&argv[0], &n);
  uint32_t a = 1, b = 0;
  for (size_t i = 0; i < n; i++) {
    a = (a + s[i]) % 65521;
    b = (b + a) % 65521;
  }
  char t[16];
  int k = snprintf(t, sizeof t, "%u", (unsigned)(b << 16 | a));
  return tmpl__ret_str(out, t, (size_t)k);
}

/* ---- Random values ---- */

TMPL__FN(fn_uuidv4)
{
  unsigned char u[16];
  int rc = tmpl__random(u, sizeof u);
  if (rc)
    return rc;
  u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
  u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
  char s[40];
  int k = 0;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      s[k++] = '-';
    k += snprintf(s + k, sizeof s - (size_t)k, "%02x", u[i]);
  }
  return tmpl__ret_str(out, s, (size_t)k);
}

/* goutils' CryptoRandom over ASCII: count characters drawn uniformly from
 * those of set; a negative count is goutils' error, which Sprig drops. */
static int rand_string(struct tmpl_call *c, struct tmpl_value *argv,
                       struct tmpl_value *out, const char *set)
{
  int64_t count = tmpl__int(&argv[0]);
  if (count <= 0)
    return tmpl__ret_str(out, "", 0);
  int rc = tmpl__check_size(c, (size_t)count);
  if (rc)
    return rc;
  size_t k = strlen(set);
  struct buf b;
  buf_init(&b, 0);
  rc = buf_reserve(&b, (size_t)count + 1);
  for (int64_t i = 0; !rc && i < count; i++)
    rc = buf_putc(&b, set[tmpl__random_below(k)]);
  return tmpl__ret_buf(out, &b, rc ? rc : buf_append(&b, "", 0));
}

#define DIGITS "0123456789"
#define LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

TMPL__FN(fn_rand_alpha_num)
{
  return rand_string(c, argv, out, DIGITS LETTERS);
}

TMPL__FN(fn_rand_alpha)
{
  return rand_string(c, argv, out, LETTERS);
}

TMPL__FN(fn_rand_numeric)
{
  return rand_string(c, argv, out, DIGITS);
}

TMPL__FN(fn_rand_ascii)
{
  return rand_string(c, argv, out,
                     " !\"#$%&'()*+,-./" DIGITS ":;<=>?@ABCDEFGHIJKLMNOPQRSTUV"
                     "WXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");
}

TMPL__FN(fn_rand_bytes)
{
  int64_t count = tmpl__int(&argv[0]);
  if (count < 0)
    return tmpl_call_errorf(c, "runtime error: makeslice: len out of range");
  int rc = tmpl__check_size(c, (size_t)count / 3 * 4 + 4);
  unsigned char *p = rc ? NULL : malloc((size_t)count + 1);
  if (rc || !p)
    return rc ? rc : -ENOMEM;
  rc = tmpl__random(p, (size_t)count);
  char *e = rc ? NULL : base64_encode(p, (size_t)count);
  free(p);
  if (!e)
    return rc ? rc : -ENOMEM;
  rc = tmpl__ret_str(out, e, strlen(e));
  free(e);
  return rc;
}

static const struct tmpl_func fns[] = {
    {"adler32sum", fn_adler32sum, "s", NULL},
    {"b32dec", fn_b32dec, "s", NULL},
    {"b32enc", fn_b32enc, "s", NULL},
    {"b64dec", fn_b64dec, "s", NULL},
    {"b64enc", fn_b64enc, "s", NULL},
    {"randAlpha", fn_rand_alpha, "i", NULL},
    {"randAlphaNum", fn_rand_alpha_num, "i", NULL},
    {"randAscii", fn_rand_ascii, "i", NULL},
    {"randBytes", fn_rand_bytes, "i", NULL},
    {"randNumeric", fn_rand_numeric, "i", NULL},
    {"sha1sum", fn_sha1sum, "s", NULL},
    {"sha256sum", fn_sha256sum, "s", NULL},
    {"sha512sum", fn_sha512sum, "s", NULL},
    {"uuidv4", fn_uuidv4, "", NULL},
};

TMPL__TABLE(tmpl__sprig_enc_fns, fns);
