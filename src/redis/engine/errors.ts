// Every error text the engine sends, in one place: clients match on these strings, so a test pins
// them. A command throws a RedisError before its first change; the dispatcher turns it into a reply.

export class RedisError extends Error {
  constructor(message: string) {
    super(message);
  }
}

const fail = (message: string) => new RedisError(message);

export const errors = {
  unknownCommand: (name: string, args: string[]) =>
    fail(`ERR unknown command '${sanitize(cString(name).slice(0, 128))}', with args beginning with: ${quoteArgs(args)}`),
  unknownSubcommand: (sub: string, container: string) =>
    fail(`ERR unknown subcommand '${sanitize(cString(sub).slice(0, 128))}'. Try ${cString(container).toUpperCase()} HELP.`),
  wrongArity: (name: string) => fail(`ERR wrong number of arguments for '${name.toLowerCase()}' command`),
  syntax: () => fail("ERR syntax error"),
  wrongType: () => fail("WRONGTYPE Operation against a key holding the wrong kind of value"),
  notInteger: () => fail("ERR value is not an integer or out of range"),
  notFloat: () => fail("ERR value is not a valid float"),
  notPositive: (what = "value") => fail(`ERR ${what} is out of range, must be positive`),
  overflow: () => fail("ERR increment or decrement would overflow"),
  decrementOverflow: () => fail("ERR decrement would overflow"),
  nanOrInfinity: () => fail("ERR increment would produce NaN or Infinity"),
  hashNotInteger: () => fail("ERR hash value is not an integer"),
  hashNotFloat: () => fail("ERR hash value is not a float"),
  // hash commands (t_hash.c, Redis 7.4–8.2 field expiry)
  incrementNanOrInfinity: () => fail("ERR value is NaN or Infinity"),
  plainValueOutOfRange: () => fail("ERR value is out of range"),
  numFieldsNotPositive: () => fail("ERR Number of fields must be a positive integer"),
  negativeExpire: () => fail("ERR invalid expire time, must be >= 0"),
  invalidNumberOfFields: () => fail("ERR invalid number of fields"),
  missingExpireTime: () => fail("ERR missing expire time"),
  fnxAndFxx: () => fail("ERR Only one of FXX or FNX arguments can be specified"),
  conflictingExpiration: () => fail("ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"),
  unknownArgument: (argument: string) => fail(`ERR unknown argument: ${sanitize(argument)}`),
  invalidExpire: (command: string) => fail(`ERR invalid expire time in '${command.toLowerCase()}' command`),
  noSuchKey: () => fail("ERR no such key"),
  offsetOutOfRange: () => fail("ERR offset is out of range"),
  stringTooLong: () => fail("ERR string exceeds maximum allowed size (proto-max-bulk-len)"),
  lcsNotStrings: () => fail("ERR The specified keys must contain string values"),
  lcsLenAndIdx: () => fail("ERR If you want both the length and indexes, please just use IDX."),
  lcsTableTooLarge: () => fail("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"),
  lcsOutOfMemory: () => fail("ERR Insufficient memory, failed allocating transient memory for LCS"),
  noPermission: (name: string) =>
    fail(`NOPERM this user has no permissions to run the '${name.toLowerCase()}' command or its subcommand`),
  commandNotAllowedInTransaction: (name: string) => fail(`ERR Command not allowed inside a transaction: '${name}'`),
  nestedMulti: () => fail("ERR MULTI calls can not be nested"),
  execAbort: () => fail("EXECABORT Transaction discarded because of previous errors."),
  nxAndXx: () => fail("ERR XX and NX options at the same time are not compatible"),
  gtLtNx: () => fail("ERR GT, LT, and/or NX options at the same time are not compatible"),
  invalidCursor: () => fail("ERR invalid cursor"),
  // generic / server commands (EXPIRE family, COPY, OBJECT, CLIENT, COMMAND GETKEYS)
  expireNxConflict: () => fail("ERR NX and XX, GT or LT options at the same time are not compatible"),
  expireGtAndLt: () => fail("ERR GT and LT options at the same time are not compatible"),
  unsupportedOption: (option: string) => fail(`ERR Unsupported option ${sanitize(option)}`),
  sameObject: () => fail("ERR source and destination objects are the same"),
  dbIndexOutOfRange: () => fail("ERR DB index is out of range"),
  lfuNotSelected: () =>
    fail(
      "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    ),
  unrecognizedOption: (option: string) => fail(`ERR Unrecognized option '${sanitize(option)}'`),
  invalidClientAttribute: (attribute: string) =>
    fail(`ERR ${sanitize(attribute)} cannot contain spaces, newlines or special characters.`),
  invalidCommandSpecified: () => fail("ERR Invalid command specified"),
  invalidCommandArguments: () => fail("ERR Invalid number of arguments specified for command"),
  commandHasNoKeys: () => fail("ERR The command has no key arguments"),
  invalidKeyArguments: () => fail("ERR Invalid arguments specified for command"),
  numFieldsMismatch: () => fail("ERR The `numfields` parameter must match the number of arguments"),
  numFieldsPositive: () => fail("ERR Parameter `numFields` should be greater than 0"),
  mandatoryFields: () => fail("ERR Mandatory argument FIELDS is missing or not at the right position"),
  countPositive: () => fail("ERR COUNT must be > 0"),
  // sorted-set and geo commands (t_zset.c, geo.c)
  zaddIncrPairs: () => fail("ERR INCR option supports a single increment-element pair"),
  scoreNaN: () => fail("ERR resulting score is not a number (NaN)"),
  minMaxNotFloat: () => fail("ERR min or max is not a float"),
  minMaxNotLexItem: () => fail("ERR min or max not valid string range item"),
  zrangeLimitNeedsBy: () => fail("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"),
  zrangeWithScoresByLex: () => fail("ERR syntax error, WITHSCORES not supported in combination with BYLEX"),
  inputKeyNeeded: (command: string) => fail(`ERR at least 1 input key is needed for '${command}' command`),
  weightNotFloat: () => fail("ERR weight value is not a float"),
  invalidLongitudeLatitude: (pair: string) => fail(`ERR invalid longitude,latitude pair ${pair}`),
  unsupportedUnit: () => fail("ERR unsupported unit provided. please use M, KM, FT, MI"),
  needNumeric: (what: string) => fail(`ERR need numeric ${what}`),
  radiusNegative: () => fail("ERR radius cannot be negative"),
  boxNegative: () => fail("ERR height or width cannot be negative"),
  undecodableMember: () => fail("ERR could not decode requested zset member"),
  geoStoreWithOptions: (what: string) => fail(`ERR ${what} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`),
  geoExactlyOneFrom: (command: string) => fail(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${sanitize(command)}`),
  geoExactlyOneBy: (command: string) => fail(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${sanitize(command)}`),
  geoAnyWithoutCount: () => fail("ERR the ANY argument requires COUNT argument"),
  valueOutOfRange: (what: string) => fail(`ERR value is out of range, ${what}`),
  // list, set and SORT commands (t_list.c, t_set.c, sort.c)
  indexOutOfRange: () => fail("ERR index out of range"),
  rankZero: () =>
    fail("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
  optionNegative: (option: string) => fail(`ERR ${option} can't be negative`),
  numkeysNotPositive: () => fail("ERR numkeys should be greater than 0"),
  countNotPositive: () => fail("ERR count should be greater than 0"),
  numkeysTooLarge: () => fail("ERR Number of keys can't be greater than number of args"),
  sortNotDouble: () => fail("ERR One or more scores can't be converted into double"),
  // bitmaps and HyperLogLog (bitops.c, hyperloglog.c)
  bitOffsetOutOfRange: () => fail("ERR bit offset is not an integer or out of range"),
  bitNotInteger: () => fail("ERR bit is not an integer or out of range"),
  bitArgument: () => fail("ERR The bit argument must be 1 or 0."),
  bitopNotSingleKey: () => fail("ERR BITOP NOT must be called with a single source key."),
  bitopTwoSourceKeys: (op: string) => fail(`ERR BITOP ${op} must be called with at least two source keys.`),
  invalidBitfieldType: () => fail("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."),
  invalidOverflowType: () => fail("ERR Invalid OVERFLOW type specified"),
  bitfieldReadOnly: () => fail("ERR BITFIELD_RO only supports the GET subcommand"),
  notHyperLogLog: () => fail("WRONGTYPE Key is not a valid HyperLogLog string value."),
  corruptHyperLogLog: () => fail("INVALIDOBJ Corrupted HLL object detected"),
  // stream commands (t_stream.c); names inside texts are C strings, as Redis prints them with %s
  invalidStreamId: () => fail("ERR Invalid stream ID specified as stream command argument"),
  streamIdZero: () => fail("ERR The ID specified in XADD must be greater than 0-0"),
  streamIdTooSmall: () => fail("ERR The ID specified in XADD is equal or smaller than the target stream top item"),
  streamExhausted: () => fail("ERR The stream has exhausted the last possible ID, unable to add more items"),
  maxlenAndMinid: () => fail("ERR syntax error, MAXLEN and MINID options at the same time are not compatible"),
  streamArgumentNegative: (name: string) => fail(`ERR The ${name} argument must be >= 0.`),
  limitWithoutStrategy: () => fail("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy"),
  xtrimWithoutStrategy: () => fail("ERR syntax error, XTRIM must be called with a trimming strategy"),
  limitWithoutApprox: () => fail("ERR syntax error, LIMIT cannot be used without the special ~ option"),
  invalidIntervalId: (bound: "start" | "end") => fail(`ERR invalid ${bound} ID for the interval`),
  unbalancedStreams: (command: string, symbol: string) =>
    fail(`ERR Unbalanced '${command}' list of streams: for each stream key an ID or '${symbol}' must be specified.`),
  xreadgroupOnlyOption: (option: string) => fail(`ERR The ${option} option is only supported by XREADGROUP. You called XREAD instead.`),
  /** The command's name as the script wrote it. */
  blockInScript: (command: string) => fail(`ERR ${command} command is not allowed with BLOCK option from scripts`),
  missingGroupOption: () => fail("ERR Missing GROUP option for XREADGROUP"),
  noGroupForRead: (key: string, group: string) =>
    fail(`NOGROUP No such key '${sanitize(cString(key))}' or consumer group '${sanitize(cString(group))}' in XREADGROUP with GROUP option`),
  meaninglessReadGroupId: (id: string) =>
    fail(`ERR The ${id} ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The ${id} ID would just return an empty result set.`),
  newEntriesIdWithoutGroup: () => fail("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."),
  timeoutNotInteger: () => fail("ERR timeout is not an integer or out of range"),
  timeoutNegative: () => fail("ERR timeout is negative"),
  timeoutOutOfRange: () => fail("ERR timeout is out of range"),
  entriesReadNegative: () => fail("ERR value for ENTRIESREAD must be positive or -1"),
  xgroupKeyMissing: () =>
    fail("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."),
  noSuchGroup: (group: string, key: string) => fail(`NOGROUP No such consumer group '${sanitize(cString(group))}' for key name '${sanitize(cString(key))}'`),
  noSuchKeyOrGroup: (key: string, group: string) => fail(`NOGROUP No such key '${sanitize(cString(key))}' or consumer group '${sanitize(cString(group))}'`),
  busyGroup: () => fail("BUSYGROUP Consumer Group name already exists"),
  subcommandSyntax: (sub: string, container: string) =>
    fail(`ERR unknown subcommand or wrong number of arguments for '${sanitize(cString(sub).slice(0, 128))}'. Try ${container.toUpperCase()} HELP.`),
  xsetidBelowGivenMaxDeleted: () => fail("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id"),
  xsetidBelowMaxDeleted: () => fail("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id"),
  xsetidBelowTop: () => fail("ERR The ID specified in XSETID is smaller than the target stream top item"),
  xsetidEntriesAddedBelowLength: () => fail("ERR The entries_added specified in XSETID is smaller than the target stream length"),
  entriesAddedNegative: () => fail("ERR entries_added must be positive"),
  invalidClaimArgument: (what: string) => fail(`ERR Invalid ${what}`),
  unrecognizedClaimOption: (option: string) => fail(`ERR Unrecognized XCLAIM option '${sanitize(cString(option))}'`),
  idsCountNotPositive: () => fail("ERR Number of IDs must be a positive integer"),
  idsCountMismatch: () => fail("ERR The `numids` parameter must match the number of arguments"),
  // JSON.* (RedisJSON 2.x words; the module sends some without an ERR code, and serde_json's and
  // the path compiler's messages verbatim)
  jsonNoSuchKey: () => fail("ERR could not perform this operation on a key that doesn't exist"),
  jsonNewObjectsAtRoot: () => fail("ERR new objects must be created at the root"),
  jsonPathMissing: (path: string) => fail(`ERR Path '${sanitize(path)}' does not exist`),
  jsonPathMissingOr: (path: string, or: string) => fail(`ERR Path '${sanitize(path)}' does not exist or ${or}`),
  jsonWrongPathType: (expected: string, found: string) =>
    fail(`WRONGTYPE wrong type of path value - expected ${expected} but found ${sanitize(found)}`),
  jsonWrongStaticPath: () => fail("Err wrong static path"),
  jsonArrayIndexOutOfRange: () => fail("ERR array index out of range"),
  jsonIndexOutOfBounds: () => fail("ERR index out of bounds"),
  jsonNotUtf8: () => fail("Couldn't parse as UTF-8 string"),
  jsonNotInteger: () => fail("Couldn't parse as integer"),
  jsonBadNumber: () => fail("bad input number"),
  jsonResultNotNumber: () => fail("result is not a number"),
  jsonWrongFormat: () => fail("ERR wrong format"),
  jsonFormatOnResp2: () => fail("ERR FORMAT argument is not supported on RESP2"),
  jsonSyntax: (message: string) => fail(sanitize(message)),
  jsonPathSyntax: (message: string) => fail(sanitize(message)),
  // Upstash REST specific texts (spec/redis-rest.md §4)
  nullArgument: () => fail("ERR null is not a valid command argument"),
  nestedArgument: () => fail("ERR nested arrays and objects are not valid command arguments"),
  unsafeNumber: () => fail("ERR numeric argument beyond 2^53 is not exact; send it as a string"),
  notCommandArray: () => fail("ERR failed to parse command: the body must be a JSON array of arguments"),
  notPipelineArray: () => fail("ERR failed to parse pipeline request: the body must be a JSON array of commands"),
  emptyCommand: () => fail("ERR empty command"),
  emptyPipeline: () => fail("ERR empty pipeline request"),
  invalidJson: () => fail("ERR failed to parse request body: invalid JSON"),
  maxRequestSize: () => fail("ERR max request size exceeded"),
  unauthorized: () => fail("WRONGPASS invalid or missing auth token"),
  invalidPath: () => fail("ERR invalid percent-encoding in request path"),
  invalidResponseFormat: () => fail("ERR invalid Upstash-Response-Format header, expected json or resp2"),
  resp2WithBase64: () => fail("ERR Upstash-Encoding base64 is not allowed with Upstash-Response-Format resp2"),
  transactionCommand: (name: string) => fail(`ERR ${name.toUpperCase()} is not supported over REST; use /multi-exec`),
  // scripting and functions (eval.c, script_lua.c, function_lua.c, functions.c)
  noScript: () => fail("NOSCRIPT No matching script. Please use EVAL."),
  notAllowedFromScript: () => fail("ERR This Redis command is not allowed from script"),
  negativeNumKeys: () => fail("ERR Number of keys can't be negative"),
  tooManyNumKeys: () => fail("ERR Number of keys can't be greater than number of args"),
  badNumKeys: () => fail("ERR Bad number of keys provided"),
  notBusy: () => fail("NOTBUSY No scripts in execution right now."),
  functionNotFound: () => fail("ERR Function not found"),
  libraryNotFound: () => fail("ERR Library not found"),
  libraryNameMissing: () => fail("ERR library name argument was not given"),
  unknownListArgument: (argument: string) => fail(`ERR Unknown argument ${sanitize(argument)}`),
  scriptFlushMode: () => fail("ERR SCRIPT FLUSH only support SYNC|ASYNC option"),
  functionFlushMode: () => fail("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
  unknownFunctionOption: (option: string) => fail(`ERR Unknown option given: ${sanitize(option)}`),
  restorePolicy: () => fail("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE."),
  badDumpPayload: () => fail("ERR DUMP payload version or checksum are wrong"),
  // persistence (server.c, rdb.c): the change log plays the AOF's part
  writeToDiskFailed: (reason: string) => fail(`MISCONF Errors writing to the AOF file: ${reason}`),
  backgroundSaveInProgress: () => fail("ERR Background save already in progress"),
  saveFailed: () => fail("ERR"),
} as const;

// Redis lists the first arguments, each quoted, until the list reaches 128 bytes.
function quoteArgs(args: string[]): string {
  let out = "";
  for (const arg of args) {
    if (out.length >= 128) break;
    out += `'${cString(arg).slice(0, 128 - out.length)}' `;
  }
  return sanitize(out);
}

// compat: Redis formats these texts with C's %s, which stops at the first NUL byte.
function cString(text: string): string {
  const nul = text.indexOf("\x00");
  return nul === -1 ? text : text.slice(0, nul);
}

// An error reply is one line: Redis replaces CR and LF in it with spaces.
function sanitize(text: string): string {
  return text.replace(/[\r\n]/g, " ");
}
