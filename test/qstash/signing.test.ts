// Proves the Upstash-Signature JWT: the official Receiver accepts it under the current and the
// next key, checks the URL claim and body hash, and the claims are exactly those of spec §5.

import { describe, expect, test } from "bun:test";
import { Receiver } from "@upstash/qstash";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { bodyHash, generateSigningKeys, rotateSigningKeys, Signer } from "../../src/qstash/signing.ts";

const keys = { current: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r", next: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs" };
const url = "http://127.0.0.1:9/hook?x=1";
const body = new TextEncoder().encode('{"hello":"world"}');

describe("Signer", () => {
  test("makes an HS256 JWT with the exact claims", async () => {
    const nowMs = Date.now();
    const token = await new Signer(keys.current).sign(url, body, nowMs);
    expect(decodeProtectedHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
    const nowS = Math.floor(nowMs / 1000);
    const claims = decodeJwt(token);
    expect(claims).toEqual({ iss: "Upstash", sub: url, iat: nowS, nbf: nowS, exp: nowS + 300, jti: expect.stringMatching(/^jwt_/), body: bodyHash(body) });
  });

  test("the official Receiver accepts current-key and next-key signatures and checks url and body", async () => {
    const receiver = new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next });
    const text = new TextDecoder().decode(body);
    for (const key of [keys.current, keys.next]) {
      const signature = await new Signer(key).sign(url, body, Date.now());
      expect(await receiver.verify({ signature, body: text, url })).toBe(true);
    }
    const signature = await new Signer(keys.current).sign(url, body, Date.now());
    await expect(receiver.verify({ signature, body: text, url: "http://elsewhere/" })).rejects.toThrow("invalid subject");
    await expect(receiver.verify({ signature, body: text + " ", url })).rejects.toThrow("body hash does not match");
    const unknown = await new Signer("sig_unknownkeyxxxxxxxxxxxxxxx").sign(url, body, Date.now());
    await expect(receiver.verify({ signature: unknown, body: text, url })).rejects.toThrow();
  });

  test("an empty body verifies (GET deliveries)", async () => {
    const receiver = new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next });
    const signature = await new Signer(keys.current).sign(url, new Uint8Array(), Date.now());
    expect(await receiver.verify({ signature, body: "", url })).toBe(true);
  });
});

describe("rotation", () => {
  test("next becomes current and a fresh next is drawn, so holders of the old pair still verify", async () => {
    const rotated = rotateSigningKeys(keys);
    expect(rotated.current).toBe(keys.next);
    expect(rotated.next).toMatch(/^sig_[1-9A-HJ-NP-Za-km-z]{28}$/);
    const oldReceiver = new Receiver({ currentSigningKey: keys.current, nextSigningKey: keys.next });
    const signature = await new Signer(rotated.current).sign(url, body, Date.now());
    expect(await oldReceiver.verify({ signature, body: new TextDecoder().decode(body), url })).toBe(true);
    const fresh = generateSigningKeys();
    expect(fresh.current).not.toBe(fresh.next);
  });
});
