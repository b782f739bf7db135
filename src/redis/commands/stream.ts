// Stream commands (Redis t_stream.c as of 7.4, plus the 8.2 additions XACKDEL, XDELEX and the
// KEEPREF/DELREF/ACKED policies of XADD/XTRIM). Handlers parse every argument in Redis's order of
// checks before the first change. Writes journal what replays exactly: XADD its explicit id and
// approximate trims as exact ones; XREADGROUP, XCLAIM and XAUTOCLAIM the explicit
// `XCLAIM key group consumer 0 id TIME ms RETRYCOUNT n FORCE JUSTID LASTID id` forms Redis
// propagates, `XGROUP SETID ... ENTRIESREAD n` for group moves and `XGROUP CREATECONSUMER`.

import { streamKeys, type CommandContext, type CommandSpec } from "../engine/command.ts";
import { int64OrThrow, parseInt64 } from "../engine/args.ts";
import { errors } from "../engine/errors.ts";
import { OK, type Reply } from "../engine/reply.ts";
import { helpReply } from "./help.ts";
import {
  Consumer,
  ConsumerGroup,
  ENTRIES_READ_UNKNOWN,
  STREAM_ID_MAX,
  STREAM_ID_MIN,
  StreamId,
  StreamValue,
  U64_MAX,
  compareIds,
  formatStreamId,
  idAfter,
  idBefore,
  isMaxId,
  isZeroId,
  sameId,
  u64,
  type PendingEntry,
  type ReferencePolicy,
  type StreamEntry,
  type TrimOptions,
  type U64,
} from "../types/stream.ts";

const group = "stream";
const firstKey = { first: 1, last: 1, step: 1 };
const secondKey = { first: 2, last: 2, step: 1 };

/** Redis's default trim LIMIT under `~`: 100 * stream-node-max-entries. */
const APPROXIMATE_TRIM_LIMIT = 10_000n;
const LONG_MAX = (1n << 63n) - 1n;
// XAUTOCLAIM scans at most COUNT * 10 PEL entries; COUNT is capped so that product fits a long.
const AUTOCLAIM_ATTEMPTS_FACTOR = 10n;
const AUTOCLAIM_COUNT_MAX = LONG_MAX / 16n;

// ---- argument reading -------------------------------------------------------------------------

// compat: Redis compares option words and ids as C strings, so a NUL byte ends them.
function cString(text: string): string {
  const nul = text.indexOf("\x00");
  return nul === -1 ? text : text.slice(0, nul);
}

const optionWord = (text: string) => cString(text).toUpperCase();

/**
 * Redis string2ull: a canonical int64 that is not negative, else C's strtoull, which also takes
 * leading white space, a sign (negating modulo 2^64) and leading zeros.
 */
function parseUnsigned64(text: string): bigint | null {
  const strict = parseInt64(text);
  if (strict !== null) return strict < 0n ? null : strict;
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(text);
  if (match === null) return null;
  const magnitude = BigInt(match[2]!);
  if (magnitude > U64_MAX) return null;
  return match[1] === "-" ? (U64_MAX + 1n - magnitude) & U64_MAX : magnitude;
}

interface ParsedId {
  id: StreamId;
  /** False for the `<ms>-*` form. */
  seqGiven: boolean;
}

/**
 * Redis streamGenericParseIDOrReply: `<ms>[-<seq>]`, with `-` and `+` as the smallest and largest
 * ids unless `strict`, and `<ms>-*` only where `acceptSequenceStar`. A missing sequence is `missingSeq`.
 */
function parseStreamId(text: string, missingSeq: U64, strict: boolean, acceptSequenceStar = false): ParsedId | null {
  if (text.length > 127) return null;
  const id = cString(text);
  if (id === "-" || id === "+") return strict ? null : { id: id === "-" ? STREAM_ID_MIN : STREAM_ID_MAX, seqGiven: true };
  const dash = id.indexOf("-");
  const ms = parseUnsigned64(dash === -1 ? id : id.slice(0, dash));
  if (ms === null) return null;
  if (dash === -1) return { id: new StreamId(u64(ms), missingSeq), seqGiven: true };
  const seqText = id.slice(dash + 1);
  if (acceptSequenceStar && seqText === "*") return { id: new StreamId(u64(ms), 0), seqGiven: false };
  const seq = parseUnsigned64(seqText);
  return seq === null ? null : { id: new StreamId(u64(ms), u64(seq)), seqGiven: true };
}

function strictIdOrThrow(text: string): StreamId {
  const parsed = parseStreamId(text, 0, true);
  if (parsed === null) throw errors.invalidStreamId();
  return parsed.id;
}

/** A range bound: `(` makes it exclusive (then `-`/`+` are invalid), moved to the next/previous id. */
function intervalBound(text: string, bound: "start" | "end"): StreamId {
  const exclusive = text.length > 1 && text[0] === "(";
  const missingSeq = bound === "start" ? 0 : U64_MAX;
  const parsed = exclusive ? parseStreamId(text.slice(1), missingSeq, true) : parseStreamId(text, missingSeq, false);
  if (parsed === null) throw errors.invalidStreamId();
  if (!exclusive) return parsed.id;
  if (bound === "start") {
    if (isMaxId(parsed.id)) throw errors.invalidIntervalId("start");
    return idAfter(parsed.id);
  }
  if (isZeroId(parsed.id)) throw errors.invalidIntervalId("end");
  return idBefore(parsed.id);
}

// The next id, wrapping from the largest to 0-0 as Redis's streamIncrID does.
const nextId = (id: StreamId): StreamId => (isMaxId(id) ? STREAM_ID_MIN : idAfter(id));

// ---- lookup and replies -------------------------------------------------------------------

/** The stream at key, or undefined; WRONGTYPE for other types. */
function readStream(ctx: CommandContext, key: string): StreamValue | undefined {
  return ctx.keyspace.getTyped(key, "stream")?.value;
}

const entryReply = (entry: StreamEntry): Reply => [formatStreamId(entry.id), [...entry.fields]];

// An int64 reply: a number while exact, a bigint beyond 2^53.
const integerReply = (value: bigint): number | bigint => (Number.isSafeInteger(Number(value)) ? Number(value) : value);


/** The XCLAIM Redis propagates for a delivery or claim: replays owner, time, count and the group's last id. */
function claimEffect(key: string, groupName: string, group: ConsumerGroup, pending: PendingEntry): string[] {
  return [
    "XCLAIM", key, groupName, pending.consumer, "0", formatStreamId(pending.id),
    "TIME", String(pending.deliveryTimeMs), "RETRYCOUNT", String(pending.deliveryCount), "FORCE", "JUSTID", "LASTID", formatStreamId(group.lastId),
  ];
}

function setIdEffect(key: string, groupName: string, group: ConsumerGroup): string[] {
  return ["XGROUP", "SETID", key, groupName, formatStreamId(group.lastId), "ENTRIESREAD", String(group.entriesRead)];
}

/** Journals `effects` instead of argv, one change each. */
function journalEffects(ctx: CommandContext, effects: string[][]): void {
  if (effects.length === 0) return;
  ctx.dirty += effects.length;
  ctx.propagate(...effects);
}

/** The consumer, created (and its creation journaled) when missing; its seen-time becomes now. */
function touchConsumer(ctx: CommandContext, groupValue: ConsumerGroup, name: string, key: string, effects: string[][]): Consumer {
  const nowMs = ctx.clock.nowMs();
  let consumer = groupValue.consumers.get(name);
  if (consumer === undefined) {
    consumer = new Consumer(name, nowMs);
    groupValue.consumers.set(name, consumer);
    effects.push(["XGROUP", "CREATECONSUMER", key, groupValue.name, name]);
  }
  consumer.seenTimeMs = nowMs;
  return consumer;
}

/** Moves a pending entry to `consumer` (from its old owner, if any). */
function assignPending(groupValue: ConsumerGroup, pending: PendingEntry, consumer: Consumer): void {
  if (pending.consumer === consumer.name && consumer.pending.has(pending.id)) return;
  groupValue.consumers.get(pending.consumer)?.pending.delete(pending.id);
  pending.consumer = consumer.name;
  consumer.pending.set(pending.id, pending);
}

// ---- XADD / XTRIM -------------------------------------------------------------------------

interface AddTrimArguments {
  trim: TrimOptions | undefined;
  /** argv index of the id (XADD), or argv.length when none was found. */
  idIndex: number;
  id: StreamId | undefined;
  seqGiven: boolean;
  noMakeStream: boolean;
}

/** Redis streamParseAddOrTrimArgsOrReply, with Redis 8.2's KEEPREF | DELREF | ACKED. */
function parseAddOrTrimArguments(argv: string[], isXadd: boolean): AddTrimArguments {
  let strategy: TrimOptions["strategy"] | undefined;
  let approximate = false;
  let maxLength = 0n;
  let minId = STREAM_ID_MIN;
  let limit = 0n;
  let limitGiven = false;
  let policy: ReferencePolicy = "KEEPREF";
  let noMakeStream = false;
  let id: ParsedId | undefined;
  let i = 2;
  for (; i < argv.length; i++) {
    if (isXadd && cString(argv[i]!) === "*") break;
    const moreArgs = argv.length - 1 - i;
    const word = optionWord(argv[i]!);
    if ((word === "MAXLEN" || word === "MINID") && moreArgs > 0) {
      if (strategy !== undefined) throw errors.maxlenAndMinid();
      approximate = false;
      const next = cString(argv[i + 1]!);
      if (moreArgs >= 2 && next === "~") {
        approximate = true;
        i++;
      } else if (moreArgs >= 2 && next === "=") i++;
      if (word === "MAXLEN") {
        maxLength = int64OrThrow(argv[i + 1]!);
        if (maxLength < 0n) throw errors.streamArgumentNegative("MAXLEN");
        strategy = "maxlen";
      } else {
        minId = strictIdOrThrow(argv[i + 1]!);
        strategy = "minid";
      }
      i++;
    } else if (word === "LIMIT" && moreArgs > 0) {
      limit = int64OrThrow(argv[i + 1]!);
      if (limit < 0n) throw errors.streamArgumentNegative("LIMIT");
      limitGiven = true;
      i++;
    } else if (isXadd && word === "NOMKSTREAM") noMakeStream = true;
    else if (word === "KEEPREF" || word === "DELREF" || word === "ACKED") policy = word;
    else if (isXadd) {
      const parsed = parseStreamId(argv[i]!, 0, true, true);
      if (parsed === null) throw errors.invalidStreamId();
      id = parsed;
      break;
    } else throw errors.syntax();
  }
  if (limit !== 0n && strategy === undefined) throw errors.limitWithoutStrategy();
  if (!isXadd && strategy === undefined) throw errors.xtrimWithoutStrategy();
  if (limitGiven) {
    if (!approximate) throw errors.limitWithoutApprox();
  } else limit = approximate ? APPROXIMATE_TRIM_LIMIT : 0n;
  const trim = strategy === undefined ? undefined : { strategy, maxLength, minId, approximate, limit, policy };
  return { trim, idIndex: i, id: id?.id, seqGiven: id?.seqGiven ?? true, noMakeStream };
}

/**
 * The trim as it replays exactly: `~` becomes `=` with the threshold that approximate trimming
 * actually reached (Redis's streamRewriteTrimArgument), LIMIT dropped.
 */
function trimEffect(trim: TrimOptions, stream: StreamValue): string[] {
  let threshold: string;
  if (trim.strategy === "maxlen") threshold = String(trim.approximate ? BigInt(stream.length) : trim.maxLength);
  else threshold = formatStreamId(trim.approximate ? stream.firstIdWithTombstones() : trim.minId);
  return [trim.strategy.toUpperCase(), "=", threshold, ...(trim.policy === "KEEPREF" ? [] : [trim.policy])];
}

// XADD key [NOMKSTREAM] [KEEPREF | DELREF | ACKED] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]]
//   <* | id> field value [field value ...]
function xaddCommand(ctx: CommandContext, argv: string[]): Reply {
  const parsed = parseAddOrTrimArguments(argv, true);
  const fieldsAt = parsed.idIndex + 1;
  const fieldArguments = argv.length - fieldsAt;
  if (fieldArguments < 2 || fieldArguments % 2 === 1) throw errors.wrongArity("xadd");
  if (parsed.id !== undefined && isZeroId(parsed.id) && parsed.seqGiven) throw errors.streamIdZero();
  const key = argv[1]!;
  const existing = readStream(ctx, key);
  if (existing === undefined && parsed.noMakeStream) return null;
  const stream = existing ?? new StreamValue();
  const lastId = stream.lastId;
  if (isMaxId(lastId)) throw errors.streamExhausted();
  let id: StreamId;
  if (parsed.id === undefined) {
    const nowMs = ctx.clock.nowMs();
    id = nowMs > lastId.ms ? new StreamId(nowMs, 0) : idAfter(lastId);
  } else if (!parsed.seqGiven && parsed.id.ms === lastId.ms) {
    if (lastId.seq === U64_MAX) throw errors.streamIdTooSmall();
    id = idAfter(lastId);
  } else id = parsed.id;
  if (compareIds(id, lastId) <= 0) throw errors.streamIdTooSmall();

  if (existing === undefined) ctx.keyspace.set(key, "stream", stream);
  const fields = argv.slice(fieldsAt);
  stream.append(id, fields);
  if (parsed.trim !== undefined) stream.trim(parsed.trim);
  ctx.dirty++;
  const trimPart = parsed.trim === undefined ? [] : trimEffect(parsed.trim, stream);
  const idText = formatStreamId(id);
  ctx.propagate(["XADD", key, ...trimPart, idText, ...fields]);
  return idText;
}

// XTRIM key <MAXLEN | MINID> [= | ~] threshold [LIMIT count] [KEEPREF | DELREF | ACKED]
function xtrimCommand(ctx: CommandContext, argv: string[]): Reply {
  const trim = parseAddOrTrimArguments(argv, false).trim!;
  const key = argv[1]!;
  const stream = readStream(ctx, key);
  if (stream === undefined) return 0;
  const pendingBefore = pendingCount(stream);
  const deleted = stream.trim(trim);
  const changes = deleted + (pendingBefore - pendingCount(stream));
  if (changes > 0) {
    ctx.dirty += changes;
    ctx.propagate(["XTRIM", key, ...trimEffect(trim, stream)]);
  }
  return deleted;
}

function pendingCount(stream: StreamValue): number {
  let count = 0;
  for (const groupValue of stream.groups.values()) count += groupValue.pending.size;
  return count;
}

// ---- reads --------------------------------------------------------------------------------

function rangeGeneric(reverse: boolean) {
  // XRANGE key start end [COUNT count] / XREVRANGE key end start [COUNT count]
  return (ctx: CommandContext, argv: string[]): Reply => {
    const start = intervalBound(reverse ? argv[3]! : argv[2]!, "start");
    const end = intervalBound(reverse ? argv[2]! : argv[3]!, "end");
    let count = -1n;
    for (let j = 4; j < argv.length; j++) {
      if (optionWord(argv[j]!) === "COUNT" && j + 1 < argv.length) {
        count = int64OrThrow(argv[++j]!);
        if (count < 0n) count = 0n;
      } else throw errors.syntax();
    }
    const stream = readStream(ctx, argv[1]!);
    if (stream === undefined) return [];
    if (count === 0n) return null;
    const out: Reply[] = [];
    for (const entry of stream.range(start, end, reverse)) {
      out.push(entryReply(entry));
      if (BigInt(out.length) === count) break;
    }
    return out;
  };
}

// XLEN key
function xlenCommand(ctx: CommandContext, argv: string[]): Reply {
  return readStream(ctx, argv[1]!)?.length ?? 0;
}

/** Redis getTimeoutFromObjectOrReply in milliseconds: validated, then unused (see xreadGeneric). */
function checkBlockTimeout(ctx: CommandContext, text: string): void {
  const timeout = parseInt64(text);
  if (timeout === null) throw errors.timeoutNotInteger();
  if (timeout < 0n) throw errors.timeoutNegative();
  if (timeout > 0n && timeout > LONG_MAX - BigInt(ctx.clock.nowMs())) throw errors.timeoutOutOfRange();
}

interface ReadTarget {
  key: string;
  stream: StreamValue | undefined;
  group: ConsumerGroup | undefined;
  /** Serve entries after this id; "new" is XREADGROUP's `>`. */
  after: StreamId | "new";
}

function xreadGeneric(isGroupRead: boolean) {
  // XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
  // XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
  return (ctx: CommandContext, argv: string[]): Reply => {
    let count = 0n;
    let streamsAt = 0;
    let streamCount = 0;
    let noAck = false;
    let groupName: string | undefined;
    let consumerName: string | undefined;
    for (let i = 1; i < argv.length; i++) {
      const moreArgs = argv.length - i - 1;
      const word = optionWord(argv[i]!);
      if (word === "BLOCK" && moreArgs > 0) {
        // A script cannot block: Redis refuses the option itself, before its timeout is read.
        if (ctx.session.inScript === true) throw errors.blockInScript(argv[0]!);
        checkBlockTimeout(ctx, argv[++i]!);
      } else if (word === "COUNT" && moreArgs > 0) {
        count = int64OrThrow(argv[++i]!);
        if (count < 0n) count = 0n;
      } else if (word === "STREAMS" && moreArgs > 0) {
        streamsAt = i + 1;
        const remaining = argv.length - streamsAt;
        if (remaining % 2 !== 0) throw errors.unbalancedStreams(isGroupRead ? "xreadgroup" : "xread", isGroupRead ? ">" : "$");
        streamCount = remaining / 2;
        break;
      } else if (word === "GROUP" && moreArgs >= 2) {
        if (!isGroupRead) throw errors.xreadgroupOnlyOption("GROUP");
        groupName = argv[i + 1]!;
        consumerName = argv[i + 2]!;
        i += 2;
      } else if (word === "NOACK") {
        if (!isGroupRead) throw errors.xreadgroupOnlyOption("NOACK");
        noAck = true;
      } else throw errors.syntax();
    }
    if (streamsAt === 0) throw errors.syntax();
    if (isGroupRead && groupName === undefined) throw errors.missingGroupOption();

    const targets: ReadTarget[] = [];
    for (let k = 0; k < streamCount; k++) {
      const key = argv[streamsAt + k]!;
      const idText = argv[streamsAt + streamCount + k]!;
      const stream = readStream(ctx, key);
      let groupValue: ConsumerGroup | undefined;
      if (groupName !== undefined) {
        groupValue = stream?.groups.get(groupName);
        if (groupValue === undefined) throw errors.noGroupForRead(key, groupName);
      }
      const special = cString(idText);
      let after: StreamId | "new";
      if (special === "$" || special === "+") {
        if (isGroupRead) throw errors.meaninglessReadGroupId(special);
        // `+` (Redis 7.4) reads the last entry: everything after the one before it.
        if (special === "$") after = stream?.lastId ?? STREAM_ID_MIN;
        else after = stream !== undefined && stream.length > 0 ? idBefore(stream.lastLiveId()!) : STREAM_ID_MIN;
      } else if (special === ">") {
        if (!isGroupRead) throw errors.newEntriesIdWithoutGroup();
        after = "new";
      } else after = strictIdOrThrow(idText);
      targets.push({ key, stream, group: groupValue, after });
    }

    const effects: string[][] = [];
    const served: Reply[] = [];
    for (const target of targets) {
      const stream = target.stream;
      if (stream === undefined) continue;
      if (target.group === undefined) {
        if (stream.length === 0 || !(compareIds(stream.lastLiveId()!, target.after as StreamId) > 0)) continue;
        const entries: Reply[] = [];
        for (const entry of stream.range(nextId(target.after as StreamId), STREAM_ID_MAX)) {
          entries.push(entryReply(entry));
          if (BigInt(entries.length) === count) break;
        }
        served.push([target.key, entries]);
        continue;
      }
      const groupValue = target.group;
      let after = target.after;
      let serve = false;
      if (after !== "new") serve = true;
      else if (stream.length > 0 && compareIds(stream.lastLiveId()!, groupValue.lastId) > 0) {
        serve = true;
        after = groupValue.lastId;
      }
      const consumer = touchConsumer(ctx, groupValue, consumerName!, target.key, effects);
      if (!serve) continue;
      const start = nextId(after as StreamId);
      const entries =
        target.after === "new"
          ? deliverNewEntries(ctx, target.key, stream, groupValue, consumer, start, count, noAck, effects)
          : deliverHistory(ctx, target.key, stream, groupValue, consumer, start, count, effects);
      served.push([target.key, entries]);
    }
    journalEffects(ctx, effects);
    // compat: Upstash does not block; BLOCK is validated and answered at once, like a timeout.
    return served.length > 0 ? served : null;
  };
}

/** XREADGROUP `>`: entries after the group's last id go to the consumer's PEL (unless NOACK). */
function deliverNewEntries(
  ctx: CommandContext, key: string, stream: StreamValue, groupValue: ConsumerGroup, consumer: Consumer,
  start: StreamId, count: bigint, noAck: boolean, effects: string[][],
): Reply[] {
  const nowMs = ctx.clock.nowMs();
  const entries: Reply[] = [];
  let lastIdMoved = false;
  for (const entry of stream.range(start, STREAM_ID_MAX)) {
    if (compareIds(entry.id, groupValue.lastId) > 0) {
      if (groupValue.entriesRead !== ENTRIES_READ_UNKNOWN && compareIds(groupValue.lastId, stream.firstId) >= 0 && !stream.rangeHasTombstones(groupValue.lastId)) {
        groupValue.entriesRead++;
      } else if (stream.entriesAdded !== 0n) groupValue.entriesRead = stream.estimateDistanceFromFirstEverEntry(entry.id);
      groupValue.lastId = entry.id;
      lastIdMoved = true;
    }
    entries.push(entryReply(entry));
    if (!noAck) {
      let pending = groupValue.pending.get(entry.id);
      if (pending === undefined) {
        pending = { id: entry.id, consumer: consumer.name, deliveryTimeMs: nowMs, deliveryCount: 1n };
        groupValue.pending.set(entry.id, pending);
        consumer.pending.set(entry.id, pending);
      } else {
        // An entry delivered again after XGROUP SETID moved the group back: it changes owner.
        assignPending(groupValue, pending, consumer);
        pending.deliveryTimeMs = nowMs;
        pending.deliveryCount = 1n;
      }
      consumer.activeTimeMs = nowMs;
      effects.push(claimEffect(key, groupValue.name, groupValue, pending));
    }
    if (BigInt(entries.length) === count) break;
  }
  if (lastIdMoved) effects.push(setIdEffect(key, groupValue.name, groupValue));
  return entries;
}

/** XREADGROUP with an id: the consumer's own pending entries after it; deleted ones with nil fields. */
function deliverHistory(
  ctx: CommandContext, key: string, stream: StreamValue, groupValue: ConsumerGroup, consumer: Consumer,
  start: StreamId, count: bigint, effects: string[][],
): Reply[] {
  const nowMs = ctx.clock.nowMs();
  const entries: Reply[] = [];
  for (const [id, pending] of consumer.pending.from(start)) {
    if (count > 0n && BigInt(entries.length) >= count) break;
    const entry = stream.get(id);
    if (entry === undefined) {
      entries.push([formatStreamId(id), null]);
      continue;
    }
    entries.push(entryReply(entry));
    pending.deliveryTimeMs = nowMs;
    pending.deliveryCount = BigInt.asIntN(64, pending.deliveryCount + 1n);
    // Redis propagates nothing here; journaling the claim keeps time and count exact on replay.
    effects.push(claimEffect(key, groupValue.name, groupValue, pending));
  }
  return entries;
}

// ---- deletes ------------------------------------------------------------------------------

// XDEL key id [id ...]
function xdelCommand(ctx: CommandContext, argv: string[]): Reply {
  const stream = readStream(ctx, argv[1]!);
  if (stream === undefined) return 0;
  const ids = argv.slice(2).map(strictIdOrThrow);
  let deleted = 0;
  for (const id of ids) if (stream.delete(id)) deleted++;
  ctx.dirty += deleted;
  return deleted;
}

interface DeleteArguments {
  policy: ReferencePolicy;
  ids: StreamId[];
}

/** The `[KEEPREF | DELREF | ACKED] IDS numids id [id ...]` tail of XDELEX and XACKDEL (Redis 8.2). */
function parseDeleteArguments(argv: string[], start: number): DeleteArguments {
  let policy: ReferencePolicy | undefined;
  let ids: string[] | undefined;
  for (let i = start; i < argv.length; i++) {
    const word = optionWord(argv[i]!);
    if (word === "IDS" && ids === undefined && i + 1 < argv.length) {
      const count = parseInt64(argv[i + 1]!);
      if (count === null || count < 1n) throw errors.idsCountNotPositive();
      if (count > BigInt(argv.length - i - 2)) throw errors.idsCountMismatch();
      ids = argv.slice(i + 2, i + 2 + Number(count));
      i += 1 + Number(count);
    } else if ((word === "KEEPREF" || word === "DELREF" || word === "ACKED") && policy === undefined) policy = word;
    else throw errors.syntax();
  }
  if (ids === undefined) throw errors.syntax();
  return { policy: policy ?? "KEEPREF", ids: ids.map(strictIdOrThrow) };
}

// Reply codes of XDELEX and XACKDEL.
const NO_SUCH_ID = -1;
const DELETED = 1;
const STILL_REFERENCED = 2;

// XDELEX key [KEEPREF | DELREF | ACKED] IDS numids id [id ...]
function xdelexCommand(ctx: CommandContext, argv: string[]): Reply {
  const { policy, ids } = parseDeleteArguments(argv, 2);
  const stream = readStream(ctx, argv[1]!);
  if (stream === undefined) return ids.map(() => NO_SUCH_ID);
  let changes = 0;
  const reply = ids.map((id) => {
    if (policy === "ACKED" && stream.isReferenced(id)) return STILL_REFERENCED;
    if (policy === "DELREF" && stream.removeReferences(id)) changes++;
    if (!stream.delete(id)) return NO_SUCH_ID;
    changes++;
    return DELETED;
  });
  ctx.dirty += changes;
  return reply;
}

// XACKDEL key group [KEEPREF | DELREF | ACKED] IDS numids id [id ...]
function xackdelCommand(ctx: CommandContext, argv: string[]): Reply {
  const { policy, ids } = parseDeleteArguments(argv, 3);
  const stream = readStream(ctx, argv[1]!);
  const groupValue = stream?.groups.get(argv[2]!);
  if (stream === undefined || groupValue === undefined) return ids.map(() => NO_SUCH_ID);
  let changes = 0;
  const reply = ids.map((id) => {
    if (groupValue.removePending(id) === undefined) return NO_SUCH_ID;
    changes++;
    if (policy === "ACKED" && stream.isReferenced(id)) return STILL_REFERENCED;
    if (policy === "DELREF") stream.removeReferences(id);
    if (stream.delete(id)) changes++;
    return DELETED;
  });
  ctx.dirty += changes;
  return reply;
}

// ---- consumer groups ----------------------------------------------------------------------

// XACK key group id [id ...]
function xackCommand(ctx: CommandContext, argv: string[]): Reply {
  const groupValue = readStream(ctx, argv[1]!)?.groups.get(argv[2]!);
  if (groupValue === undefined) return 0;
  const ids = argv.slice(3).map(strictIdOrThrow);
  let acknowledged = 0;
  for (const id of ids) if (groupValue.removePending(id) !== undefined) acknowledged++;
  ctx.dirty += acknowledged;
  return acknowledged;
}

type GroupSubcommand = "CREATE" | "SETID" | "DESTROY" | "CREATECONSUMER" | "DELCONSUMER";

interface GroupContext {
  stream: StreamValue | undefined;
  groupValue: ConsumerGroup | undefined;
  makeStream: boolean;
  /** ENTRIESREAD as given; -1 (unknown) when absent. */
  entriesRead: bigint;
}

/** The checks Redis's xgroupCommand runs for every subcommand, in its order. */
function groupPreamble(ctx: CommandContext, argv: string[], subcommand: GroupSubcommand): GroupContext {
  let makeStream = false;
  let entriesRead = ENTRIES_READ_UNKNOWN;
  for (let i = 5; i < argv.length; ) {
    const word = optionWord(argv[i]!);
    if (subcommand === "CREATE" && word === "MKSTREAM") {
      makeStream = true;
      i++;
    } else if ((subcommand === "CREATE" || subcommand === "SETID") && word === "ENTRIESREAD" && i + 1 < argv.length) {
      entriesRead = int64OrThrow(argv[i + 1]!);
      if (entriesRead < 0n && entriesRead !== ENTRIES_READ_UNKNOWN) throw errors.entriesReadNegative();
      i += 2;
    } else throw errors.subcommandSyntax(argv[1]!, "xgroup");
  }
  const stream = readStream(ctx, argv[2]!);
  const groupValue = stream?.groups.get(argv[3]!);
  if (!makeStream) {
    if (stream === undefined) throw errors.xgroupKeyMissing();
    if (groupValue === undefined && subcommand !== "CREATE" && subcommand !== "DESTROY") throw errors.noSuchGroup(argv[3]!, argv[2]!);
  }
  return { stream, groupValue, makeStream, entriesRead };
}

// compat: Redis (since 8.2's fix of issue #14257) caps ENTRIESREAD at the entries ever added.
function capEntriesRead(entriesRead: bigint, stream: StreamValue): bigint {
  return entriesRead !== ENTRIES_READ_UNKNOWN && entriesRead > stream.entriesAdded ? stream.entriesAdded : entriesRead;
}

// XGROUP CREATE key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]
function xgroupCreateCommand(ctx: CommandContext, argv: string[]): Reply {
  const { stream, makeStream, entriesRead } = groupPreamble(ctx, argv, "CREATE");
  if (argv.length > 8) throw errors.subcommandSyntax(argv[1]!, "xgroup");
  const id = cString(argv[4]!) === "$" ? (stream?.lastId ?? STREAM_ID_MIN) : strictIdOrThrow(argv[4]!);
  let target = stream;
  if (target === undefined && makeStream) {
    target = new StreamValue();
    ctx.keyspace.set(argv[2]!, "stream", target);
    ctx.dirty++;
  }
  const name = argv[3]!;
  // A stream MKSTREAM just created has no groups, so this never leaves a half-done write.
  if (target!.groups.has(name)) throw errors.busyGroup();
  target!.groups.set(name, new ConsumerGroup(name, id, capEntriesRead(entriesRead, target!)));
  ctx.dirty++;
  return OK;
}

// XGROUP SETID key group <id | $> [ENTRIESREAD entries-read]
function xgroupSetidCommand(ctx: CommandContext, argv: string[]): Reply {
  const { stream, groupValue, entriesRead } = groupPreamble(ctx, argv, "SETID");
  if (argv.length !== 5 && argv.length !== 7) throw errors.subcommandSyntax(argv[1]!, "xgroup");
  let id: StreamId;
  if (cString(argv[4]!) === "$") id = stream!.lastId;
  else {
    const parsed = parseStreamId(argv[4]!, 0, false);
    if (parsed === null) throw errors.invalidStreamId();
    id = parsed.id;
  }
  groupValue!.lastId = id;
  groupValue!.entriesRead = capEntriesRead(entriesRead, stream!);
  ctx.dirty++;
  return OK;
}

// XGROUP DESTROY key group
function xgroupDestroyCommand(ctx: CommandContext, argv: string[]): Reply {
  const { stream, groupValue } = groupPreamble(ctx, argv, "DESTROY");
  if (groupValue === undefined) return 0;
  stream!.groups.delete(groupValue.name);
  ctx.dirty++;
  return 1;
}

// XGROUP CREATECONSUMER key group consumer
function xgroupCreateconsumerCommand(ctx: CommandContext, argv: string[]): Reply {
  const { groupValue } = groupPreamble(ctx, argv, "CREATECONSUMER");
  const name = argv[4]!;
  if (groupValue!.consumers.has(name)) return 0;
  groupValue!.consumers.set(name, new Consumer(name, ctx.clock.nowMs()));
  ctx.dirty++;
  return 1;
}

// XGROUP DELCONSUMER key group consumer
function xgroupDelconsumerCommand(ctx: CommandContext, argv: string[]): Reply {
  const { groupValue } = groupPreamble(ctx, argv, "DELCONSUMER");
  const consumer = groupValue!.consumers.get(argv[4]!);
  if (consumer === undefined) return 0;
  const pending = consumer.pending.size;
  for (const [id] of [...consumer.pending.from()]) groupValue!.pending.delete(id);
  groupValue!.consumers.delete(consumer.name);
  ctx.dirty++;
  return pending;
}

// XGROUP HELP
function xgroupHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("XGROUP", [
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
  ]);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
function xsetidCommand(ctx: CommandContext, argv: string[]): Reply {
  const id = strictIdOrThrow(argv[2]!);
  let entriesAdded = -1n;
  let maxDeletedId = STREAM_ID_MIN;
  for (let i = 3; i < argv.length; i += 2) {
    const word = optionWord(argv[i]!);
    const moreArgs = argv.length - 1 - i;
    if (word === "ENTRIESADDED" && moreArgs > 0) {
      entriesAdded = int64OrThrow(argv[i + 1]!);
      if (entriesAdded < 0n) throw errors.entriesAddedNegative();
    } else if (word === "MAXDELETEDID" && moreArgs > 0) {
      maxDeletedId = strictIdOrThrow(argv[i + 1]!);
      if (compareIds(id, maxDeletedId) < 0) throw errors.xsetidBelowGivenMaxDeleted();
    } else throw errors.syntax();
  }
  const stream = readStream(ctx, argv[1]!);
  if (stream === undefined) throw errors.noSuchKey();
  if (compareIds(id, stream.maxDeletedId) < 0) throw errors.xsetidBelowMaxDeleted();
  if (stream.length > 0) {
    if (compareIds(id, stream.lastLiveId()!) < 0) throw errors.xsetidBelowTop();
    if (entriesAdded !== -1n && BigInt(stream.length) > entriesAdded) throw errors.xsetidEntriesAddedBelowLength();
  }
  stream.lastId = id;
  if (entriesAdded !== -1n) stream.entriesAdded = entriesAdded;
  if (!isZeroId(maxDeletedId)) stream.maxDeletedId = maxDeletedId;
  ctx.dirty++;
  return OK;
}

// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
function xpendingCommand(ctx: CommandContext, argv: string[]): Reply {
  const summary = argv.length === 3;
  if (!summary && (argv.length < 6 || argv.length > 9)) throw errors.syntax();
  let start = STREAM_ID_MIN;
  let end = STREAM_ID_MAX;
  let count = 0n;
  let minIdleMs = 0n;
  let consumerName: string | undefined;
  if (!summary) {
    let at = 3;
    if (optionWord(argv[3]!) === "IDLE") {
      minIdleMs = int64OrThrow(argv[4]!);
      if (argv.length < 8) throw errors.syntax();
      at += 2;
    }
    count = int64OrThrow(argv[at + 2]!);
    if (count < 0n) count = 0n;
    start = intervalBound(argv[at]!, "start");
    end = intervalBound(argv[at + 1]!, "end");
    if (at + 3 < argv.length) consumerName = argv[at + 3]!;
  }
  const stream = readStream(ctx, argv[1]!);
  const groupValue = stream?.groups.get(argv[2]!);
  if (groupValue === undefined) throw errors.noSuchKeyOrGroup(argv[1]!, argv[2]!);

  if (summary) {
    const first = groupValue.pending.first();
    if (first === undefined) return [0, null, null, null];
    const owners = groupValue
      .sortedConsumers()
      .filter((consumer) => consumer.pending.size > 0)
      .map((consumer): Reply => [consumer.name, String(consumer.pending.size)]);
    return [groupValue.pending.size, formatStreamId(first[0]), formatStreamId(groupValue.pending.last()![0]), owners];
  }
  let pel = groupValue.pending;
  if (consumerName !== undefined) {
    const consumer = groupValue.consumers.get(consumerName);
    if (consumer === undefined) return [];
    pel = consumer.pending;
  }
  const nowMs = ctx.clock.nowMs();
  const out: Reply[] = [];
  for (const [id, pending] of pel.from(start)) {
    if (count === 0n || compareIds(id, end) > 0) break;
    const idleMs = nowMs - pending.deliveryTimeMs;
    if (minIdleMs !== 0n && BigInt(idleMs) < minIdleMs) continue;
    count--;
    out.push([formatStreamId(id), pending.consumer, Math.max(0, idleMs), integerReply(pending.deliveryCount)]);
  }
  return out;
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds]
//   [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]
function xclaimCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, groupName, consumerName] = argv as [string, string, string, string];
  const stream = readStream(ctx, key);
  const groupValue = stream?.groups.get(groupName);
  if (stream === undefined || groupValue === undefined) throw errors.noSuchKeyOrGroup(key, groupName);
  let minIdleMs = parseInt64(argv[4]!);
  if (minIdleMs === null) throw errors.invalidClaimArgument("min-idle-time argument for XCLAIM");
  if (minIdleMs < 0n) minIdleMs = 0n;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const parsed = parseStreamId(argv[j]!, 0, true);
    if (parsed === null) break;
    ids.push(parsed.id);
  }
  const nowMs = BigInt(ctx.clock.nowMs());
  let deliveryTimeMs: bigint | undefined;
  let retryCount = -1n;
  let force = false;
  let justId = false;
  let lastId = STREAM_ID_MIN;
  const claimOption = (text: string, what: string) => {
    const value = parseInt64(text);
    if (value === null) throw errors.invalidClaimArgument(`${what} option argument for XCLAIM`);
    return value;
  };
  for (; j < argv.length; j++) {
    const moreArgs = argv.length - 1 - j;
    const word = optionWord(argv[j]!);
    if (word === "FORCE") force = true;
    else if (word === "JUSTID") justId = true;
    else if (word === "IDLE" && moreArgs > 0) deliveryTimeMs = nowMs - claimOption(argv[++j]!, "IDLE");
    else if (word === "TIME" && moreArgs > 0) deliveryTimeMs = claimOption(argv[++j]!, "TIME");
    else if (word === "RETRYCOUNT" && moreArgs > 0) retryCount = claimOption(argv[++j]!, "RETRYCOUNT");
    else if (word === "LASTID" && moreArgs > 0) lastId = strictIdOrThrow(argv[++j]!);
    else throw errors.unrecognizedClaimOption(argv[j]!);
  }

  const effects: string[][] = [];
  let lastIdMoved = false;
  if (compareIds(lastId, groupValue.lastId) > 0) {
    groupValue.lastId = lastId;
    lastIdMoved = true;
  }
  // A bogus delivery time (before the epoch, or in the future) becomes now rather than an error.
  const claimTimeMs = Number(deliveryTimeMs === undefined || deliveryTimeMs < 0n || deliveryTimeMs > nowMs ? nowMs : deliveryTimeMs);
  const consumer = touchConsumer(ctx, groupValue, consumerName, key, effects);
  const claimed: Reply[] = [];
  for (const id of ids) {
    let pending = groupValue.pending.get(id);
    const entry = stream.get(id);
    if (entry === undefined) {
      if (pending !== undefined) {
        // The entry is gone: the claim drops it from the PEL, and replays the same way.
        effects.push(claimEffect(key, groupName, groupValue, pending));
        lastIdMoved = false;
        groupValue.removePending(id);
      }
      continue;
    }
    const forced = force && pending === undefined;
    if (forced) {
      pending = { id, consumer: consumer.name, deliveryTimeMs: Number(nowMs), deliveryCount: 1n };
      groupValue.pending.set(id, pending);
    }
    if (pending === undefined) continue;
    if (!forced && minIdleMs > 0n && nowMs - BigInt(pending.deliveryTimeMs) < minIdleMs) continue;
    if (forced) consumer.pending.set(id, pending);
    else assignPending(groupValue, pending, consumer);
    pending.deliveryTimeMs = claimTimeMs;
    if (retryCount >= 0n) pending.deliveryCount = retryCount;
    else if (!justId) pending.deliveryCount = BigInt.asIntN(64, pending.deliveryCount + 1n);
    claimed.push(justId ? formatStreamId(id) : entryReply(entry));
    consumer.activeTimeMs = Number(nowMs);
    effects.push(claimEffect(key, groupName, groupValue, pending));
    lastIdMoved = false;
  }
  if (lastIdMoved) effects.push(setIdEffect(key, groupName, groupValue));
  journalEffects(ctx, effects);
  return claimed;
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
function xautoclaimCommand(ctx: CommandContext, argv: string[]): Reply {
  const [, key, groupName, consumerName] = argv as [string, string, string, string];
  let minIdleMs = parseInt64(argv[4]!);
  if (minIdleMs === null) throw errors.invalidClaimArgument("min-idle-time argument for XAUTOCLAIM");
  if (minIdleMs < 0n) minIdleMs = 0n;
  const start = intervalBound(argv[5]!, "start");
  let count = 100n;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const word = optionWord(argv[j]!);
    if (word === "COUNT" && j + 1 < argv.length) {
      const value = parseInt64(argv[++j]!);
      if (value === null || value < 1n || value > AUTOCLAIM_COUNT_MAX) throw errors.countPositive();
      count = value;
    } else if (word === "JUSTID") justId = true;
    else throw errors.syntax();
  }
  const stream = readStream(ctx, key);
  const groupValue = stream?.groups.get(groupName);
  if (stream === undefined || groupValue === undefined) throw errors.noSuchKeyOrGroup(key, groupName);

  const effects: string[][] = [];
  const consumer = touchConsumer(ctx, groupValue, consumerName, key, effects);
  const nowMs = ctx.clock.nowMs();
  let attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR;
  // Undefined once the largest id was visited: nothing can follow it.
  let cursor: StreamId | undefined = start;
  let exhausted = false;
  const claimed: Reply[] = [];
  const deletedIds: Reply[] = [];
  while (attempts > 0n && count > 0n) {
    attempts--;
    const next: [StreamId, PendingEntry] | undefined = cursor === undefined ? undefined : groupValue.pending.ceiling(cursor);
    if (next === undefined) {
      exhausted = true;
      break;
    }
    const [id, pending]: [StreamId, PendingEntry] = next;
    cursor = isMaxId(id) ? undefined : idAfter(id);
    const entry = stream.get(id);
    if (entry === undefined) {
      effects.push(claimEffect(key, groupName, groupValue, pending));
      groupValue.removePending(id);
      deletedIds.push(formatStreamId(id));
      count--;
      continue;
    }
    if (minIdleMs > 0n && BigInt(nowMs - pending.deliveryTimeMs) < minIdleMs) continue;
    assignPending(groupValue, pending, consumer);
    pending.deliveryTimeMs = nowMs;
    if (!justId) pending.deliveryCount = BigInt.asIntN(64, pending.deliveryCount + 1n);
    claimed.push(justId ? formatStreamId(id) : entryReply(entry));
    count--;
    consumer.activeTimeMs = nowMs;
    effects.push(claimEffect(key, groupName, groupValue, pending));
  }
  const following = exhausted || cursor === undefined ? undefined : groupValue.pending.ceiling(cursor);
  journalEffects(ctx, effects);
  return [formatStreamId(following?.[0] ?? STREAM_ID_MIN), claimed, deletedIds];
}

// ---- XINFO --------------------------------------------------------------------------------

/** XINFO's key lookup, before any subcommand parsing: "no such key" for a missing stream. */
function infoStream(ctx: CommandContext, key: string): StreamValue {
  const stream = readStream(ctx, key);
  if (stream === undefined) throw errors.noSuchKey();
  return stream;
}

const nullableInteger = (value: bigint | null): Reply => (value === null ? null : integerReply(value));
const entriesReadReply = (groupValue: ConsumerGroup): Reply =>
  groupValue.entriesRead === ENTRIES_READ_UNKNOWN ? null : integerReply(groupValue.entriesRead);

// XINFO STREAM key [FULL [COUNT count]]
function xinfoStreamCommand(ctx: CommandContext, argv: string[]): Reply {
  const stream = infoStream(ctx, argv[2]!);
  const options = argv.slice(3);
  let count = 10n;
  if (options.length > 0) {
    if ((options.length !== 1 && options.length !== 3) || optionWord(options[0]!) !== "FULL") throw errors.subcommandSyntax(argv[1]!, "xinfo");
    if (options.length === 3) {
      if (optionWord(options[1]!) !== "COUNT") throw errors.subcommandSyntax(argv[1]!, "xinfo");
      count = int64OrThrow(options[2]!);
      if (count < 0n) count = 10n;
    }
  }
  const head: Reply[] = [
    "length", stream.length,
    "radix-tree-keys", stream.nodes.length,
    "radix-tree-nodes", stream.radixTreeNodes(),
    "last-generated-id", formatStreamId(stream.lastId),
    "max-deleted-entry-id", formatStreamId(stream.maxDeletedId),
    "entries-added", integerReply(stream.entriesAdded),
    "recorded-first-entry-id", formatStreamId(stream.firstId),
  ];
  if (options.length === 0) {
    const first = stream.range(STREAM_ID_MIN, STREAM_ID_MAX).next();
    const last = stream.range(STREAM_ID_MIN, STREAM_ID_MAX, true).next();
    return [
      ...head,
      "groups", stream.groups.size,
      "first-entry", first.done ? null : entryReply(first.value),
      "last-entry", last.done ? null : entryReply(last.value),
    ];
  }
  const limited = <T>(items: Iterable<T>): T[] => {
    const out: T[] = [];
    for (const item of items) {
      if (count !== 0n && BigInt(out.length) >= count) break;
      out.push(item);
    }
    return out;
  };
  const entries = limited(stream.range(STREAM_ID_MIN, STREAM_ID_MAX)).map(entryReply);
  const groups = stream.sortedGroups().map((groupValue): Reply => [
    "name", groupValue.name,
    "last-delivered-id", formatStreamId(groupValue.lastId),
    "entries-read", entriesReadReply(groupValue),
    "lag", nullableInteger(stream.groupLag(groupValue)),
    "pel-count", groupValue.pending.size,
    "pending", limited(groupValue.pending.from()).map(([id, pending]): Reply => [
      formatStreamId(id), pending.consumer, pending.deliveryTimeMs, integerReply(pending.deliveryCount),
    ]),
    "consumers", groupValue.sortedConsumers().map((consumer): Reply => [
      "name", consumer.name,
      "seen-time", consumer.seenTimeMs,
      "active-time", consumer.activeTimeMs,
      "pel-count", consumer.pending.size,
      "pending", limited(consumer.pending.from()).map(([id, pending]): Reply => [formatStreamId(id), pending.deliveryTimeMs, integerReply(pending.deliveryCount)]),
    ]),
  ]);
  return [...head, "entries", entries, "groups", groups];
}

// XINFO GROUPS key
function xinfoGroupsCommand(ctx: CommandContext, argv: string[]): Reply {
  const stream = infoStream(ctx, argv[2]!);
  return stream.sortedGroups().map((groupValue): Reply => [
    "name", groupValue.name,
    "consumers", groupValue.consumers.size,
    "pending", groupValue.pending.size,
    "last-delivered-id", formatStreamId(groupValue.lastId),
    "entries-read", entriesReadReply(groupValue),
    "lag", nullableInteger(stream.groupLag(groupValue)),
  ]);
}

// XINFO CONSUMERS key group
function xinfoConsumersCommand(ctx: CommandContext, argv: string[]): Reply {
  const stream = infoStream(ctx, argv[2]!);
  const groupValue = stream.groups.get(argv[3]!);
  if (groupValue === undefined) throw errors.noSuchGroup(argv[3]!, argv[2]!);
  const nowMs = ctx.clock.nowMs();
  return groupValue.sortedConsumers().map((consumer): Reply => [
    "name", consumer.name,
    "pending", consumer.pending.size,
    "idle", Math.max(0, nowMs - consumer.seenTimeMs),
    "inactive", consumer.activeTimeMs === -1 ? -1 : nowMs - consumer.activeTimeMs,
  ]);
}

// XINFO HELP
function xinfoHelpCommand(_ctx: CommandContext, _argv: string[]): Reply {
  return helpReply("XINFO", [
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
  ]);
}

export const streamCommands: CommandSpec[] = [
  { name: "xack", arity: -4, flags: ["write", "fast"], keys: firstKey, group, summary: "Returns the number of messages that were successfully acknowledged by the consumer group member of a stream.", since: "5.0.0", run: xackCommand },
  { name: "xackdel", arity: -6, flags: ["write", "fast"], keys: firstKey, group, summary: "Acknowledges and conditionally deletes one or multiple entries for a stream consumer group.", since: "8.2.0", run: xackdelCommand },
  { name: "xadd", arity: -5, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "Appends a new message to a stream. Creates the key if it doesn't exist.", since: "5.0.0", run: xaddCommand },
  { name: "xautoclaim", arity: -6, flags: ["write", "fast"], keys: firstKey, group, summary: "Changes, or acquires, ownership of messages in a consumer group, as if the messages were delivered to as consumer group member.", since: "6.2.0", run: xautoclaimCommand },
  { name: "xclaim", arity: -6, flags: ["write", "fast"], keys: firstKey, group, summary: "Changes, or acquires, ownership of a message in a consumer group, as if the message was delivered a consumer group member.", since: "5.0.0", run: xclaimCommand },
  { name: "xdel", arity: -3, flags: ["write", "fast"], keys: firstKey, group, summary: "Returns the number of messages after removing them from a stream.", since: "5.0.0", run: xdelCommand },
  { name: "xdelex", arity: -5, flags: ["write", "fast"], keys: firstKey, group, summary: "Deletes one or multiple entries from the stream.", since: "8.2.0", run: xdelexCommand },
  {
    name: "xgroup", arity: -2, flags: [], group, summary: "A container for consumer groups commands.", since: "5.0.0",
    subcommands: [
      { name: "xgroup|create", arity: -5, flags: ["write", "denyoom"], keys: secondKey, group, summary: "Creates a consumer group.", since: "5.0.0", run: xgroupCreateCommand },
      { name: "xgroup|createconsumer", arity: 5, flags: ["write", "denyoom"], keys: secondKey, group, summary: "Creates a consumer in a consumer group.", since: "6.2.0", run: xgroupCreateconsumerCommand },
      { name: "xgroup|delconsumer", arity: 5, flags: ["write"], keys: secondKey, group, summary: "Deletes a consumer from a consumer group.", since: "5.0.0", run: xgroupDelconsumerCommand },
      { name: "xgroup|destroy", arity: 4, flags: ["write"], keys: secondKey, group, summary: "Destroys a consumer group.", since: "5.0.0", run: xgroupDestroyCommand },
      { name: "xgroup|help", arity: 2, flags: ["loading", "stale"], group, summary: "Returns helpful text about the different subcommands.", since: "5.0.0", run: xgroupHelpCommand },
      { name: "xgroup|setid", arity: -5, flags: ["write"], keys: secondKey, group, summary: "Sets the last-delivered ID of a consumer group.", since: "5.0.0", run: xgroupSetidCommand },
    ],
  },
  {
    name: "xinfo", arity: -2, flags: [], group, summary: "A container for stream introspection commands.", since: "5.0.0",
    subcommands: [
      { name: "xinfo|consumers", arity: 4, flags: ["readonly"], keys: secondKey, group, summary: "Returns a list of the consumers in a consumer group.", since: "5.0.0", run: xinfoConsumersCommand },
      { name: "xinfo|groups", arity: 3, flags: ["readonly"], keys: secondKey, group, summary: "Returns a list of the consumer groups of a stream.", since: "5.0.0", run: xinfoGroupsCommand },
      { name: "xinfo|help", arity: 2, flags: ["loading", "stale"], group, summary: "Returns helpful text about the different subcommands.", since: "5.0.0", run: xinfoHelpCommand },
      { name: "xinfo|stream", arity: -3, flags: ["readonly"], keys: secondKey, group, summary: "Returns information about a stream.", since: "5.0.0", run: xinfoStreamCommand },
    ],
  },
  { name: "xlen", arity: 2, flags: ["readonly", "fast"], keys: firstKey, group, summary: "Return the number of messages in a stream.", since: "5.0.0", run: xlenCommand },
  { name: "xpending", arity: -3, flags: ["readonly"], keys: firstKey, group, summary: "Returns the information and entries from a stream consumer group's pending entries list.", since: "5.0.0", run: xpendingCommand },
  { name: "xrange", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns the messages from a stream within a range of IDs.", since: "5.0.0", run: rangeGeneric(false) },
  // XREAD and XREADGROUP name their keys after STREAMS (movable keys): no fixed key positions.
  { name: "xread", arity: -4, flags: ["readonly"], movableKeys: streamKeys, group, summary: "Returns messages from multiple streams with IDs greater than the ones requested.", since: "5.0.0", run: xreadGeneric(false) },
  { name: "xreadgroup", arity: -7, flags: ["write"], movableKeys: streamKeys, group, summary: "Returns new or historical messages from a stream for a consumer in a group.", since: "5.0.0", run: xreadGeneric(true) },
  { name: "xrevrange", arity: -4, flags: ["readonly"], keys: firstKey, group, summary: "Returns the messages from a stream within a range of IDs in reverse order.", since: "5.0.0", run: rangeGeneric(true) },
  { name: "xsetid", arity: -3, flags: ["write", "denyoom", "fast"], keys: firstKey, group, summary: "An internal command for replicating stream values.", since: "5.0.0", run: xsetidCommand },
  { name: "xtrim", arity: -4, flags: ["write"], keys: firstKey, group, summary: "Deletes messages from the beginning of a stream.", since: "5.0.0", run: xtrimCommand },
];
