/* SPDX-License-Identifier: BSD-2-Clause */
/* The bounded reader: values, sticky errors, sub-readers, at every length. */
#include <stdint.h>

#include "t.h"
#include "wire/rd.h"

int main(void)
{
	static const uint8_t v[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
	struct wire_rd r = wire_rd_init(v, sizeof(v));
	CHECK_INT(wire_rd_u8(&r), 1);
	CHECK_INT(wire_rd_be16(&r), 0x0203);
	CHECK_INT(wire_rd_be32(&r), 0x04050607);
	CHECK_INT(wire_rd_left(&r), 2);
	CHECK_INT(wire_rd_be32(&r), 0); /* short: sticky error */
	CHECK_INT(r.err, 1);
	CHECK_INT(wire_rd_u8(&r), 0);
	CHECK_INT(wire_rd_left(&r), 0);

	r = wire_rd_init(v, sizeof(v));
	CHECK_INT(wire_rd_le16(&r), 0x0201);
	CHECK_INT(wire_rd_le32(&r), 0x06050403);
	CHECK_INT(wire_rd_be24(&r), 0x070809);
	CHECK_INT(r.err, 0);

	/* sub-readers narrow the view and move the parent */
	r = wire_rd_init(v, sizeof(v));
	struct wire_rd s = wire_rd_sub(&r, 4);
	CHECK_INT(wire_rd_left(&s), 4);
	CHECK_INT(wire_rd_left(&r), 5);
	s = wire_rd_sub(&r, 6);
	CHECK_INT(s.err, 1);
	CHECK_INT(r.err, 1);
	r = wire_rd_init(v, sizeof(v));
	s = wire_rd_sub_upto(&r, 100);
	CHECK_INT(wire_rd_left(&s), 9);
	CHECK_INT(r.err, 0);
	CHECK_INT(wire_rd_left(&r), 0);

	/* every length: reading 8 bytes succeeds only when 8 are there */
	for (size_t n = 0; n <= sizeof(v); n++) {
		r = wire_rd_init(v, n);
		uint64_t x = wire_rd_be64(&r);
		CHECK_INT(r.err, n < 8);
		if (n >= 8)
			CHECK(x == 0x0102030405060708ull);
		r = wire_rd_init(v, n);
		CHECK_INT(wire_rd_take(&r, n) != NULL, 1);
		CHECK_INT(wire_rd_take(&r, 1) == NULL, 1);
	}
	uint8_t dst[4] = {9, 9, 9, 9};
	r = wire_rd_init(v, 2);
	CHECK_INT(wire_rd_copy(&r, dst, 4), 0);
	CHECK_INT(dst[0], 0);
	return T_END();
}
