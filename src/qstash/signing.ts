// The `Upstash-Signature` of every delivery (spec/qstash.md §5): an HS256 JWT made with `jose`,
// claims iss "Upstash", sub = this request's URL, iat = nbf = now, exp = now + 300 s, a unique
// jti and body = base64url(SHA-256(body)). The HMAC secret is the UTF-8 bytes of the `sig_...`
// string itself. Signing uses the current key; rotation makes next current and draws a new next,
// so receivers that hold both keep verifying. Called by the delivery workers.

import { SignJWT } from "jose";

export interface SigningKeys {
  current: string;
  next: string;
}

const JWT_LIFETIME_S = 300;
const KEY_RANDOM_CHARS = 28;
// Base58 (no 0, O, I, l): the look of the official keys and ids.
const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Random base58 characters from the system CSPRNG: ids and keys must not be guessable. */
export function randomBase58(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // 256 % 58 skews a few characters slightly; irrelevant for identifiers, and keys draw 28 chars.
  for (const byte of bytes) out += BASE58[byte % 58];
  return out;
}

/**
 * A time-ordered random id (`msg_...`): 8 base58 characters of the time in ms, then random ones.
 * Ids made later sort later, so the store's id indexes grow at their end instead of at random
 * pages, which keeps each commit small.
 */
export function timeOrderedId(prefix: string, nowMs: number, randomChars: number): string {
  let time = "";
  for (let value = Math.max(0, Math.floor(nowMs)), i = 0; i < 8; i++, value = Math.floor(value / 58)) time = BASE58[value % 58] + time;
  return `${prefix}${time}${randomBase58(randomChars)}`;
}

export function generateSigningKey(): string {
  return `sig_${randomBase58(KEY_RANDOM_CHARS)}`;
}

export function generateSigningKeys(): SigningKeys {
  return { current: generateSigningKey(), next: generateSigningKey() };
}

/** `POST /v2/keys/rotate`: next becomes current, and a fresh next is drawn. */
export function rotateSigningKeys(keys: SigningKeys): SigningKeys {
  return { current: keys.next, next: generateSigningKey() };
}

/** SHA-256 of the body, base64url with Go's `=` padding (the Receiver ignores padding). */
export function bodyHash(body: Uint8Array): string {
  const digest = new Bun.CryptoHasher("sha256").update(body).digest();
  return Buffer.from(digest).toString("base64url") + "=";
}

/** Signs requests with one key; the imported HMAC key is reused across signatures. */
export class Signer {
  private readonly key: Promise<CryptoKey>;
  constructor(readonly signingKey: string) {
    this.key = crypto.subtle.importKey("raw", new TextEncoder().encode(signingKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  async sign(url: string, body: Uint8Array, nowMs: number): Promise<string> {
    const nowS = Math.floor(nowMs / 1000);
    return new SignJWT({ body: bodyHash(body) })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("Upstash")
      .setSubject(url)
      .setIssuedAt(nowS)
      // Never ahead of now: the Receiver applies no clock tolerance by default.
      .setNotBefore(nowS)
      .setExpirationTime(nowS + JWT_LIFETIME_S)
      .setJti(`jwt_${randomBase58(22)}`)
      .sign(await this.key);
  }
}
