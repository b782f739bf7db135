// Proves the destination allow/deny lists: host names, wildcard suffixes and CIDRs (IPv4, IPv6,
// IPv4-mapped), deny winning over allow, and bad rules refused.

import { describe, expect, test } from "bun:test";
import { DestinationPolicy, parseDestinationUrl } from "../../src/qstash/destinations.ts";

describe("DestinationPolicy", () => {
  test("allows everything by default", () => {
    expect(DestinationPolicy.allowAll().refusal("169.254.169.254", [])).toBeUndefined();
  });

  test("deny by CIDR checks literal and resolved addresses", () => {
    const policy = new DestinationPolicy({ allow: [], deny: ["10.0.0.0/8", "169.254.169.254", "fd00::/8"] });
    expect(policy.hasAddressRules).toBe(true);
    expect(policy.refusal("10.1.2.3", [])).toContain("not allowed");
    expect(policy.refusal("internal.test", ["10.9.9.9"])).toContain("not allowed");
    expect(policy.refusal("internal.test", ["::ffff:10.9.9.9"])).toContain("not allowed");
    expect(policy.refusal("[fd12::1]", [])).toContain("not allowed");
    expect(policy.refusal("169.254.169.254", [])).toContain("not allowed");
    expect(policy.refusal("example.com", ["93.184.216.34"])).toBeUndefined();
    expect(policy.refusal("[2001:db8::1]", [])).toBeUndefined();
  });

  test("an allow list admits only its hosts; deny wins", () => {
    const policy = new DestinationPolicy({ allow: ["*.example.com", "api.test", "127.0.0.0/8"], deny: ["bad.example.com"] });
    expect(policy.refusal("hooks.example.com", [])).toBeUndefined();
    expect(policy.refusal("API.TEST", [])).toBeUndefined();
    expect(policy.refusal("127.0.0.1", [])).toBeUndefined();
    expect(policy.refusal("bad.example.com", [])).toContain("not allowed");
    expect(policy.refusal("other.test", [])).toContain("allow list");
  });

  test.each(["10.0.0.0/33", "host/8", "", "bad host"])("refuses rule %p", (rule) => {
    expect(() => new DestinationPolicy({ allow: [], deny: [rule] })).toThrow();
  });
});

describe("parseDestinationUrl", () => {
  test("accepts absolute http(s) URLs only", () => {
    expect(parseDestinationUrl("https://x.test/a?b=1")).toBeInstanceOf(URL);
    expect(parseDestinationUrl("http:// space")).toContain("invalid destination url");
    expect(parseDestinationUrl("file:///etc/passwd")).toContain("scheme must be http or https");
  });
});
