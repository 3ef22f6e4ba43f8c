/* buf and err: the growable buffer with a ceiling and the error detail
 * every module fills. */
#include "buf.h"
#include "err.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

START_TEST(append_grows_and_keeps_text_terminated)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_ptr_null(b.data);
  for (int i = 0; i < 1000; i++)
    ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
  ck_assert_uint_eq(b.len, 3000);
  ck_assert_int_eq(b.data[b.len], '\0');
  ck_assert_int_eq(strncmp(b.data + 2997, "abc", 3), 0);
  buf_free(&b);
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(puts_putc_printf_append_in_order)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_int_eq(buf_puts(&b, "x="), 0);
  ck_assert_int_eq(buf_printf(&b, "%d%s", 42, "!"), 0);
  ck_assert_int_eq(buf_putc(&b, '\n'), 0);
  ck_assert_str_eq(b.data, "x=42!\n");
  ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
  ck_assert_uint_eq(b.len, 6);
  buf_free(&b);
}
END_TEST

START_TEST(printf_longer_than_the_spare_room)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_int_eq(buf_puts(&b, "<"), 0);
  ck_assert_int_eq(buf_printf(&b, "%0500d%s", 7, ">"), 0);
  ck_assert_uint_eq(b.len, 502);
  ck_assert_int_eq(b.data[0], '<');
  ck_assert_int_eq(b.data[500], '7');
  ck_assert_str_eq(b.data + 501, ">");
  buf_free(&b);
  /* Near a ceiling there is no spare room to try: it still fits. */
  buf_init(&b, 12);
  ck_assert_int_eq(buf_puts(&b, "0123456789"), 0);
  ck_assert_int_eq(buf_printf(&b, "%d", 42), 0);
  ck_assert_str_eq(b.data, "012345678942");
  buf_free(&b);
}
END_TEST

START_TEST(empty_printf_still_gives_a_string)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, "");
  buf_free(&b);
}
END_TEST

START_TEST(ceiling_refuses_and_leaves_buffer_unchanged)
{
  struct buf b;
  buf_init(&b, 10);
  ck_assert_int_eq(buf_puts(&b, "0123456789"), 0);
  ck_assert_int_eq(buf_putc(&b, 'x'), -E2BIG);
  ck_assert_int_eq(buf_printf(&b, "%d", 1), -E2BIG);
  ck_assert_int_eq(buf_append(&b, "y", 1), -E2BIG);
  ck_assert_str_eq(b.data, "0123456789");
  ck_assert_uint_eq(b.len, 10);
  /* The buffer never holds more memory than the ceiling needs. */
  ck_assert_uint_le(b.cap, 11);
  buf_free(&b);
}
END_TEST

START_TEST(ceiling_checks_huge_requests_without_overflow)
{
  struct buf b;
  buf_init(&b, 100);
  ck_assert_int_eq(buf_puts(&b, "abc"), 0);
  ck_assert_int_eq(buf_reserve(&b, (size_t)-1), -E2BIG);
  ck_assert_int_eq(buf_reserve(&b, (size_t)-2), -E2BIG);
  ck_assert_int_eq(buf_reserve(&b, 97), 0);
  ck_assert_int_eq(buf_reserve(&b, 98), -E2BIG);
  ck_assert_str_eq(b.data, "abc");
  buf_free(&b);
}
END_TEST

START_TEST(zero_ceiling_means_the_default)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_uint_eq(b.max, BUF_DEFAULT_MAX);
  ck_assert_int_eq(buf_reserve(&b, BUF_DEFAULT_MAX + 1), -E2BIG);
  buf_free(&b);
}
END_TEST

START_TEST(take_hands_over_and_resets)
{
  struct buf b;
  buf_init(&b, 0);
  char *empty = buf_take(&b);
  ck_assert_str_eq(empty, "");
  free(empty);
  buf_puts(&b, "hello");
  char *s = buf_take(&b);
  ck_assert_str_eq(s, "hello");
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
  free(s);
  ck_assert_int_eq(buf_puts(&b, "again"), 0);
  ck_assert_str_eq(b.data, "again");
  buf_free(&b);
}
END_TEST

START_TEST(reset_keeps_memory_for_reuse)
{
  struct buf b;
  buf_init(&b, 0);
  buf_puts(&b, "something long enough");
  size_t cap = b.cap;
  buf_reset(&b);
  ck_assert_str_eq(b.data, "");
  ck_assert_uint_eq(b.cap, cap);
  buf_reset(&b);
  buf_puts(&b, "x");
  ck_assert_str_eq(b.data, "x");
  buf_free(&b);
  buf_reset(&b); /* on a freed buffer: nothing to do */
}
END_TEST

START_TEST(binary_data_with_nul_bytes)
{
  struct buf b;
  buf_init(&b, 0);
  ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
  ck_assert_uint_eq(b.len, 3);
  ck_assert_int_eq(memcmp(b.data, "a\0b", 4), 0);
  ck_assert_int_eq(buf_append(&b, NULL, 0), 0);
  buf_free(&b);
}
END_TEST

START_TEST(snprintf_cuts_to_the_array)
{
  char small[6];
  ck_assert_int_eq(buf_snprintf(small, sizeof small, "%s-%d", "status", 42), 9);
  ck_assert_str_eq(small, "statu");
  ck_assert_int_eq(buf_snprintf(small, sizeof small, "%d", 7), 1);
  ck_assert_str_eq(small, "7");
}
END_TEST

START_TEST(err_set_keeps_code_and_message)
{
  struct err e;
  err_clear(&e);
  ck_assert_int_eq(e.code, 0);
  ck_assert_str_eq(e.msg, "");
  ck_assert_int_eq(err_set(&e, -ENOENT, "%s:%d: missing", "f.yaml", 3),
                   -ENOENT);
  ck_assert_int_eq(e.code, -ENOENT);
  ck_assert_str_eq(e.msg, "f.yaml:3: missing");
}
END_TEST

START_TEST(err_set_never_reports_success)
{
  struct err e;
  ck_assert_int_eq(err_set(&e, 0, "x"), -EINVAL);
  ck_assert_int_eq(e.code, -EINVAL);
  ck_assert_int_eq(err_set(NULL, 0, "x"), -EINVAL);
  ck_assert_int_eq(err_set(NULL, -EIO, "x"), -EIO);
}
END_TEST

START_TEST(err_wrap_adds_context)
{
  struct err e;
  err_set(&e, -EIO, "read failed");
  ck_assert_int_eq(err_wrap(&e, "loading %s", "values.yaml"), -EIO);
  ck_assert_str_eq(e.msg, "loading values.yaml: read failed");
  ck_assert_int_eq(err_wrap(NULL, "x"), -EINVAL);
}
END_TEST

START_TEST(err_messages_are_bounded)
{
  struct err e;
  char big[3 * ERR_MSG_MAX];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  err_set(&e, -EINVAL, "%s", big);
  ck_assert_uint_eq(strlen(e.msg), ERR_MSG_MAX - 1);
  err_wrap(&e, "%s", big);
  ck_assert_uint_lt(strlen(e.msg), ERR_MSG_MAX);
  err_set(&e, -EINVAL, "short");
  err_wrap(&e, "%s", big);
  ck_assert_uint_lt(strlen(e.msg), ERR_MSG_MAX);
  ck_assert_int_eq(strncmp(e.msg, "aaaa", 4), 0);
}
END_TEST

Suite *buf_suite(void)
{
  Suite *s = suite_create("buf");
  TCase *tc = tcase_create("buf");
  tcase_add_test(tc, append_grows_and_keeps_text_terminated);
  tcase_add_test(tc, puts_putc_printf_append_in_order);
  tcase_add_test(tc, printf_longer_than_the_spare_room);
  tcase_add_test(tc, empty_printf_still_gives_a_string);
  tcase_add_test(tc, ceiling_refuses_and_leaves_buffer_unchanged);
  tcase_add_test(tc, ceiling_checks_huge_requests_without_overflow);
  tcase_add_test(tc, zero_ceiling_means_the_default);
  tcase_add_test(tc, take_hands_over_and_resets);
  tcase_add_test(tc, reset_keeps_memory_for_reuse);
  tcase_add_test(tc, binary_data_with_nul_bytes);
  tcase_add_test(tc, snprintf_cuts_to_the_array);
  suite_add_tcase(s, tc);
  TCase *te = tcase_create("err");
  tcase_add_test(te, err_set_keeps_code_and_message);
  tcase_add_test(te, err_set_never_reports_success);
  tcase_add_test(te, err_wrap_adds_context);
  tcase_add_test(te, err_messages_are_bounded);
  suite_add_tcase(s, te);
  return s;
}
