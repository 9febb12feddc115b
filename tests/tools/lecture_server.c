/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The lecture's TCP echo server in C, forking or threaded, for the tests of
 * `wirecat trace` (tests/net/test_trace_prog.py): listens on 127.0.0.1 (a
 * free port, printed as "port N"), serves N clients, each with one recv(20)
 * echoed back, by a child process (fork) or a thread (thread), then prints
 * "served N" and exits 0.
 * Usage: lecture_server fork|thread N
 */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool_listen.h"

#define CLIENTS_MAX 64

static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[20];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0 && send(fd, buf, (size_t)n, 0) != n)
		n = -1;
	close(fd);
	return n > 0 ? NULL : (void *)1;
}

int main(int argc, char **argv)
{
	pthread_t th[CLIENTS_MAX];
	pid_t kids[CLIENTS_MAX];
	long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	int threads = argc == 3 && !strcmp(argv[1], "thread"), bad = 0;
	if (n <= 0 || n > CLIENTS_MAX || (!threads && strcmp(argv[1], "fork"))) {
		fprintf(stderr, "usage: lecture_server fork|thread N (1..%d)\n", CLIENTS_MAX);
		return 2;
	}
	int s = tool_listener(16);
	if (s < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			return 1;
		if (threads) {
			if (pthread_create(&th[i], NULL, serve, (void *)(long)c) != 0)
				return 1;
			continue;
		}
		kids[i] = fork();
		if (kids[i] == 0) {
			close(s);
			_exit(serve((void *)(long)c) ? 1 : 0);
		}
		close(c);
	}
	for (long i = 0; i < n; i++) {
		void *r = NULL;
		int st = 0;
		if (threads)
			pthread_join(th[i], &r);
		else
			waitpid(kids[i], &st, 0);
		bad += r != NULL || st != 0;
	}
	printf("served %ld%s\n", n, bad ? " with errors" : "");
	return bad ? 1 : 0;
}
