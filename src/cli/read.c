/* SPDX-License-Identifier: BSD-2-Clause */
/* wirecat read: placeholder until the subcommand lands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_read(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("Usage: wirecat read [OPTIONS]\n");
		return 0;
	}
	cli_err("read: not implemented yet");
	return WIRE_EXIT_FAIL;
}
