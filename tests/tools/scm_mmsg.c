/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A one-shot server that hands its connection to a child with SCM_RIGHTS in
 * the second message of a sendmmsg(2) (the first carries no control data),
 * received with recvmmsg(2), for the tests of `wirecat trace`
 * (tests/net/test_trace_prog.py): listens on 127.0.0.1 ("port N"), accepts
 * one client ("child PID"), passes the connection and closes its own copy.
 * The child waits 2 s, then twice reads up to 100 bytes and answers
 * "child got " + them, reads the end of the stream and closes.
 * Usage: scm_mmsg
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tool_listen.h"

/* Two messages: "a" alone, then "x" with fd in SCM_RIGHTS. */
static int pass_fd(int sp, int fd)
{
	_Alignas(struct cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
	struct mmsghdr m[2];
	struct iovec v[2] = {{"a", 1}, {"x", 1}};
	memset(m, 0, sizeof(m));
	memset(ctl, 0, sizeof(ctl));
	m[0].msg_hdr.msg_iov = &v[0];
	m[0].msg_hdr.msg_iovlen = 1;
	m[1].msg_hdr.msg_iov = &v[1];
	m[1].msg_hdr.msg_iovlen = 1;
	m[1].msg_hdr.msg_control = ctl;
	m[1].msg_hdr.msg_controllen = sizeof(ctl);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m[1].msg_hdr);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmmsg(sp, m, 2, 0) == 2 ? 0 : -1;
}

/* The descriptor in the second of two messages, -1 when none came. */
static int take_fd(int sp)
{
	_Alignas(struct cmsghdr) char ctl[2][CMSG_SPACE(sizeof(int))];
	char d[2][4];
	struct mmsghdr m[2];
	struct iovec v[2] = {{d[0], sizeof(d[0])}, {d[1], sizeof(d[1])}};
	int fd = -1;
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 2; i++) {
		m[i].msg_hdr.msg_iov = &v[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_control = ctl[i];
		m[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
	}
	if (recvmmsg(sp, m, 2, 0, NULL) != 2)
		return -1;
	struct cmsghdr *h = CMSG_FIRSTHDR(&m[1].msg_hdr);
	if (h && h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

static int child(int sp)
{
	struct timespec two = {2, 0}; /* longer than a closed socket's flow is kept */
	char buf[100], out[120];
	int fd = take_fd(sp);
	if (fd < 0)
		return 1;
	nanosleep(&two, NULL);
	for (int i = 0; i < 2; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		memcpy(out, "child got ", 10);
		memcpy(out + 10, buf, (size_t)n);
		if (write(fd, out, (size_t)n + 10) != n + 10)
			return 1;
	}
	ssize_t end = read(fd, buf, sizeof(buf));
	close(fd);
	return end == 0 ? 0 : 1;
}

int main(void)
{
	int sp[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		close(sp[0]);
		_exit(child(sp[1]));
	}
	close(sp[1]);
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int l = tool_listener(4), st = 1;
	int c = l >= 0 ? accept4(l, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC) : -1;
	printf("child %d\n", (int)pid);
	fflush(stdout);
	int rc = c >= 0 ? pass_fd(sp[0], c) : -1;
	close(l);
	close(c); /* the child's copy still holds the connection */
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 1;
	return rc == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
