/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The command-line front end's shared pieces: the subcommand entry points,
 * diagnostics on stderr ("wirecat: ..." on one line), and the one place where
 * core error codes become exit statuses.
 */
#ifndef WIRE_CLI_H
#define WIRE_CLI_H

#include <stdint.h>

#include "wire/err.h"

/* Subcommands: each returns the process exit status. */
int cmd_connect(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_sniff(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_http(int argc, char **argv);

/* Prints "wirecat: <message>\n" on stderr in one write. */
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "wirecat: <message>\n" on stderr, then "Try 'wirecat CMD --help'.";
 * returns WIRE_EXIT_USAGE. */
int cli_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with the command named first: "wirecat: CMD: <message>", as every
 * subcommand's usage errors read. Returns WIRE_EXIT_USAGE. */
int cli_cmd_usage_err(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "wirecat: <message>" on stderr when verbose is set (a -v line). */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Returns the exit status for a core error code (0 -> 0). */
int cli_exit_code(int err);
/* Parses seconds ("5", "0.5"); returns 0 or WIRE_E_USAGE. */
int cli_parse_secs(const char *s, double *out);
/* Parses a non-negative integer with an optional k/M/G suffix (powers of 1024)
 * up to max; returns 0 or WIRE_E_USAGE. */
int cli_parse_size(const char *s, uint64_t max, uint64_t *out);
/* Returns 1 when fd is a terminal. */
int cli_isatty(int fd);
/* Sets SIGPIPE to ignored (every command writes to sockets). */
void cli_ignore_sigpipe(void);

#endif
