/* solicit_test.c — when a segment is asked for identities at its group
 * address, and which answers count, with time moved by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "solicit.h"

static struct solicit sol;

static int setup(void **state)
{
	(void)state;
	solicit_init(&sol, 200);
	return 0;
}

static void expect_next(int64_t now, uint16_t port, uint16_t tci, uint8_t id)
{
	uint16_t p = 0xffff, t = 0xffff;
	uint8_t i = 0;

	assert_int_equal(solicit_next(&sol, now, &p, &t, &i), 0);
	assert_int_equal(p, port);
	assert_int_equal(t, tci);
	assert_int_equal(i, id);
}

static void expect_nothing(int64_t now)
{
	uint16_t p, t;
	uint8_t i;
	assert_int_equal(solicit_next(&sol, now, &p, &t, &i), -EAGAIN);
}

/* A burst of Responses on one segment: one request, after the delay. */
static void test_burst_is_one_request(void **state)
{
	(void)state;
	assert_int_equal(solicit_deadline(&sol), SOLICIT_NONE);
	expect_nothing(0);
	for (int64_t t = 1000; t < 1050; t += 5)
		solicit_activity(&sol, 0, 0, t);
	assert_int_equal(solicit_deadline(&sol), 1000 + SOLICIT_DELAY_MS);
	expect_nothing(1000 + SOLICIT_DELAY_MS - 1);
	expect_next(1000 + SOLICIT_DELAY_MS, 0, 0, 200);
	expect_nothing(1000 + SOLICIT_DELAY_MS);
	assert_int_equal(solicit_deadline(&sol), SOLICIT_NONE);
	assert_int_equal(sol.requests, 1);
}

/* Activity right after a request: the next waits out the interval. */
static void test_at_most_one_per_interval(void **state)
{
	int64_t sent = 1000 + SOLICIT_DELAY_MS;
	(void)state;
	solicit_activity(&sol, 0, 0, 1000);
	expect_next(sent, 0, 0, 200);
	solicit_activity(&sol, 0, 0, sent + 10);
	assert_int_equal(solicit_deadline(&sol), sent + SOLICIT_INTERVAL_MS);
	expect_nothing(sent + SOLICIT_INTERVAL_MS - 1);
	expect_next(sent + SOLICIT_INTERVAL_MS, 0, 0, 201);
	/* Quiet for long: the delay alone applies again. */
	solicit_activity(&sol, 0, 0, 10000);
	assert_int_equal(solicit_deadline(&sol), 10000 + SOLICIT_DELAY_MS);
}

/* Only a Response/Identity with the last request's Identifier, on its
 * segment, within SOLICIT_ANSWER_MS, answers it. */
static void test_answers(void **state)
{
	(void)state;
	assert_false(solicit_answers(&sol, 0, 0, 200, 0));     /* nothing sent yet */
	solicit_activity(&sol, 0, 0, 0);
	assert_false(solicit_answers(&sol, 0, 0, 200, 50));    /* due, not sent */
	expect_next(SOLICIT_DELAY_MS, 0, 0, 200);
	assert_true(solicit_answers(&sol, 0, 0, 200, SOLICIT_DELAY_MS + 3));
	assert_false(solicit_answers(&sol, 0, 0, 201, SOLICIT_DELAY_MS + 3));
	assert_false(solicit_answers(&sol, 1, 0, 200, SOLICIT_DELAY_MS + 3));       /* another port */
	assert_false(solicit_answers(&sol, 0, 0x0064, 200, SOLICIT_DELAY_MS + 3));  /* another VLAN */
	assert_true(solicit_answers(&sol, 0, 0, 200, SOLICIT_DELAY_MS + SOLICIT_ANSWER_MS));
	assert_false(solicit_answers(&sol, 0, 0, 200, SOLICIT_DELAY_MS + SOLICIT_ANSWER_MS + 1));
	/* A newer request replaces the Identifier. */
	solicit_activity(&sol, 0, 0, 2000);
	expect_next(2000 + SOLICIT_DELAY_MS, 0, 0, 201);
	assert_false(solicit_answers(&sol, 0, 0, 200, 2000 + SOLICIT_DELAY_MS));
	assert_true(solicit_answers(&sol, 0, 0, 201, 2000 + SOLICIT_DELAY_MS));
	/* The port goes down: its requests are void. */
	solicit_forget_port(&sol, 0);
	assert_false(solicit_answers(&sol, 0, 0, 201, 2000 + SOLICIT_DELAY_MS));
}

/* Segments are independent; each gets its own request and Identifier. */
static void test_segments(void **state)
{
	(void)state;
	solicit_activity(&sol, 0, 0, 100);
	solicit_activity(&sol, 0, 0x0064, 120);
	solicit_activity(&sol, 2, 0, 150);
	assert_int_equal(solicit_deadline(&sol), 100 + SOLICIT_DELAY_MS);
	expect_next(100 + SOLICIT_DELAY_MS, 0, 0, 200);
	expect_nothing(100 + SOLICIT_DELAY_MS);
	assert_int_equal(solicit_deadline(&sol), 120 + SOLICIT_DELAY_MS);
	expect_next(200 + SOLICIT_DELAY_MS, 0, 0x0064, 201);
	expect_next(200 + SOLICIT_DELAY_MS, 2, 0, 202);
	expect_nothing(200 + SOLICIT_DELAY_MS);
}

/* The table is bounded: the segment quiet the longest gives its slot up;
 * when every slot has a request due, the activity is counted and dropped. */
static void test_table_full(void **state)
{
	(void)state;
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++)
		solicit_activity(&sol, (uint16_t)i, 0, 100 + i);
	solicit_activity(&sol, 999, 0, 500);
	assert_int_equal(sol.dropped, 1);
	for (unsigned i = 0; i < SOLICIT_MAX_SEGMENTS; i++) {
		uint16_t p, t;
		uint8_t id;
		assert_int_equal(solicit_next(&sol, 1000, &p, &t, &id), 0);
	}
	solicit_activity(&sol, 999, 0, 2000);
	assert_int_equal(sol.dropped, 1);
	expect_next(2000 + SOLICIT_DELAY_MS, 999, 0, (uint8_t)(200 + SOLICIT_MAX_SEGMENTS));
	/* port 0, the quietest, was the one replaced */
	assert_false(solicit_answers(&sol, 0, 0, 200, 2000));
	assert_true(solicit_answers(&sol, 1, 0, 201, 2000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_is_one_request, setup),
		cmocka_unit_test_setup(test_at_most_one_per_interval, setup),
		cmocka_unit_test_setup(test_answers, setup),
		cmocka_unit_test_setup(test_segments, setup),
		cmocka_unit_test_setup(test_table_full, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
