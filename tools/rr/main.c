// SPDX-License-Identifier: MIT
/* rr: a TCP request/response rate (netperf TCP_RR's shape): one connection, a 1-byte request
 * answered by a 1-byte response, as many as fit in the time given; transactions/s as JSON. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "netns_guard.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int usage(void)
{
	fprintf(stderr, "usage: rr server PORT [SECONDS] | rr client ADDR PORT SECONDS\n");
	return 2;
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Answer every byte of one connection; exit when it closes or after SECONDS + 30. */
static int serve(int port, int secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0), fd;
	char b;

	alarm(secs + 30);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1)) {
		perror("rr server");
		return 1;
	}
	fd = accept(ls, NULL, NULL);
	if (fd < 0) {
		perror("rr server: accept");
		return 1;
	}
	nodelay(fd);
	while (read(fd, &b, 1) == 1)
		if (write(fd, &b, 1) != 1)
			break;
	close(fd);
	close(ls);
	return 0;
}

static int client(const char *addr, int port, int secs)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	double start, end;
	long n = 0;
	char b = 'x';

	if (fd < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "rr client: connect %s:%d: %s\n", addr, port, strerror(errno));
		return 1;
	}
	nodelay(fd);
	start = now_s();
	end = start + secs;
	for (;;) {
		if (write(fd, &b, 1) != 1 || read(fd, &b, 1) != 1) {
			fprintf(stderr, "rr client: connection lost after %ld\n", n);
			return 1;
		}
		n++;
		if ((n & 255) == 0 && now_s() >= end)
			break;
	}
	end = now_s();
	close(fd);
	printf("{\"transactions\": %ld, \"seconds\": %.3f, \"tps\": %.0f}\n", n, end - start,
	       n / (end - start));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return usage();
	if (netns_check_named())
		return 1;
	if (!strcmp(argv[1], "server"))
		return serve(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 60);
	if (!strcmp(argv[1], "client") && argc == 5)
		return client(argv[2], atoi(argv[3]), atoi(argv[4]));
	return usage();
}
