/* SPDX-License-Identifier: BSD-2-Clause */
/* wirecat listen: placeholder until the subcommand lands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_listen(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("Usage: wirecat listen [OPTIONS]\n");
		return 0;
	}
	cli_err("listen: not implemented yet");
	return WIRE_EXIT_FAIL;
}
