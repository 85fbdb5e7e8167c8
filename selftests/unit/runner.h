/* SPDX-License-Identifier: MIT */
/* The unit runner's interface: TEST() registers a function by name, ASSERT_*
 * report expected vs got at file:line and end the test, runner_defer() cleans up. */
#ifndef UNIT_RUNNER_H
#define UNIT_RUNNER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef void (*test_fn)(void);

void runner_register(const char *name, test_fn fn);

/* TEST(name) { ... } defines test_name() and registers it as "name". */
#define TEST(name)							\
	static void test_##name(void);					\
	__attribute__((constructor)) static void register_##name(void)	\
	{								\
		runner_register(#name, test_##name);			\
	}								\
	static void test_##name(void)

/* Fail the running test at FILE:LINE; its deferred cleanups still run. */
void runner_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

/* Run FN(ARG) when the current test ends, passed or failed; last in, first out. */
void runner_defer(void (*fn)(void *), void *arg);

bool runner_verbose(void);

void runner_check_mem(const char *file, int line, const char *what,
		      const void *got, size_t got_len, const void *want, size_t want_len);

#define ASSERT_TRUE(cond)						\
	do {								\
		if (!(cond))						\
			runner_fail(__FILE__, __LINE__, "%s: expected true, got false", #cond); \
	} while (0)

#define ASSERT_FALSE(cond)						\
	do {								\
		if (cond)						\
			runner_fail(__FILE__, __LINE__, "%s: expected false, got true", #cond); \
	} while (0)

#define ASSERT_EQ(got, want)						\
	do {								\
		long long _g = (long long)(got), _w = (long long)(want); \
		if (_g != _w)						\
			runner_fail(__FILE__, __LINE__, "%s: expected %lld (%#llx), got %lld (%#llx)", \
				    #got, _w, _w, _g, _g);		\
	} while (0)

#define ASSERT_IN_RANGE(got, lo, hi)					\
	do {								\
		unsigned long long _g = (got), _l = (lo), _h = (hi);	\
		if (_g < _l || _g > _h)					\
			runner_fail(__FILE__, __LINE__, "%s: expected %llu..%llu, got %llu", \
				    #got, _l, _h, _g);			\
	} while (0)

/* For calls returning 0 or a negative errno (or -1 with errno set). */
#define ASSERT_OK(call)							\
	do {								\
		int _r = (call);					\
		if (_r)							\
			runner_fail(__FILE__, __LINE__, "%s: expected 0, got %d (%s)", #call, \
				    _r, strerror(_r == -1 ? errno : -_r)); \
	} while (0)

#define ASSERT_MEM_EQ(got, got_len, want, want_len)			\
	runner_check_mem(__FILE__, __LINE__, #got, got, got_len, want, want_len)

#endif
