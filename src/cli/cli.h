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
int cmd_trace(int argc, char **argv);
int cmd_view(int argc, char **argv);
/* The page of `wirecat view --html` for the NDJSON in fd (trace --html) or
 * the capture file in (sniff --html), written to out. Return an exit status. */
int cli_view_ndjson_fd(int fd, const char *out, const char *title);
int cli_view_html(const char *in, const char *out);

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

/* The status a command returns when the reader of its output went away
 * (EPIPE, as under `| head`): main() then ends the process quietly by SIGPIPE,
 * as cat and tshark end (128 + 13 in the shell). */
#define CLI_EXIT_PIPE 141
/* At start-up, before anything opens a descriptor: opens each closed fd 0, 1
 * and 2 on /dev/null, so no socket can take its number and receive the
 * program's own output. Returns 0 or -errno (/dev/null did not open). */
int cli_std_fds(void);
/* For a command whose job is output: when stdout was closed at start-up,
 * prints "wirecat: CMD: standard output is closed ..." and returns 1. */
int cli_stdout_closed(const char *cmd);
/* The status for a failed write of the command's output: CLI_EXIT_PIPE with
 * no message for EPIPE; otherwise "wirecat: <what>: <error>" and
 * WIRE_EXIT_FAIL. */
int cli_output_failed(int err, const char *what, ...) __attribute__((format(printf, 2, 3)));
/* Ends the process with status: by SIGPIPE for CLI_EXIT_PIPE. */
int cli_exit(int status);

#endif
