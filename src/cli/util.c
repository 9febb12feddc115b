/* SPDX-License-Identifier: BSD-2-Clause */
/* Diagnostics and argument helpers shared by the subcommands (src/cli/cli.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

__attribute__((format(printf, 1, 0))) static void vmsg(const char *fmt, va_list ap,
                                                       const char *tail)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "wirecat: ");
	int k = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (k > 0 ? (size_t)k : 0);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	if (tail) {
		size_t t = strlen(tail);
		if (len + t < sizeof(line)) {
			memcpy(line + len, tail, t);
			len += t;
		}
	}
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

void cli_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, NULL);
	va_end(ap);
}

int cli_usage_err(const char *cmd, const char *fmt, ...)
{
	char tail[96];
	if (cmd)
		snprintf(tail, sizeof(tail), "Try 'wirecat %s --help'.\n", cmd);
	else
		snprintf(tail, sizeof(tail), "Try 'wirecat --help'.\n");
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap, tail);
	va_end(ap);
	return WIRE_EXIT_USAGE;
}

int cli_cmd_usage_err(const char *cmd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return cli_usage_err(cmd, "%s: %s", cmd, msg);
}

int cli_exit_code(int err)
{
	switch (err) {
	case 0: return WIRE_EXIT_OK;
	case WIRE_E_USAGE: return WIRE_EXIT_USAGE;
	case WIRE_E_MALFORMED:
	case WIRE_E_TOOBIG:
	case WIRE_E_TRUNCATED: return WIRE_EXIT_MALFORMED;
	case WIRE_E_PRIV:
	case -EPERM: return WIRE_EXIT_PRIV;
	default: return WIRE_EXIT_FAIL;
	}
}

int cli_parse_secs(const char *s, double *out)
{
	double v = 0, scale = 0;
	int digits = 0;
	if (!s || !*s)
		return WIRE_E_USAGE;
	for (const char *p = s; *p; p++) {
		if (*p == '.' && scale == 0) {
			scale = 0.1;
		} else if (*p >= '0' && *p <= '9') {
			digits++;
			if (scale == 0) {
				v = v * 10 + (*p - '0');
			} else {
				v += (*p - '0') * scale;
				scale /= 10;
			}
			if (v > 1e7)
				return WIRE_E_USAGE;
		} else {
			return WIRE_E_USAGE;
		}
	}
	if (!digits)
		return WIRE_E_USAGE;
	*out = v;
	return 0;
}

int cli_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;
	if (!s || !*s)
		return WIRE_E_USAGE;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return WIRE_E_USAGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return WIRE_E_USAGE;
	if (*p) {
		switch (*p) {
		case 'k':
		case 'K': mul = 1024; break;
		case 'm':
		case 'M': mul = 1024 * 1024; break;
		case 'g':
		case 'G': mul = 1024ull * 1024 * 1024; break;
		default: return WIRE_E_USAGE;
		}
		if (p[1])
			return WIRE_E_USAGE;
	}
	if (v > max / mul)
		return WIRE_E_USAGE;
	*out = v * mul;
	return 0;
}

int cli_isatty(int fd)
{
	return isatty(fd) == 1;
}

void cli_ignore_sigpipe(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int stdout_was_closed;

int cli_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lowest free number: fd itself, as the ones below are open. */
		int nfd = open("/dev/null", O_RDWR);
		if (nfd < 0)
			return -errno;
		if (nfd != fd) {
			int rc = dup2(nfd, fd) < 0 ? -errno : 0;
			close(nfd);
			if (rc < 0)
				return rc;
		}
		if (fd == STDOUT_FILENO)
			stdout_was_closed = 1;
	}
	return 0;
}

int cli_stdout_closed(const char *cmd)
{
	if (!stdout_was_closed)
		return 0;
	cli_err("%s: standard output is closed; give the output somewhere to go "
	        "(>/dev/null to discard it)",
	        cmd);
	return 1;
}

int cli_output_failed(int err, const char *what, ...)
{
	char msg[1024];
	if (err == -EPIPE)
		return CLI_EXIT_PIPE;
	va_list ap;
	va_start(ap, what);
	vsnprintf(msg, sizeof(msg), what, ap);
	va_end(ap);
	cli_err("%s: %s", msg, wire_strerror(err));
	return WIRE_EXIT_FAIL;
}

int cli_exit(int status)
{
	if (status != CLI_EXIT_PIPE)
		return status;
	struct sigaction sa;
	sigset_t set;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(SIGPIPE);
	return status; /* not reached: SIGPIPE ends the process */
}
