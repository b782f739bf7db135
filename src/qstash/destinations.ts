// Which destinations messages may go to: URL checks at publish, and the operator's allow/deny
// lists by host name (`example.com`, `*.example.com`) or address (`10.0.0.0/8`, `::1`). The
// default allows everything, as QStash does; a self-hoster exposing the API to untrusted
// publishers should deny internal ranges (SSRF), which the delivery worker also checks against
// the addresses a host name resolves to. Deny wins over allow; a non-empty allow list admits
// nothing else.

import { isIP } from "node:net";

export interface DestinationRules {
  allow: string[];
  deny: string[];
}

interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefixBits: number;
}

type Rule = { kind: "host"; host: string } | { kind: "suffix"; suffix: string } | { kind: "cidr"; cidr: Cidr };

export class DestinationRuleError extends Error {}

export class DestinationPolicy {
  private readonly allow: Rule[];
  private readonly deny: Rule[];
  /** Address rules need the resolved addresses of host names, which costs a DNS lookup. */
  readonly hasAddressRules: boolean;

  constructor(readonly rules: DestinationRules) {
    this.allow = rules.allow.map(parseRule);
    this.deny = rules.deny.map(parseRule);
    this.hasAddressRules = [...this.allow, ...this.deny].some((rule) => rule.kind === "cidr");
  }

  static allowAll(): DestinationPolicy {
    return new DestinationPolicy({ allow: [], deny: [] });
  }

  /**
   * Undefined when a request to `host` (whose known addresses are `addresses`: the literal IP, or
   * what DNS returned) may go out; else the reason it may not.
   */
  refusal(host: string, addresses: readonly string[]): string | undefined {
    const name = stripBrackets(host).toLowerCase();
    const literal = isIP(name) !== 0 ? [name] : [];
    const all = [...literal, ...addresses];
    const matches = (rule: Rule) =>
      rule.kind === "host" ? rule.host === name : rule.kind === "suffix" ? name.endsWith(rule.suffix) : all.some((address) => inCidr(address, rule.cidr));
    if (this.deny.some(matches)) return `destination ${name} is not allowed on this server`;
    if (this.allow.length > 0 && !this.allow.some(matches)) return `destination ${name} is not in this server's allow list`;
    return undefined;
  }
}

/** The URL of a destination, or an error text; only absolute http(s) URLs with a host pass. */
export function parseDestinationUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `invalid destination url: ${text}`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `invalid destination url: ${text}: scheme must be http or https`;
  if (url.hostname === "") return `invalid destination url: ${text}: no host`;
  return url;
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function parseRule(text: string): Rule {
  const rule = text.trim().toLowerCase();
  if (rule === "") throw new DestinationRuleError("empty destination rule");
  const slash = rule.indexOf("/");
  const address = slash === -1 ? rule : rule.slice(0, slash);
  const family = isIP(address);
  if (family !== 0) {
    const bits = family === 4 ? 32 : 128;
    const prefixBits = slash === -1 ? bits : Number(rule.slice(slash + 1));
    if (!Number.isInteger(prefixBits) || prefixBits < 0 || prefixBits > bits) throw new DestinationRuleError(`invalid CIDR ${text}`);
    const value = addressValue(address)!;
    return { kind: "cidr", cidr: { family: family as 4 | 6, network: maskOf(value, bits, prefixBits), prefixBits } };
  }
  if (slash !== -1) throw new DestinationRuleError(`invalid CIDR ${text}`);
  if (rule.startsWith("*.")) return { kind: "suffix", suffix: rule.slice(1) };
  if (!/^[a-z0-9.-]+$/.test(rule)) throw new DestinationRuleError(`invalid host rule ${text}`);
  return { kind: "host", host: rule };
}

function maskOf(value: bigint, bits: number, prefixBits: number): bigint {
  const hostBits = BigInt(bits - prefixBits);
  return (value >> hostBits) << hostBits;
}

function inCidr(address: string, cidr: Cidr): boolean {
  let plain = stripBrackets(address);
  let family = isIP(plain);
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is checked as the IPv4 address it carries.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain);
  if (mapped !== null && cidr.family === 4) {
    plain = mapped[1]!;
    family = 4;
  }
  if (family !== cidr.family) return false;
  const value = addressValue(plain);
  if (value === undefined) return false;
  return maskOf(value, family === 4 ? 32 : 128, cidr.prefixBits) === cidr.network;
}

function addressValue(address: string): bigint | undefined {
  if (isIP(address) === 4) return address.split(".").reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n);
  if (isIP(address) !== 6) return undefined;
  let text = address.split("%")[0]!;
  // A trailing dotted IPv4 part becomes two hex groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v4 = addressValue(dotted[1]!)!;
    text = text.slice(0, -dotted[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head === "" ? [] : head!.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill("0"), ...tailGroups];
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}
