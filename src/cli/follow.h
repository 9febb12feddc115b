/* SPDX-License-Identifier: BSD-2-Clause */
/* read --follow: one TCP stream's bytes, reassembled (src/cli/follow.c). */
#ifndef WIRE_CLI_FOLLOW_H
#define WIRE_CLI_FOLLOW_H

#include "wire/packet.h"
#include "wire/sink.h"

struct follow;

/* The --help lines of --follow, --follow-as and --direction. */
extern const char follow_help[];

/* Parses --follow STREAM, --follow-as (NULL: raw) and --direction (NULL:
 * both) for cmd. Returns a follower, or NULL after printing a usage error
 * (*status = 2) or an error (*status = 1). */
struct follow *follow_new(const char *stream, const char *as, const char *dir, const char *cmd,
                          int *status);
/* --follow-dir DIR (NULL: none): checked against --follow all, created if
 * missing. Returns 0, or an exit status after printing why. */
int follow_set_dir(struct follow *f, const char *dir);
/* Sets where the bytes go (before the first packet). */
void follow_output(struct follow *f, struct wire_sink *out);
/* Feeds one packet (anything but TCP is ignored). */
void follow_packet(struct follow *f, const struct wire_pkt *pkt);
/* Ends the stream (gaps at the end, missing bytes said on stderr), frees f
 * (NULL: nothing). Returns the sink's error (negative), WIRE_EXIT_MALFORMED
 * if bytes of what was followed are missing or were left out, or 0. */
int follow_finish(struct follow *f);

#endif
