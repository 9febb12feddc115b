/* SPDX-License-Identifier: BSD-2-Clause */
/* Texts for the core's error codes (include/wire/err.h). */
#include <string.h>

#include "wire/err.h"

const char *wire_strerror(int err)
{
	switch (err) {
	case WIRE_OK: return "Success";
	case WIRE_E_RESOLVE: return "Name does not resolve";
	case WIRE_E_MALFORMED: return "Malformed data";
	case WIRE_E_TOOBIG: return "Length over the limit";
	case WIRE_E_TRUNCATED: return "Input ended early";
	case WIRE_E_USAGE: return "Invalid argument";
	case WIRE_E_PRIV: return "Operation not permitted (missing privilege)";
	case WIRE_E_TIMEOUT: return "Timed out";
	case WIRE_E_TLS: return "TLS failure";
	case WIRE_E_CLOSED: return "Connection closed early";
	case WIRE_E_ICMP: return "ICMP error";
	case WIRE_E_INTERNAL: return "Internal error";
	default: break;
	}
	if (err < 0 && err > -4096)
		return strerror(-err);
	return "Unknown error";
}
