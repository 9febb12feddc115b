/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * wirecat's entry point: the subcommand table, top-level --help/--version and
 * `wirecat help CMD`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "wire/version.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"connect", cmd_connect, "TCP/UDP client: stdin to a socket, the socket to stdout (like nc)"},
    {"listen", cmd_listen, "TCP/UDP server: accept, then relay like connect (like nc -l)"},
    {"echo", cmd_echo, "echo server for TCP and UDP on one port, thousands of clients"},
    {"sniff", cmd_sniff, "capture packets live with tcpdump filters (AF_PACKET)"},
    {"read", cmd_read, "decode a pcap or pcapng file"},
    {"http", cmd_http, "HTTP/1.1 client over the socket layer, with TLS"},
    {"trace", cmd_trace, "run a program: its socket calls and their packets on one timeline"},
    {"view", cmd_view, "a capture as a page: packet list, layer tree, bytes, ladder diagram"},
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: wirecat COMMAND [OPTIONS] [ARGS]\n"
	           "A networking toolkit for writing, learning and debugging socket programs.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
	        "\n"
	        "  wirecat COMMAND --help    options of one command (also: wirecat help COMMAND)\n"
	        "  wirecat --version         print the version\n\n"
	        "Exit status: 0 success, 1 runtime failure, 2 usage error,\n"
	        "3 malformed data from a peer or a file, 4 missing privilege.\n"
	        "A full disk on stdout is one line and status 1; when the reader of stdout\n"
	        "goes away (| head) every command ends quietly by SIGPIPE (141 in the shell).\n"
	        "A closed stdin, stdout or stderr is opened on /dev/null, never reused.\n"
	        "See wirecat(1) for the full manual.\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Runs the subcommand and ends the way its status says. */
static int run(const struct command *cmd, int argc, char **argv)
{
	return cli_exit(cmd->fn(argc, argv));
}

int main(int argc, char **argv)
{
	/* Before anything opens a descriptor: fds 0-2 are never a socket. */
	int rc = cli_std_fds();
	if (rc < 0) {
		cli_err("/dev/null: %s", wire_strerror(rc));
		return WIRE_EXIT_FAIL;
	}
	if (argc < 2) {
		usage(stderr);
		return WIRE_EXIT_USAGE;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
		printf("wirecat %s\n", WIRE_VERSION);
		return 0;
	}
	if (!strcmp(c, "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		const struct command *cmd = find(argv[2]);
		if (!cmd)
			return cli_usage_err(NULL, "unknown command '%s'", argv[2]);
		char *hargv[] = {argv[2], (char *)"--help", NULL};
		return run(cmd, 2, hargv);
	}
	const struct command *cmd = find(c);
	if (!cmd)
		return cli_usage_err(NULL, "unknown command '%s'", c);
	return run(cmd, argc - 1, argv + 1);
}
