// HyperLogLog commands (Redis hyperloglog.c). A sketch is an ordinary string value in Redis's
// byte layout (types/hyperloglog.ts), so TYPE says "string" and GET/SET round-trip it, and the
// bytes after every command equal a real Redis's. Each command decodes the value, works on the
// copy and stores it back; all of them are deterministic, so each is journaled as sent. PFADD,
// PFCOUNT of one key and PFMERGE leave a "raw" string, as Redis's in-place edits do.

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { OK, type Reply } from "../engine/reply.ts";
import type { Entry } from "../engine/keyspace.ts";
import { HLL_REGISTERS, HyperLogLog, estimateRaw, isHyperLogLog } from "../types/hyperloglog.ts";
import { markEditedInPlace } from "./string.ts";

const group = "hyperloglog";

/** The sketch at key (undefined when missing); WRONGTYPE for other types and non-HLL strings. */
function readSketch(ctx: CommandContext, key: string): { sketch: HyperLogLog; entry: Entry } | undefined {
  const entry = ctx.keyspace.getTyped(key, "string");
  if (entry === undefined) return undefined;
  if (!isHyperLogLog(entry.value)) throw errors.notHyperLogLog();
  return { sketch: HyperLogLog.fromBinary(entry.value), entry };
}

/** Stores a sketch a command edited (or created): Redis edits a raw string in place. */
function storeSketch(ctx: CommandContext, key: string, sketch: HyperLogLog, expiresAtMs: number): void {
  markEditedInPlace(ctx.keyspace.set(key, "string", sketch.toBinary(), expiresAtMs));
}

/** A uint64 count as Redis replies it (addReplyLongLong: bit 63 makes it negative). */
function countReply(count: bigint): number | bigint {
  const signed = BigInt.asIntN(64, count);
  const n = Number(signed);
  return Number.isSafeInteger(n) ? n : signed;
}

// PFADD key [element [element ...]]
function pfaddCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const existing = readSketch(ctx, key);
  const sketch = existing?.sketch ?? HyperLogLog.empty();
  // Creating the key counts as a change even with no elements, as in Redis.
  let updated = existing === undefined ? 1 : 0;
  for (let i = 2; i < argv.length; i++) {
    const result = sketch.add(argv[i]!);
    if (result === -1) {
      // compat: a sparse body found corrupt halfway keeps the registers raised before it, as
      // Redis edits the string in place. Unlike Redis we journal that write: replaying the
      // same command on the same bytes redoes exactly it, error included.
      if (updated > 0) {
        storeSketch(ctx, key, sketch, existing?.entry.expiresAtMs ?? 0);
        ctx.dirty++;
      } else if (existing !== undefined) markEditedInPlace(existing.entry);
      throw errors.corruptHyperLogLog();
    }
    updated += result;
  }
  if (updated === 0) {
    // Redis made the value raw before it found that no register changes.
    markEditedInPlace(existing!.entry);
    return 0;
  }
  sketch.invalidateCache();
  storeSketch(ctx, key, sketch, existing?.entry.expiresAtMs ?? 0);
  ctx.dirty++;
  return 1;
}

// PFCOUNT key [key ...]
function pfcountCommand(ctx: CommandContext, argv: string[]): Reply {
  if (argv.length > 2) {
    // The union's count, computed on a scratch register array: no key is written.
    const registers = new Uint8Array(HLL_REGISTERS);
    for (let i = 1; i < argv.length; i++) {
      const found = readSketch(ctx, argv[i]!);
      if (found !== undefined && !found.sketch.mergeInto(registers)) throw errors.corruptHyperLogLog();
    }
    return countReply(estimateRaw(registers));
  }
  const key = argv[1]!;
  const found = readSketch(ctx, key);
  if (found === undefined) return 0;
  // Redis 7.0 unshares the value before it looks at the cached count, so even a cache hit leaves it raw.
  markEditedInPlace(found.entry);
  const cached = found.sketch.cachedCardinality();
  if (cached !== undefined) return countReply(cached);
  const count = found.sketch.count();
  if (count === undefined) throw errors.corruptHyperLogLog();
  // compat: like Redis, refreshing the cached count rewrites the value, so this read-only
  // command is journaled (as itself: replaying it writes the same bytes) whenever it does.
  found.sketch.storeCardinality(count);
  storeSketch(ctx, key, found.sketch, found.entry.expiresAtMs);
  ctx.dirty++;
  return countReply(count);
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
function pfmergeCommand(ctx: CommandContext, argv: string[]): Reply {
  const registers = new Uint8Array(HLL_REGISTERS);
  let anyDense = false;
  // The destination is a source too: its registers take part in the maximum.
  for (let i = 1; i < argv.length; i++) {
    const found = readSketch(ctx, argv[i]!);
    if (found === undefined) continue;
    if (found.sketch.isDense) anyDense = true;
    if (!found.sketch.mergeInto(registers)) throw errors.corruptHyperLogLog();
  }
  const key = argv[1]!;
  const destination = readSketch(ctx, key);
  const sketch = destination?.sketch ?? HyperLogLog.empty();
  // A dense input makes the result dense at once, as Redis does, rather than growing a sparse one.
  if (anyDense) sketch.toDense();
  // Registers go in one by one in index order, so a sparse result has Redis's exact opcodes.
  for (let index = 0; index < HLL_REGISTERS; index++) {
    if (registers[index] !== 0) sketch.setRegister(index, registers[index]!);
  }
  sketch.invalidateCache();
  storeSketch(ctx, key, sketch, destination?.entry.expiresAtMs ?? 0);
  ctx.dirty++;
  return OK;
}

export const hyperloglogCommands: CommandSpec[] = [
  { name: "pfadd", arity: -2, flags: ["write", "denyoom", "fast"], keys: { first: 1, last: 1, step: 1 }, group, summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", since: "2.8.9", run: pfaddCommand },
  { name: "pfcount", arity: -2, flags: ["readonly"], keys: { first: 1, last: -1, step: 1 }, group, summary: "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", since: "2.8.9", run: pfcountCommand },
  { name: "pfmerge", arity: -2, flags: ["write", "denyoom"], keys: { first: 1, last: -1, step: 1 }, group, summary: "Merges one or more HyperLogLog values into a single key.", since: "2.8.9", run: pfmergeCommand },
];
