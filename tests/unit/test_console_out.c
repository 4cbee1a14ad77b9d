/* Unit tests for vmm-example's console output (vmm-example/console_out.c): the guest's bytes
 * come out unchanged and in order, one write(2) per line instead of one per byte. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "console_out.h"

#define MS 1000000ull

static int pipe_fds[2];
static struct console_out c;

static int setup(void **state)
{
	(void)state;
	if (pipe2(pipe_fds, O_NONBLOCK))
		return -1;
	fcntl(pipe_fds[1], F_SETPIPE_SZ, 1 << 16);
	console_out_init(&c, pipe_fds[1]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	console_out_destroy(&c);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return 0;
}

/* Everything written to the pipe so far. */
static size_t drain(char *out, size_t max)
{
	size_t got = 0;
	ssize_t n;

	while (got < max && (n = read(pipe_fds[0], out + got, max - got)) > 0)
		got += (size_t)n;
	return got;
}

/* A UART hands over one byte per exit: two lines cost two writes, not twelve, and the
 * event loop is woken once per line (its first byte), not per byte. */
static void test_bytes_one_by_one_make_one_write_per_line(void **state)
{
	const char *text = "hello\nworld\n";
	char out[64];
	int wakes = 0;

	(void)state;
	for (size_t i = 0; i < strlen(text); i++)
		wakes += console_out_put(&c, (const uint8_t *)text + i, 1);
	assert_int_equal(wakes, 2);
	assert_int_equal(drain(out, sizeof(out)), strlen(text));
	assert_memory_equal(out, text, strlen(text));
	assert_int_equal(c.writes, 2);
	assert_int_equal(c.bytes, strlen(text));
}

/* A prompt has no newline: it waits (the first byte asks for a wake-up, the next ones do
 * not) from when the event loop first sees it, and is written once it is due, not before. */
static void test_a_partial_line_is_written_when_due(void **state)
{
	char out[64];

	(void)state;
	assert_true(console_out_put(&c, (const uint8_t *)"/ ", 2));
	assert_false(console_out_put(&c, (const uint8_t *)"# ", 2));
	assert_int_equal(console_out_flush_due(&c, 10 * MS, CONSOLE_OUT_MAX_AGE_NS),
			 CONSOLE_OUT_MAX_AGE_NS);
	assert_int_equal(console_out_flush_due(&c, 11 * MS, CONSOLE_OUT_MAX_AGE_NS),
			 10 * MS + CONSOLE_OUT_MAX_AGE_NS - 11 * MS);
	assert_int_equal(drain(out, sizeof(out)), 0);
	assert_int_equal(c.writes, 0);
	assert_int_equal(console_out_flush_due(&c, 10 * MS + CONSOLE_OUT_MAX_AGE_NS,
					       CONSOLE_OUT_MAX_AGE_NS), 0);
	assert_int_equal(drain(out, sizeof(out)), 4);
	assert_memory_equal(out, "/ # ", 4);
	assert_int_equal(c.writes, 1);
	/* nothing waits now: the next byte asks for a wake-up again, and waits afresh */
	assert_true(console_out_put(&c, (const uint8_t *)"l", 1));
	assert_int_equal(console_out_flush_due(&c, 20 * MS, CONSOLE_OUT_MAX_AGE_NS),
			 CONSOLE_OUT_MAX_AGE_NS);
	assert_int_equal(console_out_flush_due(&c, 0, 0), 0);
	assert_int_equal(drain(out, sizeof(out)), 1);
}

/* A line longer than the buffer goes out in buffer-sized writes, bytes in order; the tail
 * waits like a prompt, and destroy writes what still waits. */
static void test_long_output_without_newline_fills_then_flushes(void **state)
{
	static uint8_t in[10000];
	static char out[sizeof(in)];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)('a' + i % 26);
	assert_true(console_out_put(&c, in, sizeof(in)));
	assert_int_equal(c.writes, sizeof(in) / CONSOLE_OUT_BUF);
	console_out_destroy(&c);
	assert_int_equal(drain(out, sizeof(out)), sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	console_out_init(&c, pipe_fds[1]); /* for teardown */
}

/* A console never initialised (a machine never built) takes nothing and writes nothing. */
static void test_an_uninitialised_console_is_inert(void **state)
{
	struct console_out none;
	char out[8];

	(void)state;
	memset(&none, 0, sizeof(none));
	none.fd = pipe_fds[1];
	assert_false(console_out_put(&none, (const uint8_t *)"x\n", 2));
	assert_int_equal(console_out_flush_due(&none, 0, 0), 0);
	console_out_destroy(&none);
	assert_int_equal(drain(out, sizeof(out)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes_one_by_one_make_one_write_per_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_partial_line_is_written_when_due, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_long_output_without_newline_fills_then_flushes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_uninitialised_console_is_inert, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
