// Redis's glob matcher (util.c stringmatchlen) for KEYS, SCAN MATCH and the *SCAN family:
// `*`, `?`, `[abc]`, `[^a-z]`, `\x` escapes, over binary strings. A port rather than a RegExp,
// so malformed patterns behave exactly as in Redis. Note Redis's quirk: "*" does not match the
// empty string here; KEYS and SCAN skip matching altogether when the pattern is exactly "*".

export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  return matchFrom(pattern, 0, subject, 0, nocase, 0);
}

const lower = (code: number) => (code >= 65 && code <= 90 ? code + 32 : code);

// compat: Redis compares bracket ranges as C `char`, signed on x86 and arm64 Linux builds, so
// bytes from 0x80 sort below 0x00: "[a-\xff]" means -1..97 and does not match "k".
const signedByte = (code: number) => (code >= 128 ? code - 256 : code);

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, depth: number): boolean {
  // Redis caps recursion to protect against patterns like "*a*a*a*..."
  if (depth > 1000) return false;
  while (pi < p.length && si < s.length) {
    const ch = p.charCodeAt(pi);
    switch (ch) {
      case 42: {
        // '*': collapse runs, then try every suffix
        while (pi + 1 < p.length && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === p.length) return true;
        for (let k = si; k < s.length; k++) if (matchFrom(p, pi + 1, s, k, nocase, depth + 1)) return true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: {
        // '['
        pi++;
        const negate = p.charCodeAt(pi) === 94;
        if (negate) pi++;
        let matched = false;
        const sc = signedByte(nocase ? lower(s.charCodeAt(si)) : s.charCodeAt(si));
        for (;;) {
          if (pi >= p.length) {
            pi--;
            break;
          }
          const c = p.charCodeAt(pi);
          if (c === 92 && pi + 1 < p.length) {
            // an escaped character compares case-sensitively even in nocase mode, as in Redis
            pi++;
            if (p.charCodeAt(pi) === s.charCodeAt(si)) matched = true;
          } else if (c === 93) {
            break;
          } else if (pi + 2 < p.length && p.charCodeAt(pi + 1) === 45) {
            let start = signedByte(p.charCodeAt(pi));
            let end = signedByte(p.charCodeAt(pi + 2));
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            if (sc >= start && sc <= end) matched = true;
          } else if (signedByte(nocase ? lower(c) : c) === sc) {
            matched = true;
          }
          pi++;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        si++;
        break;
      }
      default: {
        // '\\' escapes the next character, which then compares literally
        if (ch === 92 && pi + 1 < p.length) pi++;
        const a = p.charCodeAt(pi);
        const b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
      }
    }
    pi++;
    if (si === s.length) {
      while (pi < p.length && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === p.length && si === s.length;
}
