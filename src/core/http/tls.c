/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * TLS for the HTTP client through OpenSSL, the only file that includes its
 * headers. A context verifies the peer against the system's trust store
 * (SSL_CTX_set_default_verify_paths) or a --cacert file, and each connection
 * sends SNI and checks the certificate's name (SSL_set1_host) or IP address
 * (X509_VERIFY_PARAM_set1_ip_asc). -k turns verification off. OpenSSL is
 * initialised lazily, only when the first https URL needs it, so plain HTTP
 * pays nothing for it at start-up. Errors come back as WIRE_E_TLS with one
 * line of text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "wire/err.h"
#include "wire/http.h"
#include "wire/sock.h"

struct wire_tls_ctx {
	SSL_CTX *ctx;
	int insecure;
	int keylog_fd;     /* SSLKEYLOGFILE, or -1 */
	wire_tls_io_cb io; /* --trace: the socket reads and writes, or NULL */
	void *io_ctx;
};

struct wire_tls {
	SSL *ssl;
	int fd;
	wire_tls_io_cb io; /* as its context's */
	void *io_ctx;
	struct timespec t0; /* when the write being made began */
};

void wire_tls_ctx_trace(struct wire_tls_ctx *x, wire_tls_io_cb cb, void *ctx)
{
	x->io = cb;
	x->io_ctx = ctx;
}

/* The socket BIO's callback: each read and write OpenSSL makes on the
 * socket, with its size and result, goes to t->io (errno kept). */
static long bio_io(BIO *b, int oper, const char *argp, size_t len, int argi, long argl, int ret,
                   size_t *processed)
{
	struct wire_tls *t = (struct wire_tls *)BIO_get_callback_arg(b);
	int e = errno;
	(void)argp;
	(void)argi;
	(void)argl;
	if (!t || !t->io)
		return oper & BIO_CB_RETURN ? ret : 1;
	if (oper == BIO_CB_WRITE)
		clock_gettime(CLOCK_REALTIME, &t->t0);
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) || oper == (BIO_CB_WRITE | BIO_CB_RETURN)) {
		int wr = oper == (BIO_CB_WRITE | BIO_CB_RETURN);
		long got = ret > 0 && processed ? (long)*processed : ret > 0 ? 0 : ret;
		int err = ret > 0 || (ret == 0 && !wr) ? 0 : BIO_should_retry(b) ? EAGAIN : e;
		t->io(t->io_ctx, wr, len, err ? -1 : got, err, wr ? &t->t0 : NULL);
	}
	errno = e;
	return oper & BIO_CB_RETURN ? ret : 1;
}

/* Writes OpenSSL's first queued error (or dflt) into why. */
static void ossl_why(char *why, size_t n, const char *what, const char *dflt)
{
	unsigned long e = ERR_get_error();
	char buf[256];
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(why, n, "%s: %s", what, e ? buf : dflt);
	ERR_clear_error();
}

struct wire_tls_ctx *wire_tls_ctx_new(int insecure, const char *cacert, char *why, size_t n)
{
	struct wire_tls_ctx *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(why, n, "TLS: out of memory");
		return NULL;
	}
	x->ctx = SSL_CTX_new(TLS_client_method());
	if (!x->ctx) {
		ossl_why(why, n, "TLS", "cannot create a context");
		free(x);
		return NULL;
	}
	x->insecure = insecure;
	x->keylog_fd = -1;
	SSL_CTX_set_min_proto_version(x->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(x->ctx, SSL_MODE_AUTO_RETRY);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	/* a close without close_notify is a plain close: the HTTP framing
	 * (Content-Length, chunked) says whether the body was cut short */
	SSL_CTX_set_options(x->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
	if (insecure) {
		SSL_CTX_set_verify(x->ctx, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_CTX_set_verify(x->ctx, SSL_VERIFY_PEER, NULL);
		int ok = cacert ? SSL_CTX_load_verify_locations(x->ctx, cacert, NULL)
		                : SSL_CTX_set_default_verify_paths(x->ctx);
		if (ok != 1) {
			char what[300];
			snprintf(what, sizeof(what), "TLS: cannot load CA certificates%s%s",
			         cacert ? " from " : "", cacert ? cacert : "");
			ossl_why(why, n, what, "failed");
			SSL_CTX_free(x->ctx);
			free(x);
			return NULL;
		}
	}
	return x;
}

/* OpenSSL's key log callback: one NSS key log line per secret. */
static void keylog_line(const SSL *ssl, const char *line)
{
	const struct wire_tls_ctx *x = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	char buf[512];
	size_t n = strlen(line);
	if (!x || x->keylog_fd < 0 || n + 1 > sizeof(buf))
		return;
	memcpy(buf, line, n);
	buf[n++] = '\n';
	/* one write per line on an O_APPEND file: lines of several programs
	 * sharing the file do not interleave */
	(void)!write(x->keylog_fd, buf, n);
}

int wire_tls_ctx_keylog(struct wire_tls_ctx *x, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -errno;
	if (x->keylog_fd >= 0)
		close(x->keylog_fd);
	x->keylog_fd = fd;
	SSL_CTX_set_app_data(x->ctx, x);
	SSL_CTX_set_keylog_callback(x->ctx, keylog_line);
	return 0;
}

void wire_tls_ctx_free(struct wire_tls_ctx *x)
{
	if (!x)
		return;
	if (x->keylog_fd >= 0)
		close(x->keylog_fd);
	SSL_CTX_free(x->ctx);
	free(x);
}

/* Waits until fd is readable or writable as OpenSSL asks. Returns 0 or WIRE_E_TIMEOUT. */
static int wait_io(int fd, int want_write, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = (short)(want_write ? POLLOUT : POLLIN)};
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		return r == 0 ? WIRE_E_TIMEOUT : 0;
	}
}

int wire_tls_connect(struct wire_tls_ctx *x, int fd, const char *host, int timeout_ms,
                     struct wire_tls **tp, char *why, size_t n)
{
	struct wire_tls *t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(why, n, "TLS: out of memory");
		return WIRE_E_TLS;
	}
	t->fd = fd;
	t->ssl = SSL_new(x->ctx);
	if (!t->ssl) {
		ossl_why(why, n, "TLS", "cannot create a connection");
		free(t);
		return WIRE_E_TLS;
	}
	unsigned char bin[16];
	char plain[256];
	snprintf(plain, sizeof(plain), "%s", host);
	char *zone = strchr(plain, '%');
	if (zone)
		*zone = 0;
	int is_ip = inet_pton(AF_INET, plain, bin) == 1 || inet_pton(AF_INET6, plain, bin) == 1;
	if (!is_ip)
		SSL_set_tlsext_host_name(t->ssl, host); /* SNI only for names (RFC 6066) */
	if (!x->insecure) {
		int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), plain)
		               : SSL_set1_host(t->ssl, host);
		if (ok != 1) {
			ossl_why(why, n, "TLS", "cannot set the name to verify");
			SSL_free(t->ssl);
			free(t);
			return WIRE_E_TLS;
		}
	}
	SSL_set_fd(t->ssl, fd);
	t->io = x->io;
	t->io_ctx = x->io_ctx;
	if (t->io) { /* --trace: the record reads and writes as calls */
		BIO *b = SSL_get_rbio(t->ssl);
		BIO_set_callback_arg(b, (char *)t);
		BIO_set_callback_ex(b, bio_io);
	}
	/* the handshake runs non-blocking so that the connect timeout holds */
	int rc = wire_set_nonblock(fd, 1);
	if (rc < 0) {
		snprintf(why, n, "TLS: %s", strerror(-rc));
		SSL_free(t->ssl);
		free(t);
		return rc;
	}
	for (;;) {
		int r = SSL_connect(t->ssl);
		if (r == 1)
			break;
		int e = SSL_get_error(t->ssl, r);
		if ((e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)) {
			rc = wait_io(fd, e == SSL_ERROR_WANT_WRITE,
			             timeout_ms > 0 ? timeout_ms : -1);
			if (rc < 0) {
				snprintf(why, n, "TLS handshake timed out");
				break;
			}
			continue;
		}
		long vr = SSL_get_verify_result(t->ssl);
		if (vr != X509_V_OK) {
			snprintf(why, n, "TLS certificate verification failed: %s",
			         X509_verify_cert_error_string(vr));
			ERR_clear_error();
			rc = WIRE_E_TLS_VERIFY;
			break;
		} else if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
			snprintf(why, n, "TLS handshake failed: %s",
			         errno ? strerror(errno) : "connection closed by peer");
		} else {
			ossl_why(why, n, "TLS handshake failed", "protocol error");
		}
		rc = WIRE_E_TLS;
		break;
	}
	if (rc == 0)
		rc = wire_set_nonblock(fd, 0);
	if (rc < 0) {
		SSL_free(t->ssl);
		free(t);
		return rc;
	}
	*tp = t;
	return 0;
}

long wire_tls_read(struct wire_tls *t, void *p, size_t n)
{
	for (;;) {
		size_t got = 0;
		int r = SSL_read_ex(t->ssl, p, n, &got);
		if (r == 1)
			return (long)got;
		int e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_ZERO_RETURN)
			return 0;
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			wait_io(t->fd, e == SSL_ERROR_WANT_WRITE, -1);
			continue;
		}
		if (e == SSL_ERROR_SYSCALL) {
			int err = errno;
			ERR_clear_error();
			/* a close without close_notify: report it as a plain close */
			return err ? -err : 0;
		}
		ERR_clear_error();
		return WIRE_E_TLS;
	}
}

int wire_tls_write(struct wire_tls *t, const void *p, size_t n)
{
	const char *c = p;
	while (n > 0) {
		size_t w = 0;
		int r = SSL_write_ex(t->ssl, c, n, &w);
		if (r == 1) {
			c += w;
			n -= w;
			continue;
		}
		int e = SSL_get_error(t->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			wait_io(t->fd, e == SSL_ERROR_WANT_WRITE, -1);
			continue;
		}
		int err = errno;
		ERR_clear_error();
		return e == SSL_ERROR_SYSCALL && err ? -err : WIRE_E_TLS;
	}
	return 0;
}

int wire_tls_pending(struct wire_tls *t)
{
	return SSL_pending(t->ssl);
}

const char *wire_tls_describe(struct wire_tls *t, char *out, size_t n)
{
	snprintf(out, n, "%s / %s", SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
	return out;
}

const char *wire_tls_peer(struct wire_tls *t, char *out, size_t n)
{
	X509 *c = SSL_get1_peer_certificate(t->ssl);
	if (!c) {
		snprintf(out, n, "no certificate");
		return out;
	}
	char s[256], i[256];
	X509_NAME_oneline(X509_get_subject_name(c), s, sizeof(s));
	X509_NAME_oneline(X509_get_issuer_name(c), i, sizeof(i));
	snprintf(out, n, "subject: %s; issuer: %s", s, i);
	X509_free(c);
	return out;
}

void wire_tls_free(struct wire_tls *t)
{
	if (!t)
		return;
	SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	free(t);
}
