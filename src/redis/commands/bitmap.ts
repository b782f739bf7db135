// Bitmap commands (Redis bitops.c) on string values: bit 0 is the most significant bit of the
// first byte, a string reads as zero-padded to the right, and no offset may address a byte past
// Redis's 512 MB proto-max-bulk-len. Reads index the binary string directly; a write patches the
// bytes it touches (SETBIT) or works on one byte array and converts it back once (BITFIELD,
// BITOP). Every command is deterministic, so each is journaled as sent. Checks run in Redis
// 7.4–8.2's order: arguments first, then the key's type (7.0's BITCOUNT and BITPOS looked up
// the key first).

import type { CommandContext, CommandSpec } from "../engine/command.ts";
import { errors } from "../engine/errors.ts";
import { int64OrThrow, parseInt64 } from "../engine/args.ts";
import type { Reply } from "../engine/reply.ts";
import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { markEditedInPlace } from "./string.ts";

const group = "bitmap";
const oneKey = { first: 1, last: 1, step: 1 };

/** Redis's default proto-max-bulk-len: a bit offset must address a byte below it. */
const STRING_BYTES_MAX = 512 * 1024 * 1024;

/**
 * An option word as C's strcasecmp sees it: lower-cased and cut at the first NUL byte, so
 * "bit\0x" is BIT exactly as in Redis.
 */
function cWord(argument: string): string {
  const nul = argument.indexOf("\0");
  return (nul === -1 ? argument : argument.slice(0, nul)).toLowerCase();
}

/** The string at key, or undefined; WRONGTYPE for other types. */
function readString(ctx: CommandContext, key: string): string | undefined {
  return ctx.keyspace.getTyped(key, "string")?.value;
}

/** An int64 as an integer reply: a JS number when exact, else a bigint. */
function integerReply(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

/**
 * Redis getBitOffsetFromArgument. With `bits` (BITFIELD), "#n" means n × bits, multiplied in
 * int64 arithmetic that wraps as Redis's does, so a huge "#n" fails as a negative offset.
 */
function parseBitOffset(text: string, bits = 0): number {
  const useHash = bits > 0 && text.charAt(0) === "#";
  let offset = parseInt64(useHash ? text.slice(1) : text);
  if (offset === null) throw errors.bitOffsetOutOfRange();
  if (useHash) offset = BigInt.asIntN(64, offset * BigInt(bits));
  if (offset < 0n || offset >> 3n >= BigInt(STRING_BYTES_MAX)) throw errors.bitOffsetOutOfRange();
  return Number(offset);
}

const byteAt = (value: string, index: number) => (index < value.length ? value.charCodeAt(index) : 0);

// SETBIT key offset value
function setbitCommand(ctx: CommandContext, argv: string[]): Reply {
  const key = argv[1]!;
  const offset = parseBitOffset(argv[2]!);
  const on = parseInt64(argv[3]!);
  if (on === null || (on !== 0n && on !== 1n)) throw errors.bitNotInteger();
  const entry = ctx.keyspace.getTyped(key, "string");
  const old: string = entry?.value ?? "";
  const byteIndex = Math.floor(offset / 8);
  const shift = 7 - (offset % 8);
  const oldByte = byteAt(old, byteIndex);
  const oldBit = (oldByte >> shift) & 1;
  const grows = entry === undefined || byteIndex >= old.length;
  // Creating or growing the string is a change even when the bit already has the value.
  if (grows || oldBit !== Number(on)) {
    const newByte = on === 1n ? oldByte | (1 << shift) : oldByte & ~(1 << shift);
    const head = byteIndex < old.length ? old.slice(0, byteIndex) : old + "\0".repeat(byteIndex - old.length);
    markEditedInPlace(ctx.keyspace.set(key, "string", head + String.fromCharCode(newByte) + old.slice(byteIndex + 1), entry?.expiresAtMs ?? 0));
    ctx.dirty++;
  } else markEditedInPlace(entry);
  return oldBit;
}

// GETBIT key offset
function getbitCommand(ctx: CommandContext, argv: string[]): Reply {
  const offset = parseBitOffset(argv[2]!);
  const value = readString(ctx, argv[1]!);
  if (value === undefined) return 0;
  return (byteAt(value, Math.floor(offset / 8)) >> (7 - (offset % 8))) & 1;
}

const bitsInByte = Uint8Array.from({ length: 256 }, (_, byte) => {
  let count = 0;
  for (let rest = byte; rest !== 0; rest >>= 1) count += rest & 1;
  return count;
});

function popcount(value: string, startByte: number, endByte: number): number {
  let count = 0;
  for (let i = startByte; i <= endByte; i++) count += bitsInByte[value.charCodeAt(i)]!;
  return count;
}

/** BIT or BYTE as the unit of a range; anything else is a syntax error. */
function parseRangeUnit(argument: string): boolean {
  const word = cWord(argument);
  if (word === "bit") return true;
  if (word === "byte") return false;
  throw errors.syntax();
}

/** A clamped inclusive range over the string, converted to bytes plus edge masks in BIT mode. */
interface ByteRange {
  start: number;
  end: number;
  /** Bits of the first / last byte outside the range (BIT mode), 0 when none. */
  firstMask: number;
  lastMask: number;
}

/**
 * Redis's index arithmetic shared by BITCOUNT and BITPOS: negative indexes count from the end,
 * both ends are clamped into the string, and in BIT mode the ends become bytes and masks.
 * An empty range comes back with start > end.
 */
function clampRange(length: number, startIndex: bigint, endIndex: bigint, isBit: boolean): ByteRange {
  const total = BigInt(isBit ? length * 8 : length);
  let start = startIndex < 0n ? total + startIndex : startIndex;
  let end = endIndex < 0n ? total + endIndex : endIndex;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  if (start > end) return { start: 1, end: 0, firstMask: 0, lastMask: 0 };
  if (!isBit) return { start: Number(start), end: Number(end), firstMask: 0, lastMask: 0 };
  const startBit = Number(start);
  const endBit = Number(end);
  return {
    start: Math.floor(startBit / 8),
    end: Math.floor(endBit / 8),
    firstMask: ~((1 << (8 - (startBit % 8))) - 1) & 0xff,
    lastMask: (1 << (7 - (endBit % 8))) - 1,
  };
}

// BITCOUNT key [start end [BYTE | BIT]]
function bitcountCommand(ctx: CommandContext, argv: string[]): Reply {
  let value: string | undefined;
  let range: ByteRange;
  if (argv.length === 4 || argv.length === 5) {
    const start = int64OrThrow(argv[2]!);
    const end = int64OrThrow(argv[3]!);
    const isBit = argv.length === 5 && parseRangeUnit(argv[4]!);
    value = readString(ctx, argv[1]!);
    // compat: two negative indexes in the wrong order are empty before any clamping.
    if (start < 0n && end < 0n && start > end) return 0;
    range = clampRange(value?.length ?? 0, start, end, isBit);
  } else if (argv.length === 2) {
    value = readString(ctx, argv[1]!);
    range = { start: 0, end: (value?.length ?? 0) - 1, firstMask: 0, lastMask: 0 };
  } else throw errors.syntax();
  if (value === undefined || range.start > range.end) return 0;
  let count = popcount(value, range.start, range.end);
  // The edge bytes were counted whole: take back the bits outside the range.
  count -= bitsInByte[value.charCodeAt(range.start) & range.firstMask]!;
  count -= bitsInByte[value.charCodeAt(range.end) & range.lastMask]!;
  return count;
}

/**
 * Redis redisBitpos over bytes [start, start + count): the offset of the first bit equal to
 * `bit`; when there is none, -1 when looking for 1 and count × 8 when looking for 0 (the string
 * reads as zero-padded).
 */
function firstBitIn(byteOf: (index: number) => number, start: number, count: number, bit: 0 | 1): number {
  const skip = bit === 1 ? 0 : 0xff;
  for (let i = 0; i < count; i++) {
    const byte = byteOf(start + i);
    if (byte === skip) continue;
    for (let shift = 7; shift >= 0; shift--) if (((byte >> shift) & 1) === bit) return i * 8 + (7 - shift);
  }
  return bit === 1 ? -1 : count * 8;
}

// BITPOS key bit [start [end [BYTE | BIT]]]
function bitposCommand(ctx: CommandContext, argv: string[]): Reply {
  const bitValue = parseInt64(argv[2]!);
  if (bitValue === null) throw errors.notInteger();
  if (bitValue !== 0n && bitValue !== 1n) throw errors.bitArgument();
  const bit = bitValue === 1n ? 1 : 0;
  let value: string | undefined;
  let range: ByteRange;
  let endGiven = false;
  if (argv.length >= 4 && argv.length <= 6) {
    const start = int64OrThrow(argv[3]!);
    // Redis reads the unit before the end index, so a bad unit wins over a bad end.
    const isBit = argv.length === 6 && parseRangeUnit(argv[5]!);
    let end = -1n;
    if (argv.length >= 5) {
      end = int64OrThrow(argv[4]!);
      endGiven = true;
    }
    value = readString(ctx, argv[1]!);
    const length = value?.length ?? 0;
    if (!endGiven) end = BigInt(length - 1);
    range = clampRange(length, start, end, isBit);
  } else if (argv.length === 3) {
    value = readString(ctx, argv[1]!);
    range = { start: 0, end: (value?.length ?? 0) - 1, firstMask: 0, lastMask: 0 };
  } else throw errors.syntax();
  // A missing key is an infinite run of zeros.
  if (value === undefined) return bit === 1 ? -1 : 0;
  if (range.start > range.end) return -1;
  return searchRange(value, range, bit, endGiven);
}

/** Redis bitposCommand's search: the masked first byte, the middle, the masked last byte. */
function searchRange(value: string, range: ByteRange, bit: 0 | 1, endGiven: boolean): number {
  const { firstMask, lastMask, end } = range;
  let start = range.start;
  let bytes = end - start + 1;
  const masked = (byte: number, mask: number) => (bit === 1 ? byte & ~mask : byte | mask) & 0xff;
  const single = (byte: number) => firstBitIn(() => byte, 0, 1, bit);
  const finish = (position: number) => {
    // With an explicit end, the bits past it are not zero padding: "no clear bit" is -1.
    if (endGiven && bit === 0 && position === bytes * 8) return -1;
    return position === -1 ? -1 : position + start * 8;
  };
  if (firstMask !== 0) {
    let byte = masked(value.charCodeAt(start), firstMask);
    if (lastMask !== 0 && bytes === 1) byte = masked(byte, lastMask);
    const position = single(byte);
    if (bytes === 1 || (position !== -1 && position !== 8)) return finish(position);
    start++;
    bytes--;
  }
  // The last byte is searched on its own when part of it is outside the range.
  const middle = bytes - (lastMask !== 0 ? 1 : 0);
  if (middle > 0) {
    const position = firstBitIn((index) => value.charCodeAt(index), start, middle, bit);
    if (bytes === middle || (position !== -1 && position !== middle * 8)) return finish(position);
    start += middle;
    bytes -= middle;
  }
  return finish(single(masked(value.charCodeAt(end), lastMask)));
}

type BitOperation = "and" | "or" | "xor" | "not" | "diff" | "diff1" | "andor" | "one";
const bitOperations: readonly string[] = ["and", "or", "xor", "not", "diff", "diff1", "andor", "one"];

/**
 * BITOP's result over sources zero-padded to `length`: AND/OR/XOR fold every source, NOT
 * inverts its one source, DIFF/DIFF1/ANDOR combine the first source with the OR of the others
 * (X ∧ ¬Y, ¬X ∧ Y, X ∧ Y), ONE keeps the bits set in exactly one source.
 */
function combineSources(operation: BitOperation, sources: Uint8Array[], length: number): Uint8Array {
  const result = new Uint8Array(length);
  const [first, ...rest] = sources as [Uint8Array, ...Uint8Array[]];
  switch (operation) {
    case "not":
      for (let j = 0; j < length; j++) result[j] = ~(first[j] ?? 0);
      return result;
    case "and":
    case "or":
    case "xor":
      result.set(first);
      for (const source of rest) {
        if (operation === "and") for (let j = 0; j < length; j++) result[j]! &= source[j] ?? 0;
        else if (operation === "or") for (let j = 0; j < source.length; j++) result[j]! |= source[j]!;
        else for (let j = 0; j < source.length; j++) result[j]! ^= source[j]!;
      }
      return result;
    case "one": {
      // Bits seen in two or more sources are cleared for good.
      const seenTwice = new Uint8Array(length);
      for (const source of sources) {
        for (let j = 0; j < source.length; j++) {
          seenTwice[j]! |= result[j]! & source[j]!;
          result[j]! ^= source[j]!;
        }
      }
      for (let j = 0; j < length; j++) result[j]! &= ~seenTwice[j]!;
      return result;
    }
    default: {
      const others = new Uint8Array(length);
      for (const source of rest) for (let j = 0; j < source.length; j++) others[j]! |= source[j]!;
      for (let j = 0; j < length; j++) {
        const x = first[j] ?? 0;
        if (operation === "diff") result[j] = x & ~others[j]!;
        else if (operation === "diff1") result[j] = ~x & others[j]!;
        else result[j] = x & others[j]!; // andor
      }
      return result;
    }
  }
}

// BITOP <AND | OR | XOR | NOT | DIFF | DIFF1 | ANDOR | ONE> destkey key [key ...]
function bitopCommand(ctx: CommandContext, argv: string[]): Reply {
  const operation = cWord(argv[1]!);
  if (!bitOperations.includes(operation)) throw errors.syntax();
  const op = operation as BitOperation;
  if (op === "not" && argv.length !== 4) throw errors.bitopNotSingleKey();
  if ((op === "diff" || op === "diff1" || op === "andor") && argv.length < 5) throw errors.bitopTwoSourceKeys(op.toUpperCase());
  const destination = argv[2]!;
  const sources: Uint8Array[] = [];
  let longest = 0;
  for (let i = 3; i < argv.length; i++) {
    const source = binaryToBytes(readString(ctx, argv[i]!) ?? "");
    sources.push(source);
    if (source.length > longest) longest = source.length;
  }
  if (longest === 0) {
    // Every source is empty: the destination is deleted, whatever it held.
    if (ctx.keyspace.delete(destination)) ctx.dirty++;
    return 0;
  }
  const result = combineSources(op, sources, longest);
  // Like SET, the result replaces any value and TTL the destination had.
  markEditedInPlace(ctx.keyspace.set(destination, "string", bytesToBinary(result)));
  ctx.dirty++;
  return longest;
}

// ---- BITFIELD ----

type Overflow = "wrap" | "sat" | "fail";

interface BitfieldOperation {
  kind: "get" | "set" | "incrby";
  signed: boolean;
  bits: number;
  offset: number;
  /** SET's value or INCRBY's increment, an int64. */
  value: bigint;
  overflow: Overflow;
}

/** Redis getBitfieldTypeFromArgument: i1..i64 or u1..u63; the width is read as a C string. */
function parseBitfieldType(text: string): { signed: boolean; bits: number } {
  const sign = text.charAt(0);
  if (sign !== "i" && sign !== "u") throw errors.invalidBitfieldType();
  const rest = text.slice(1);
  const nul = rest.indexOf("\0");
  const bits = parseInt64(nul === -1 ? rest : rest.slice(0, nul));
  const signed = sign === "i";
  if (bits === null || bits < 1n || bits > (signed ? 64n : 63n)) throw errors.invalidBitfieldType();
  return { signed, bits: Number(bits) };
}

/** Parses every subcommand before anything runs, in Redis's order of checks. */
function parseBitfield(argv: string[]): { operations: BitfieldOperation[]; highestWriteBit: number } {
  const operations: BitfieldOperation[] = [];
  let overflow: Overflow = "wrap";
  let highestWriteBit = -1;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const word = cWord(argv[j]!);
    let kind: BitfieldOperation["kind"];
    if (word === "get" && remaining >= 2) kind = "get";
    else if (word === "set" && remaining >= 3) kind = "set";
    else if (word === "incrby" && remaining >= 3) kind = "incrby";
    else if (word === "overflow" && remaining >= 1) {
      const mode = cWord(argv[++j]!);
      if (mode !== "wrap" && mode !== "sat" && mode !== "fail") throw errors.invalidOverflowType();
      overflow = mode;
      continue;
    } else throw errors.syntax();
    const { signed, bits } = parseBitfieldType(argv[j + 1]!);
    const offset = parseBitOffset(argv[j + 2]!, bits);
    let value = 0n;
    if (kind !== "get") {
      highestWriteBit = Math.max(highestWriteBit, offset + bits - 1);
      value = int64OrThrow(argv[j + 3]!);
    }
    operations.push({ kind, signed, bits, offset, value, overflow });
    j += kind === "get" ? 2 : 3;
  }
  return { operations, highestWriteBit };
}

const INT64_MAX = (1n << 63n) - 1n;
const u64 = (value: bigint) => BigInt.asUintN(64, value);
const i64 = (value: bigint) => BigInt.asIntN(64, value);

/** Reads `bits` bits at `offset` as an unsigned integer, MSB first; missing bytes read as 0. */
function readBits(byteOf: (index: number) => number, offset: number, bits: number): bigint {
  let value = 0n;
  for (let i = 0; i < bits; i++) {
    const position = offset + i;
    const bit = (byteOf(Math.floor(position / 8)) >> (7 - (position % 8))) & 1;
    value = (value << 1n) | BigInt(bit);
  }
  return value;
}

function writeBits(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  for (let i = 0; i < bits; i++) {
    const position = offset + i;
    const index = Math.floor(position / 8);
    const mask = 1 << (7 - (position % 8));
    if ((value >> BigInt(bits - 1 - i)) & 1n) bytes[index]! |= mask;
    else bytes[index]! &= ~mask;
  }
}

function readField(byteOf: (index: number) => number, operation: BitfieldOperation): bigint {
  const raw = readBits(byteOf, operation.offset, operation.bits);
  return operation.signed ? BigInt.asIntN(operation.bits, raw) : raw;
}

/** 0, or ±1 for overflow/underflow together with the value WRAP or SAT stores instead. */
interface OverflowCheck {
  direction: -1 | 0 | 1;
  limit: bigint;
}

/** Redis checkUnsignedBitfieldOverflow, uint64/int64 wraparounds included. */
function checkUnsigned(value: bigint, increment: bigint, bits: number, overflow: Overflow): OverflowCheck {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncrement = i64(max - value);
  const minIncrement = i64(-value);
  const wrapped = u64(value + increment) & max;
  if (value > max || (increment > 0n && increment > maxIncrement)) return { direction: 1, limit: overflow === "sat" ? max : wrapped };
  if (increment < 0n && increment < minIncrement) return { direction: -1, limit: overflow === "sat" ? 0n : wrapped };
  return { direction: 0, limit: 0n };
}

/**
 * Redis checkSignedBitfieldOverflow. compat: its int64 arithmetic wraps, so SET of a value
 * within 2^(bits-1) of INT64_MIN counts as an overflow upwards (SAT stores the maximum).
 */
function checkSigned(value: bigint, increment: bigint, bits: number, overflow: Overflow): OverflowCheck {
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncrement = i64(max - value);
  const minIncrement = i64(min - value);
  const wrapped = BigInt.asIntN(bits, u64(value + increment));
  const narrow = bits !== 64;
  if (value > max || (narrow && increment > maxIncrement) || (value >= 0n && increment > 0n && increment > maxIncrement)) {
    return { direction: 1, limit: overflow === "sat" ? max : wrapped };
  }
  if (value < min || (narrow && increment < minIncrement) || (value < 0n && increment < 0n && increment < minIncrement)) {
    return { direction: -1, limit: overflow === "sat" ? min : wrapped };
  }
  return { direction: 0, limit: 0n };
}

/** Runs one SET/INCRBY on the bytes: its reply (null when FAIL refused it) and whether it changed a bit. */
function applyWrite(bytes: Uint8Array, operation: BitfieldOperation): { reply: Reply; changed: boolean } {
  const byteOf = (index: number) => bytes[index] ?? 0;
  const old = readField(byteOf, operation);
  const check = operation.signed ? checkSigned : checkUnsigned;
  let next: bigint;
  let reply: bigint;
  let direction: number;
  if (operation.kind === "incrby") {
    // An unsigned field's increment applies to its value read as uint64, as in Redis.
    const outcome = check(old, operation.value, operation.bits, operation.overflow);
    direction = outcome.direction;
    next = direction !== 0 ? outcome.limit : old + operation.value;
    reply = next;
  } else {
    const target = operation.signed ? operation.value : u64(operation.value);
    const outcome = check(target, 0n, operation.bits, operation.overflow);
    direction = outcome.direction;
    next = direction !== 0 ? outcome.limit : target;
    reply = old;
  }
  if (direction !== 0 && operation.overflow === "fail") return { reply: null, changed: false };
  writeBits(bytes, operation.offset, operation.bits, BigInt.asUintN(operation.bits, next));
  return { reply: integerReply(reply), changed: next !== old };
}

function bitfieldGeneric(ctx: CommandContext, argv: string[], readOnlyVariant: boolean): Reply {
  const key = argv[1]!;
  const { operations, highestWriteBit } = parseBitfield(argv);
  if (highestWriteBit === -1) {
    // Only GETs: a missing key reads as zeros.
    const value = readString(ctx, key) ?? "";
    const byteOf = (index: number) => byteAt(value, index);
    return operations.map((operation) => integerReply(readField(byteOf, operation)));
  }
  if (readOnlyVariant) throw errors.bitfieldReadOnly();
  const entry = ctx.keyspace.getTyped(key, "string");
  const old: string = entry?.value ?? "";
  // Redis grows the string to the farthest bit any write reaches before running the writes.
  const length = Math.max(old.length, Math.floor(highestWriteBit / 8) + 1);
  const grew = entry === undefined || length > old.length;
  const bytes = new Uint8Array(length);
  bytes.set(binaryToBytes(old));
  const replies: Reply[] = [];
  let changed = false;
  for (const operation of operations) {
    if (operation.kind === "get") {
      replies.push(integerReply(readField((index) => bytes[index] ?? 0, operation)));
      continue;
    }
    const outcome = applyWrite(bytes, operation);
    replies.push(outcome.reply);
    changed ||= outcome.changed;
  }
  // A key created or grown counts even when every write was refused by OVERFLOW FAIL: Redis
  // keeps the zero-filled string then too.
  if (grew || changed) {
    markEditedInPlace(ctx.keyspace.set(key, "string", bytesToBinary(bytes), entry?.expiresAtMs ?? 0));
    ctx.dirty++;
  } else markEditedInPlace(entry);
  return replies;
}

// BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>]
//   <SET encoding offset value | INCRBY encoding offset increment> [...]]
function bitfieldCommand(ctx: CommandContext, argv: string[]): Reply {
  return bitfieldGeneric(ctx, argv, false);
}

// BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]
function bitfieldRoCommand(ctx: CommandContext, argv: string[]): Reply {
  return bitfieldGeneric(ctx, argv, true);
}

export const bitmapCommands: CommandSpec[] = [
  { name: "setbit", arity: 4, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", since: "2.2.0", run: setbitCommand },
  { name: "getbit", arity: 3, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Returns a bit value by offset.", since: "2.2.0", run: getbitCommand },
  { name: "bitcount", arity: -2, flags: ["readonly"], keys: oneKey, group, summary: "Counts the number of set bits (population counting) in a string.", since: "2.6.0", run: bitcountCommand },
  { name: "bitpos", arity: -3, flags: ["readonly"], keys: oneKey, group, summary: "Finds the first set (1) or clear (0) bit in a string.", since: "2.8.7", run: bitposCommand },
  { name: "bitop", arity: -4, flags: ["write", "denyoom"], keys: { first: 2, last: -1, step: 1 }, group, summary: "Performs bitwise operations on multiple strings, and stores the result.", since: "2.6.0", run: bitopCommand },
  { name: "bitfield", arity: -2, flags: ["write", "denyoom"], keys: oneKey, group, summary: "Performs arbitrary bitfield integer operations on strings.", since: "3.2.0", run: bitfieldCommand },
  { name: "bitfield_ro", arity: -2, flags: ["readonly", "fast"], keys: oneKey, group, summary: "Performs arbitrary read-only bitfield integer operations on strings.", since: "6.0.0", run: bitfieldRoCommand },
];
