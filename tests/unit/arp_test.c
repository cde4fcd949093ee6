/* arp_test.c — the ARP decoder used for IPv4 address binding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "arp.h"

static size_t arp_frame(uint8_t *f, bool vlan, uint16_t op, uint32_t sip, uint32_t tip)
{
	static const uint8_t src[6] = { 0x00, 0x1b, 0xa9, 0x01, 0x02, 0x03 };
	size_t o = 0;
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	o = 12;
	if (vlan) {
		f[o++] = 0x81; f[o++] = 0; f[o++] = 0; f[o++] = 30;
	}
	f[o++] = 0x08; f[o++] = 0x06;
	uint8_t *a = f + o;
	a[0] = 0; a[1] = 1; a[2] = 0x08; a[3] = 0x00; a[4] = 6; a[5] = 4;
	a[6] = (uint8_t)(op >> 8); a[7] = (uint8_t)op;
	memcpy(a + 8, src, 6);
	a[14] = (uint8_t)(sip >> 24); a[15] = (uint8_t)(sip >> 16); a[16] = (uint8_t)(sip >> 8); a[17] = (uint8_t)sip;
	memset(a + 18, 0, 6);
	a[24] = (uint8_t)(tip >> 24); a[25] = (uint8_t)(tip >> 16); a[26] = (uint8_t)(tip >> 8); a[27] = (uint8_t)tip;
	return o + 28;
}

static void test_request(void **state)
{
	(void)state;
	uint8_t f[64];
	struct arp_msg a;
	size_t n = arp_frame(f, true, 1, 0x0a0a0117, 0x0a0a0001);
	assert_int_equal(arp_decode_frame(f, n, &a), 0);
	assert_int_equal(a.op, 1);
	assert_int_equal(a.vlan_tci, 30);
	assert_int_equal(a.sender_ip, 0x0a0a0117);
	assert_int_equal(a.target_ip, 0x0a0a0001);
	assert_memory_equal(a.sender_mac, a.eth_src, 6);

	n = arp_frame(f, false, 2, 0, 0x0a0a0117);   /* RFC 5227 probe-like */
	assert_int_equal(arp_decode_frame(f, n, &a), 0);
	assert_int_equal(a.sender_ip, 0);
}

static void test_refusals(void **state)
{
	(void)state;
	uint8_t f[64];
	struct arp_msg a;
	size_t n = arp_frame(f, false, 1, 1, 2);
	for (size_t cut = 0; cut < n; cut++)
		assert_true(arp_decode_frame(f, cut, &a) < 0);
	assert_int_equal(arp_decode_frame(f, 13, &a), -ARP_ERR_FRAME);
	assert_int_equal(arp_decode_frame(f, 20, &a), -ARP_ERR_SHORT);
	n = arp_frame(f, false, 3, 1, 2);
	assert_int_equal(arp_decode_frame(f, n, &a), -ARP_ERR_OP);
	n = arp_frame(f, false, 1, 1, 2);
	f[14 + 5] = 16;
	assert_int_equal(arp_decode_frame(f, n, &a), -ARP_ERR_FORMAT);
	f[12] = 0x08; f[13] = 0x00;
	assert_int_equal(arp_decode_frame(f, n, &a), -ARP_ERR_FRAME);
	assert_string_equal(arp_error_name(-ARP_ERR_SHORT), "short");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
