/* devices_test.c — the life of a device through devices.c, with a real
 * store and event log but no loop and no fast path: learned, decided,
 * explained, overridden, expired, re-decided after a policy change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "devices.h"
#include "events.h"
#include "mac.h"
#include "store.h"

struct fixture {
	char dir[64];
	struct conf *conf;
	struct store *store;
	struct events *events;
	struct devices *devices;
};

static const char *CONF_TEXT =
	"menjind = { syslog_socket = \"\"; event_log = \"\"; };\n"
	"roles = ( { name = \"staff\"; id = 10; }, { name = \"printers\"; id = 20; } );\n"
	"policy = ( { name = \"printers\"; match = { hostname = \"PRN-*\"; }; verdict = \"admit\"; role = \"printers\";"
	"             reason = \"printer {hostname}\"; } );\n";

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512], path[128];
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/devices_test_XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/menjin.db", fx->dir);
	if (conf_load_string(CONF_TEXT, "test.conf", &fx->conf, err, sizeof(err)) < 0 ||
	    store_open(path, &fx->store, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fx->events = events_new(NULL, fx->store, fx->conf);
	fx->devices = devices_new(NULL, fx->store, fx->events, fx->conf);
	*state = fx;
	return fx->events && fx->devices ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	devices_free(fx->devices);
	events_free(fx->events);
	store_close(fx->store);
	conf_free(fx->conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

struct count_ctx {
	unsigned n;
	char kinds[32][24];
};

static int count_event(void *arg, int64_t id, int64_t ts_ms, const char *kind, const char *mac, const char *json)
{
	struct count_ctx *c = arg;
	(void)id;
	(void)ts_ms;
	(void)mac;
	(void)json;
	if (c->n < 32)
		snprintf(c->kinds[c->n], sizeof(c->kinds[0]), "%s", kind);
	c->n++;
	return 0;
}

static void events_are(struct fixture *fx, int64_t since, const char *const *kinds, unsigned n)
{
	struct count_ctx c = { 0 };
	assert_int_equal(store_event_foreach(fx->store, since, 100, count_event, &c), 0);
	assert_int_equal(c.n, n);
	for (unsigned i = 0; i < n; i++)
		assert_string_equal(c.kinds[i], kinds[i]);
}

static void test_new_device_is_quarantined(void **state)
{
	struct fixture *fx = *state;
	struct device_obs obs = { .located = true, .port = 0, .vlan = 20, .source = "arp", .ipv4 = 0x0a0a010b };
	struct store_device dev;

	assert_int_equal(mac_parse("02:00:0a:0a:01:0b", obs.mac), 0);
	assert_int_equal(devices_observe(fx->devices, &obs), 0);
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_QUARANTINE);
	assert_string_equal(dev.rule, "default");
	assert_int_equal(dev.ipv4, 0x0a0a010b);
	assert_int_equal(dev.vlan, 20);
	static const char *const kinds[] = { "device.new", "verdict" };
	events_are(fx, 0, kinds, 2);

	/* seeing it again changes nothing and says nothing */
	assert_int_equal(devices_observe(fx->devices, &obs), 0);
	events_are(fx, 0, kinds, 2);
	uint8_t mac[6];
	assert_int_equal(store_device_find_ip(fx->store, "10.10.1.11", mac), 0);
}

static void test_dhcp_facts_decide(void **state)
{
	struct fixture *fx = *state;
	struct device_obs obs = { .located = true, .source = "dhcp", .hostname = "PRN-2F",
				  .vendor_class = "HP LaserJet", .fingerprint = "1,3,6" };
	struct store_device dev;

	assert_int_equal(mac_parse("3c:2a:f4:00:00:01", obs.mac), 0);
	/* first an anonymous frame: quarantined */
	struct device_obs anon = { .located = true, .source = "new-mac" };
	memcpy(anon.mac, obs.mac, 6);
	assert_int_equal(devices_observe(fx->devices, &anon), 0);
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_QUARANTINE);
	/* then its DHCP request names it: the facts changed, decided again */
	assert_int_equal(devices_observe(fx->devices, &obs), 0);
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_ADMIT);
	assert_int_equal(dev.role_id, 20);
	assert_string_equal(dev.rule, "printers");
	assert_string_equal(dev.reason, "printer PRN-2F");
	assert_string_equal(dev.why, "hostname 'PRN-2F' matches 'PRN-*'");
	assert_string_equal(dev.vendor_class, "HP LaserJet");
	assert_string_equal(dev.fingerprint, "1,3,6");

	/* an ACK from the server's side binds the address, not the port */
	struct device_obs ack = { .located = false, .port = 1, .source = "dhcp", .ipv4 = 0x0a0a0114, .lease = 3600 };
	memcpy(ack.mac, obs.mac, 6);
	assert_int_equal(devices_observe(fx->devices, &ack), 0);
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_int_equal(dev.ipv4, 0x0a0a0114);
	assert_int_equal(dev.port, 0);
}

static void test_override_lifecycle(void **state)
{
	struct fixture *fx = *state;
	struct store_device dev;
	char err[256];
	struct override_req req = { .state = VERDICT_ADMIT, .role = "staff", .duration = 3600,
				    .reason = "ticket 4711", .uid = 1001, .user = "alice" };

	assert_int_equal(mac_parse("02:00:0a:0a:01:0c", req.mac), 0);
	/* a device not seen yet may be decided in advance */
	assert_int_equal(devices_override_set(fx->devices, &req, err, sizeof(err)), 0);
	assert_int_equal(store_device_get(fx->store, req.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_ADMIT);
	assert_int_equal(dev.role_id, 10);
	assert_string_equal(dev.rule, "override");
	assert_string_equal(dev.reason, "ticket 4711");
	assert_true(dev.expires > 0);
	int64_t when;
	assert_int_equal(store_next_expiry(fx->store, &when), 0);
	assert_int_equal(when, dev.expires);

	/* refusals name the problem */
	struct override_req bad = req;
	bad.role = "staf";
	assert_int_equal(devices_override_set(fx->devices, &bad, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown role 'staf'");
	bad = req;
	bad.reason = "";
	assert_int_equal(devices_override_set(fx->devices, &bad, err, sizeof(err)), -EINVAL);
	bad = req;
	bad.state = VERDICT_BLOCK;
	assert_int_equal(devices_override_set(fx->devices, &bad, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "a role only applies to admit");
	bad.role = NULL;
	assert_int_equal(devices_override_set(fx->devices, &bad, err, sizeof(err)), 0);
	assert_int_equal(store_device_get(fx->store, req.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_BLOCK);

	/* cleared: the policy decides again */
	assert_int_equal(devices_override_clear(fx->devices, req.mac, 0, "root", err, sizeof(err)), 0);
	assert_int_equal(store_device_get(fx->store, req.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_QUARANTINE);
	assert_string_equal(dev.rule, "default");
	assert_int_equal(dev.expires, 0);
	assert_int_equal(devices_override_clear(fx->devices, req.mac, 0, "root", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "no override for this device");

	static const char *const kinds[] = { "override.set", "verdict", "override.set", "verdict",
					     "override.clear", "verdict" };
	events_are(fx, 0, kinds, 6);
}

static void test_expired_override(void **state)
{
	struct fixture *fx = *state;
	struct store_override o = { .state = VERDICT_ADMIT, .role_id = 10, .created = 1, .expires = 2 };
	struct store_device dev;
	snprintf(o.role, sizeof(o.role), "staff");
	snprintf(o.reason, sizeof(o.reason), "long ago");
	assert_int_equal(mac_parse("02:00:0a:0a:01:0d", o.mac), 0);
	struct device_obs obs = { .located = true, .source = "arp" };
	memcpy(obs.mac, o.mac, 6);
	/* an override that ran out while menjind was stopped does not count */
	assert_int_equal(devices_observe(fx->devices, &obs), 0);
	assert_int_equal(store_override_put(fx->store, &o), 0);
	assert_int_equal(devices_reevaluate(fx->devices, o.mac, "test"), 0);
	assert_int_equal(store_device_get(fx->store, o.mac, &dev), 0);
	assert_int_equal(dev.state, VERDICT_QUARANTINE);
	assert_int_equal(dev.expires, 0);
}

static void test_reevaluate_all(void **state)
{
	struct fixture *fx = *state;
	struct conf *next;
	char err[512];
	unsigned changed;
	struct device_obs obs = { .located = true, .source = "dhcp", .hostname = "PC-1" };

	assert_int_equal(mac_parse("02:00:0a:0a:01:0e", obs.mac), 0);
	assert_int_equal(devices_observe(fx->devices, &obs), 0);
	obs.mac[5] = 0x0f;
	obs.hostname = "PRN-9";
	assert_int_equal(devices_observe(fx->devices, &obs), 0);

	assert_int_equal(conf_load_string("menjind = { syslog_socket = \"\"; event_log = \"\"; };\n"
					  "roles = ( { name = \"staff\"; id = 10; } );\n"
					  "policy = ( { name = \"pcs\"; match = { hostname = \"PC-*\"; };"
					  " verdict = \"admit\"; role = \"staff\"; } );",
					  "next.conf", &next, err, sizeof(err)), 0);
	devices_set_conf(fx->devices, next);
	assert_int_equal(devices_reevaluate_all(fx->devices, "reload", &changed), 0);
	assert_int_equal(changed, 2);
	struct store_device dev;
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_string_equal(dev.rule, "default");
	obs.mac[5] = 0x0e;
	assert_int_equal(store_device_get(fx->store, obs.mac, &dev), 0);
	assert_string_equal(dev.rule, "pcs");
	assert_int_equal(dev.role_id, 10);

	/* the fast path view: decided devices only, in MAC order */
	devices_set_conf(fx->devices, fx->conf);
	conf_free(next);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_device_is_quarantined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_facts_decide, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reevaluate_all, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
