// SPDX-License-Identifier: MIT
/* The unit runner: lists (-l) and filters (-t SUBSTRING) the registered tests and runs
 * each in a private network namespace, one "ok"/"FAIL" line per test, totals last. */
#define _GNU_SOURCE
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "netlink.h"
#include "runner.h"

#define TESTS_MAX	256
#define DEFERS_MAX	16

struct test {
	const char *name;
	test_fn fn;
};

static struct test tests[TESTS_MAX];
static int ntests;

static struct {
	jmp_buf jmp;
	bool running;
	char msg[1024];
	struct {
		void (*fn)(void *);
		void *arg;
	} defer[DEFERS_MAX];
	int ndefer;
} cur;

static bool verbose;

void runner_register(const char *name, test_fn fn)
{
	if (ntests == TESTS_MAX) {
		fprintf(stderr, "unit: more than %d tests, %s not registered\n", TESTS_MAX, name);
		exit(2);
	}
	tests[ntests++] = (struct test){ name, fn };
}

bool runner_verbose(void)
{
	return verbose;
}

void runner_fail(const char *file, int line, const char *fmt, ...)
{
	int n = snprintf(cur.msg, sizeof(cur.msg), "%s:%d: ", file, line);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur.msg + n, sizeof(cur.msg) - n, fmt, ap);
	va_end(ap);
	if (!cur.running) {	/* an assertion outside a test (a cleanup) is a bug here */
		fprintf(stderr, "unit: %s\n", cur.msg);
		abort();
	}
	longjmp(cur.jmp, 1);
}

void runner_defer(void (*fn)(void *), void *arg)
{
	if (cur.ndefer == DEFERS_MAX)
		runner_fail(__FILE__, __LINE__, "more than %d deferred cleanups", DEFERS_MAX);
	cur.defer[cur.ndefer].fn = fn;
	cur.defer[cur.ndefer++].arg = arg;
}

static void hex(char *buf, size_t size, const unsigned char *p, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < len && off + 4 < size; i++)
		off += snprintf(buf + off, size - off, "%s%02x", i ? " " : "", p[i]);
}

void runner_check_mem(const char *file, int line, const char *what,
		      const void *got, size_t got_len, const void *want, size_t want_len)
{
	const unsigned char *g = got, *w = want;
	char gs[64], ws[64];
	size_t i;

	for (i = 0; i < got_len && i < want_len && g[i] == w[i]; i++)
		;
	if (i == got_len && i == want_len)
		return;
	hex(gs, sizeof(gs), g + i, i < got_len ? (got_len - i < 8 ? got_len - i : 8) : 0);
	hex(ws, sizeof(ws), w + i, i < want_len ? (want_len - i < 8 ? want_len - i : 8) : 0);
	runner_fail(file, line, "%s: %zu bytes, expected %zu; from offset %zu expected [%s], got [%s]",
		    what, got_len, want_len, i, ws, gs);
}

static bool run_one(const struct test *t)
{
	volatile bool ok = true;

	cur.msg[0] = '\0';
	cur.ndefer = 0;
	cur.running = true;
	if (setjmp(cur.jmp) == 0)
		t->fn();
	else
		ok = false;
	cur.running = false;
	while (cur.ndefer > 0) {
		cur.ndefer--;
		cur.defer[cur.ndefer].fn(cur.defer[cur.ndefer].arg);
	}
	if (ok)
		printf("ok %s\n", t->name);
	else
		printf("FAIL %s: %s\n", t->name, cur.msg);
	return ok;
}

/* Everything the tests create (veths, addresses) lives and dies with this netns. */
static int enter_private_netns(void)
{
	if (unshare(CLONE_NEWNET)) {
		perror("unit: unshare(CLONE_NEWNET) (run as root)");
		return -1;
	}
	return nl_link_set_up(1, true) ? -1 : 0;	/* lo is ifindex 1 in a new netns */
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG || (level == LIBBPF_INFO && !verbose))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-l] [-v] [-t SUBSTRING]...\n"
		"  -l  list the tests (that match) instead of running them\n"
		"  -t  run only tests whose name contains SUBSTRING (repeatable)\n"
		"  -v  show libbpf's messages\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *filter[16];
	int nfilter = 0, passed = 0, failed = 0, opt;
	bool list = false;

	while ((opt = getopt(argc, argv, "lt:v")) != -1) {
		if (opt == 'l')
			list = true;
		else if (opt == 't' && nfilter < 16)
			filter[nfilter++] = optarg;
		else if (opt == 'v')
			verbose = true;
		else
			usage(argv[0]);
	}
	if (optind < argc)
		usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(print_libbpf);
	if (!list && enter_private_netns())
		return 1;
	for (int i = 0; i < ntests; i++) {
		bool match = nfilter == 0;

		for (int f = 0; f < nfilter && !match; f++)
			match = strstr(tests[i].name, filter[f]) != NULL;
		if (!match)
			continue;
		if (list)
			puts(tests[i].name);
		else if (run_one(&tests[i]))
			passed++;
		else
			failed++;
	}
	if (list)
		return 0;
	printf("%d passed, %d failed\n", passed, failed);
	if (passed + failed == 0) {
		fprintf(stderr, "unit: no test matches\n");
		return 1;
	}
	return failed ? 1 : 0;
}
