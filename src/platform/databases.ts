// The Redis databases a node hosts and the tokens that open them. A token picks a database and
// its access (read-write or read-only); no database id is in the URL (DESIGN §2).

import type { Database } from "../redis/engine/database.ts";

export interface Access {
  database: Database;
  readOnly: boolean;
}

export interface DatabaseTokens {
  token: string;
  readOnlyToken?: string;
}

// Verified tokens are remembered so the common case skips hashing; only a token that was already
// accepted can hit, so the cache reveals nothing a wrong guess could learn. Bounded, since a node
// has few tokens in use.
const VERIFIED_TOKENS_MAX = 256;

export class Databases {
  private readonly byToken = new Map<string, Access>();
  private readonly verified = new Map<string, Access>();
  private readonly list: Database[] = [];

  add(database: Database, tokens: DatabaseTokens): void {
    for (const [token, readOnly] of [
      [tokens.token, false],
      [tokens.readOnlyToken, true],
    ] as const) {
      if (token === undefined) continue;
      if (token.length < 16) throw new Error("database tokens must be at least 16 characters");
      const digest = tokenDigest(token);
      if (this.byToken.has(digest)) throw new Error("a token can open only one database");
      this.byToken.set(digest, { database, readOnly });
      this.verified.clear();
    }
    this.list.push(database);
  }

  all(): readonly Database[] {
    return this.list;
  }

  /**
   * The access a token grants, or undefined. Tokens are looked up by their SHA-256 digest, so
   * the timing of the lookup depends only on the digest and reveals nothing about the token.
   */
  authenticate(token: string): Access | undefined {
    const remembered = this.verified.get(token);
    if (remembered !== undefined) return remembered;
    const access = this.byToken.get(tokenDigest(token));
    if (access !== undefined) {
      if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.clear();
      this.verified.set(token, access);
    }
    return access;
  }
}

function tokenDigest(token: string): string {
  return Bun.CryptoHasher.hash("sha256", token, "base64");
}
