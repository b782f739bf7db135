// compat: Lua 5.1 behaviour that lives in Lua 5.4's instructions rather than in a constant (lua-vm.ts
// rewrites the constants) or in a library function a Lua wrapper could replace at a price per call:
// patches of wasmoon 1.16's module (Lua 5.4.6 built for wasm32), applied by wasm-code-patch.ts
// before it is compiled, so no call pays for them. Each finds its bytes exactly once (or as often as
// it says) or the server refuses to start; the bytes after `;;` are the instructions wasm-objdump shows, and a local's
// number is the one that build gave it. Each is proven against redis-server in conversions.test.ts.

import { hex, nops, type CodePatch } from "./wasm-code-patch.ts";

/**
 * Lua 5.1 reads an integer argument (luaL_checkinteger: string.sub's positions, string.rep's
 * count, unpack's range ...) with C's cast of its number, which cuts toward zero and gives
 * INT64_MIN for NaN and numbers out of range on x86-64; 5.4 refuses any number with a fraction
 * ("number has no integer representation"), so `string.sub(s, 1, #s / 2)` failed where Redis
 * takes the first half. lua_tointegerx, under every integer argument, has 5.4's conversion inlined
 * (lvm.c luaV_flttointns with F2Ieq): `f64.floor` becomes `f64.trunc`, the branch taken when that
 * changed the number is dropped, and so is the range check's (the code already stores INT64_MIN for
 * a number out of range). Table keys and number comparisons convert through code of their own,
 * which stays exact.
 */
const integerArguments: CodePatch = {
  where: "lua_tointegerx (lapi.c), its inlined luaV_tointeger",
  find: hex(`
    9c 22 06 20 07 62 0d 01              ;; f64.floor; local.tee 6; local.get 7; f64.ne; br_if 1
    20 06 44 000000000000e043 63         ;; local.get 6; f64.const 2^63; f64.lt
    20 06 44 000000000000e0c3 66 71      ;; local.get 6; f64.const -2^63; f64.ge; i32.and
    22 00 45 0d 01                       ;; local.tee 0; i32.eqz; br_if 1
  `),
  replace: hex(`
    9d 22 06 20 07 62 1a 01              ;; f64.trunc; local.tee 6; local.get 7; f64.ne; drop; nop
    20 06 44 000000000000e043 63
    20 06 44 000000000000e0c3 66 71
    1a 41 01 21 00                       ;; drop; i32.const 1; local.set 0 (converted)
  `),
};

/**
 * pairs (and cjson.encode, cmsgpack.pack) visits a table's nodes in place order, and where a key
 * lands depends on the keys placed before it. When a table's hash part grows, 5.1 (resize in
 * ltable.c) places the old nodes again from the last to the first, 5.4 (reinsert) from the first
 * to the last, so a table grown key by key past four keys came out in another order than Redis's
 * (the string hash and the placement rules are 5.1's once the hash seed is 0: lua-vm.ts clearSeed).
 * The loop, inlined in luaH_resize, now counts down from the last node to -1.
 */
const rehashOrder: CodePatch = {
  where: "luaH_resize (ltable.c), its inlined reinsert",
  find: hex(`
    41 01 41 01 20 0a 74 22 02 20 02 41 01 4c 1b 21 04   ;; local 4 = the old node count (at least 1)
    41 00 21 05                                          ;; local 5 = 0
    03 40 02 40                                          ;; loop; block
    20 08 20 05 41 18 6c 6a 22 02                        ;;   local 2 = old nodes + local 5 * 24
    2d 00 08 41 0f 71 45 0d 00                           ;;   an empty value: on to the next node
    20 06 20 02 29 03 10 37 03 20 20 06 20 02 2d 00 09 3a 00 28
    20 01 20 06 41 20 6a 22 07 10 8e 04 22 03 2d 00 08 41 20 46
    04 40 20 00 20 01 20 07 20 02 10 8d 04 0c 01 0b
    20 03 20 02 29 03 00 37 03 00 20 03 20 02 2d 00 08 3a 00 08
    0b                                                   ;; end of block
    20 05 41 01 6a 22 05 20 04 47 0d 00 0b               ;; local 5 += 1; again while local 5 != local 4
  `),
  replace: hex(`
    41 01 20 0a 74 41 01 6b 21 05                        ;; local 5 = (1 << lsizenode) - 1
    41 7f 21 04                                          ;; local 4 = -1
    01 01 01 01 01 01 01                                 ;; nop x 7
    03 40 02 40
    20 08 20 05 41 18 6c 6a 22 02
    2d 00 08 41 0f 71 45 0d 00
    20 06 20 02 29 03 10 37 03 20 20 06 20 02 2d 00 09 3a 00 28
    20 01 20 06 41 20 6a 22 07 10 8e 04 22 03 2d 00 08 41 20 46
    04 40 20 00 20 01 20 07 20 02 10 8d 04 0c 01 0b
    20 03 20 02 29 03 00 37 03 00 20 03 20 02 2d 00 08 3a 00 08
    0b
    20 05 41 01 6b 22 05 20 04 47 0d 00 0b               ;; local 5 -= 1; again while local 5 != -1
  `),
};

/**
 * table.insert(t, pos, v) with pos outside 1..#t+1: 5.4 refuses it ("position out of bounds"),
 * 5.1 moves up the elements from pos on (none when pos is past the end) and sets t[pos] = v, which
 * is what 5.4's code then does: the refusal's body becomes nops.
 */
const insertAnywhere: CodePatch = {
  where: "tinsert (ltablib.c)",
  find: hex(`
    10 8b 01 22 02 42 01 7d 58           ;; local 2 = luaL_checkinteger(L, 2); (local 2 - 1) >=u e
    04 40 20 00 41 02 41 80 12 10 77 1a 0b   ;; if: luaL_argerror(L, 2, "position out of bounds") end
  `),
  replace: hex(`
    10 8b 01 22 02 42 01 7d 58
    04 40 01 01 01 01 01 01 01 01 01 01 0b   ;; if: nops end
  `),
};

/**
 * table.remove(t, pos) with pos outside 1..#t: 5.1 returns nothing and changes nothing; 5.4
 * refuses pos past #t + 1 and removes t[0] from an empty table. The check is now 5.1's
 * ((pos - 1) <u #t, with no exception for pos = #t), and its failure returns no results.
 */
const removeInRangeOnly: CodePatch = {
  where: "tremove (ltablib.c)",
  find: hex(`
    10 8d 01 22 01 20 02 51 0d 00        ;; local 1 = luaL_optinteger(L, 2, size); == size: br_if 0
    20 01 42 01 7d 20 02 58 0d 00        ;; (pos - 1) <=u size: br_if 0
    20 00 41 02 41 80 12 10 77 1a 0b     ;; luaL_argerror(L, 2, "position out of bounds") end
  `),
  replace: hex(`
    10 8d 01 22 01 20 02 51 1a 01        ;; ...; == size; drop; nop
    20 01 42 01 7d 20 02 54 0d 00        ;; (pos - 1) <u size: br_if 0
    41 00 0f 01 01 01 01 01 01 01 0b     ;; return 0
  `),
};

/**
 * string.find and string.match from an init past the end: 5.4 finds nothing, 5.1 starts at the end
 * (so the empty pattern is found there). The start is now computed as 5.1's str_find_aux does it:
 * posrelat, minus one, clamped to 0..#s, in the i64 local of the argument (local 10), and then
 * taken as the start (local 8) where 5.4 tested it.
 */
const findFromTheEnd: CodePatch = {
  where: "str_find_aux (lstrlib.c)",
  find: hex(`
    02 40 20 0a 42 00 55 04 40 20 0a a7 21 03 0c 01 0b   ;; local 3 = posrelatI(init, ls) ...
    20 0a 50 0d 00 20 0a 42 00 20 05 ad 7d 53 0d 00
    20 05 20 0a a7 6a 41 01 6a 21 03 0b
    02 40 02 40                                          ;; block; block
    20 03 41 01 6b 22 08 20 05 4b 0d 00                  ;; local 8 = local 3 - 1; > ls: br_if 0 (fail)
  `),
  replace: hex(`
    20 0a 20 05 ad 7c                    ;; init + ls
    20 0a 42 01 7d                       ;; init - 1
    20 0a 42 00 53 1b 21 0a              ;; local 10 = init < 0 ? init + ls : init - 1
    42 00 20 0a 20 0a 42 00 53 1b 21 0a  ;; local 10 = local 10 < 0 ? 0 : local 10
    20 05 ad 20 0a 20 0a 20 05 ad 55 1b 21 0a   ;; local 10 = local 10 > ls ? ls : local 10
    02 40 02 40
    20 0a a7 21 08                       ;; local 8 = local 10
    01 01 01 01 01 01 01                 ;; nop x 7
  `),
};

/**
 * string.rep(s, n, sep): 5.4 puts sep between the copies, 5.1 takes two arguments and ignores a
 * third. The separator is no longer read: its length (in the frame, at local 1 + 536) is set to 0
 * and its text to the empty string that was its default.
 */
const repWithoutSeparator: CodePatch = {
  where: "str_rep (lstrlib.c)",
  find: hex(`
    20 00 41 03 41 ce c6 00 20 01 41 98 04 6a 10 84 01   ;; luaL_optlstring(L, 3, "", &lsep)
    21 05                                                ;; local 5 = sep
  `),
  replace: hex(`
    20 01 41 00 36 02 98 04              ;; lsep = 0
    41 ce c6 00 21 05                    ;; local 5 = ""
    01 01 01 01 01                       ;; nop x 5
  `),
};

/**
 * string.gsub and string.gmatch after a match: 5.1 tries the pattern again where the match ended
 * and takes an empty match there ("aaa":gsub("a*", "-") is "--", gmatch("a,b", "[^,]*") gives
 * "a", "", "b", ""); 5.4 refuses an empty match that ends where the last match ended ("-"). 5.4
 * compares each match's end with `lastmatch`, which it sets to the end of the match it took: these
 * set it to the match's start instead, so only a second empty match at the same place is refused,
 * which is where 5.1 moved one character on. gsub's flag of whether any replacement changed the
 * text (to return the subject itself) is set on every match, which makes the room: it only saved
 * a copy of an equal string.
 */
const gsubAfterAMatch: CodePatch = {
  where: "str_gsub (lstrlib.c)",
  find: hex(`
    20 0a 41 01 72 21 0a 0b              ;; changed |= 1 (local 10); end
    20 09 22 02 0b 21 04                 ;; src (local 4) = lastmatch (local 2) = e (local 9)
  `),
  replace: hex(`
    41 01 21 0a 01 0b                    ;; changed = 1; nop; end
    20 04 21 02 20 09 0b 21 04           ;; lastmatch = src; src = e
  `),
};

const gmatchAfterAMatch: CodePatch = {
  where: "gmatch_aux (lstrlib.c)",
  find: hex(`
    20 02 20 01 28 02 08 46 0d 00        ;; e (local 2) == gm->lastmatch: on to the next place
    20 01 20 02 36 02 00                 ;; gm->src = e
    20 01 20 02 36 02 08                 ;; gm->lastmatch = e
  `),
  replace: hex(`
    20 02 20 01 28 02 08 46 0d 00
    20 01 20 02 36 02 00
    20 01 20 00 36 02 08                 ;; gm->lastmatch = src (local 0), the match's start
  `),
};

/**
 * The br_table of llex.c read_string's escape switch, over the character after the backslash plus
 * one (EOZ is -1): the label each character takes, for the escapes 5.1 and 5.4 share, and `u`,
 * `x`, `z` and every other character as given.
 */
function escapeSwitch(labels: { u: number; x: number; z: number; digit: number; other: number }): Uint8Array {
  const CASES = 124; // EOZ to 'z'; later characters take the default label
  const targets = new Array<number>(CASES).fill(labels.other);
  const at = (character: string) => character.charCodeAt(0) + 1;
  targets[0] = 15; // EOZ: no_save, the string's end raises the error
  targets[at("\n")] = targets[at("\r")] = 7; // a line break: inclinenumber
  targets[at('"')] = targets[at("'")] = targets[at("\\")] = ITSELF;
  for (let digit = 0; digit <= 9; digit++) targets[at(String(digit))] = labels.digit;
  const shared: [string, number][] = [["a", 12], ["b", 11], ["f", 0], ["n", 1], ["r", 2], ["t", 3], ["v", 4]];
  for (const [character, label] of shared) targets[at(character)] = label;
  targets[at("u")] = labels.u;
  targets[at("x")] = labels.x;
  targets[at("z")] = labels.z;
  return Uint8Array.of(0x0e, CASES, ...targets, labels.other);
}
/** The escape switch's label of `case '\\': case '"': case '\'': c = ls->current; goto read_save`. */
const ITSELF = 8;

/**
 * A backslash before any character but a digit or one of abfnrtv and newline, in a string literal:
 * 5.1 keeps the character ("\." is ".", "\x41" is "x41", "\z" is "z"), 5.4 reads \x, \u{} and \z
 * escapes and refuses the rest ("invalid escape sequence"), so a script Redis compiles, such as
 * one matching "\." in a pattern, did not compile here. Those characters now take the branch that
 * keeps the character itself.
 */
const lua51Escapes: CodePatch = {
  where: "read_string (llex.c), its escape switch",
  find: escapeSwitch({ u: 6, x: 5, z: 9, digit: 10, other: 10 }),
  replace: escapeSwitch({ u: ITSELF, x: ITSELF, z: ITSELF, digit: 10, other: ITSELF }),
};

/**
 * A number becoming text (`..`, and strings the string functions take): 5.1 held every number as
 * a double and wrote it with "%.14g", so an integer of 15 digits or more came out as
 * "1.2345678901234e+14" (a microsecond timestamp as "1.7000000001235e+15"); 5.4 writes integers
 * with "%lld", in full. luaO_tostring (its inlined tostringbuff) now writes every number as 5.1
 * did: the integer made a double, then "%.14g", except an integral double under 10^14 other than
 * 0, whose decimal digits (the same text) the patch writes itself, in two halves of up to seven
 * digits that fit 32-bit integers: musl's printf took most of the time of `"k:" .. n`, which is now
 * about twice as fast. Its ".0" suffix for floats that look like integers, already made inert by
 * lua-vm.ts's constant rewrite, is dropped with the branch. Local 2 is the function's 80-byte
 * stack frame (the vararg at 16, buff's 44 bytes at 32); the digits go backwards into its first
 * 24 bytes and are copied into buff (memory.copy), behind a '-'.
 */
const numbersAsDoubles: CodePatch = {
  where: "luaO_tostring (lobject.c), its inlined tostringbuff",
  find: hex(`
    20 01 2d 00 08 41 03 46 04 40        ;; if obj is an integer:
    20 02 20 01 29 03 00 37 03 00        ;;   the vararg = its i64
    20 02 41 20 6a 41 2c 41 cb 30 20 02 10 ee 04 21 03   ;; len = snprintf(buff, 44, "%lld", ...)
    0c 01 0b                             ;;   br 1; end
    20 02 20 01 2b 03 00 39 03 10        ;; the vararg = its f64
    20 02 41 20 6a 22 04 41 2c 41 fa 24 20 02 41 10 6a 10 ee 04 21 03   ;; len = snprintf(buff, 44, "%.14g", ...)
    20 04 41 81 39 10 f9 04 20 04 6a 2d 00 00 0d 00   ;; if buff[strspn(buff, "-0123456789")] == 0:
    41 80 88 01 28 02 00 2d 00 00 21 05                ;;   append the locale's decimal point
    20 03 20 04 6a 22 04 41 30 3a 00 01 20 04 20 05 3a 00 00   ;;   and "0"
    20 03 41 02 6a 21 03
  `),
  replace: hex(`
    20 02                                ;; the vararg (at 16) = d:
    20 01 2b 03 00                       ;;   the f64,
    20 01 29 03 00 b9                    ;;   the i64 made a double,
    20 01 2d 00 08 41 03 47 1b           ;;   the first unless obj is an integer
    39 03 10
    20 02 2b 03 10 20 02 2b 03 10 9d 61  ;; d == trunc(d)
    20 02 2b 03 10 99 44 00 00 90 1e c4 bc d6 42 63 71   ;; and |d| < 1e14
    20 02 2b 03 10 44 00 00 00 00 00 00 00 00 62 71      ;; and d != 0 (-0 is "-0")
    04 40                                ;; if so, its decimal digits, written here:
      20 02 2b 03 10 99 44 00 00 00 00 d0 12 63 41 a3 9c ab 21 04   ;; high = floor(|d| / 1e7)
      20 02 2b 03 10 99 20 04 b8 44 00 00 00 00 d0 12 63 41 a2 a1 ab 21 05   ;; low = |d| - high * 1e7
      20 02 2b 03 10 44 00 00 00 00 00 00 00 00 63 22 03   ;; negative = d < 0
      04 40 20 02 41 2d 3a 00 20 0b      ;; if negative: buff[0] = '-'
      20 02 20 03 3a 00 4c               ;; negative kept at frame + 76, past buff
      20 02 41 18 6a 21 03               ;; p = frame + 24: digits are written backwards below it
      02 40 03 40                        ;; do
        20 03 41 01 6b 22 03 20 05 41 0a 70 41 30 6a 3a 00 00   ;; *--p = '0' + low % 10
        20 05 41 0a 6e 21 05             ;;   low /= 10
        20 04 04 7f                      ;; while high ? p > frame + 17 (7 digits) : low != 0
          20 03 20 02 41 11 6a 4b
        05
          20 05 41 00 47
        0b
        0d 00
      0b 0b
      02 40 20 04 45 0d 00 03 40         ;; while high != 0:
        20 03 41 01 6b 22 03 20 04 41 0a 70 41 30 6a 3a 00 00   ;; *--p = '0' + high % 10
        20 04 41 0a 6e 22 04 0d 00       ;;   high /= 10
      0b 0b
      20 02 41 20 6a 20 02 2d 00 4c 6a      ;; memcpy(buff + negative,
      20 03                                 ;;   p,
      20 02 41 18 6a 20 03 6b               ;;   frame + 24 - p)
      fc 0a 00 00
      20 02 41 18 6a 20 03 6b 20 02 2d 00 4c 6a 21 03   ;; len = frame + 24 - p + negative
    05
      20 02 41 20 6a 41 2c 41 fa 24 20 02 41 10 6a 10 ee 04 21 03   ;; len = snprintf(buff, 44, "%.14g", ...)
    0b
  `),
};

/**
 * A `%` in string.gsub's replacement string before a character that is not a digit or `%`: 5.1
 * writes that character ("50% off" gives "50 off"), 5.4 refuses it ("invalid use of '%' in
 * replacement string"), so a replacement with a literal percent sign failed here. The refusal
 * becomes `p -= 1` (p, local 5, is where the `%` is): the code after it then takes the text on
 * from the character after the `%` rather than past it. A `%` that ends the replacement writes a
 * zero byte, as 5.1 wrote the string's terminating one (the byte after "%s expected").
 */
const gsubPercentKeepsCharacter: CodePatch = {
  where: "add_s (lstrlib.c), its refusal of an unknown '%' escape",
  find: hex(`
    20 01 41 25 36 02 10                 ;; the vararg = '%'
    20 03 41 8c 22 20 01 41 10 6a 10 78 1a   ;; luaL_error(L, "invalid use of '%c' in replacement string", ...)
    0b 20 01 20 01 28 02 dc 06           ;; end; then the text after p + 2 ...
  `),
  replace: hex(`
    20 05 41 01 6a 20 07 20 01 28 02 dc 06 6a 46   ;; if the '%' ends the replacement (p + 1 == news + l):
    04 40 20 01 41 28 6a 41 be 31 41 01 10 8f 01 0b   ;;   luaL_addlstring(&b, "\0", 1): 5.1 wrote the string's end
    20 05 41 01 6b 21 05                 ;; p -= 1
    0b 20 01 20 01 28 02 dc 06
  `),
};

/**
 * `%g` in a pattern: a class of its own in 5.4 (printable characters but space), the letter g in
 * 5.1, whose match_class had no such case and compared the character. In match_class's switch
 * over the class letter (tolower(cl) - 'a'), `g` now takes the default label, the comparison.
 */
const noGraphClass: CodePatch = {
  where: "match_class (lstrlib.c), its switch over the class letter",
  find: hex(`
    41 e1 00 6b                          ;; - 'a'
    0e 1a 0b 0a 00 01 0a 0a 02 0a 0a 0a 0a 03 0a 0a 0a 04 0a 0a 05 0a 06 0a 07 08 0a 09 0a   ;; a..z, default 10; g (7th) takes 2
  `),
  replace: hex(`
    41 e1 00 6b
    0e 1a 0b 0a 00 01 0a 0a 0a 0a 0a 0a 0a 03 0a 0a 0a 04 0a 0a 05 0a 06 0a 07 08 0a 09 0a   ;; g takes the default
  `),
};

/**
 * pairs and ipairs of anything but a table: 5.1 refuses it at once (luaL_checktype: "bad argument
 * #1 to 'pairs' (table expected, got nil)"), 5.4 accepts any value and fails in the loop, worded
 * for the 'for iterator', so iterating a missing field read otherwise than in Redis. Both
 * functions check for a table now; the room comes from pushing their last result with a call
 * (lua_pushinteger, lua_pushnil) instead of the inlined stack writes. pairs still honours
 * __pairs, which the sandbox's read-only library tables use.
 */
const ipairsOfATable: CodePatch = {
  where: "luaB_ipairs (lbaselib.c)",
  find: hex(`
    20 00 41 01 10 88 01                 ;; luaL_checkany(L, 1)
    20 00 41 0b 41 00 10 41              ;; lua_pushcfunction(L, ipairsaux)
    20 00 41 01 10 26                    ;; lua_pushvalue(L, 1)
    20 00 28 02 0c 22 01 41 03 3a 00 08 20 01 42 00 37 03 00   ;; lua_pushinteger(L, 0), inlined
    20 00 20 00 28 02 0c 41 10 6a 36 02 0c
    41 03 0b                             ;; return 3
  `),
  replace: Uint8Array.from([
    ...hex(`
      20 00 41 01 41 05 10 87 01         ;; luaL_checktype(L, 1, LUA_TTABLE)
      20 00 41 0b 41 00 10 41
      20 00 41 01 10 26
      20 00 42 00 10 3d                  ;; lua_pushinteger(L, 0)
    `),
    ...nops(24),
    ...hex("41 03 0b"),
  ]),
};

const pairsOfATable: CodePatch = {
  where: "luaB_pairs (lbaselib.c)",
  find: hex(`
    20 00 41 01 10 88 01                 ;; luaL_checkany(L, 1)
    20 00 41 01 41 f1 0e 10 7b 45 04 40  ;; if no __pairs metafield:
    20 00 41 0d 41 00 10 41              ;;   lua_pushcfunction(L, luaB_next)
    20 00 41 01 10 26                    ;;   lua_pushvalue(L, 1)
    20 00 28 02 0c 41 00 3a 00 08 20 00 20 00 28 02 0c 41 10 6a 36 02 0c   ;; lua_pushnil(L), inlined
    41 03 0f                             ;;   return 3
  `),
  replace: Uint8Array.from([
    ...hex(`
      20 00 41 01 41 05 10 87 01         ;; luaL_checktype(L, 1, LUA_TTABLE)
      20 00 41 01 41 f1 0e 10 7b 45 04 40
      20 00 41 0d 41 00 10 41
      20 00 41 01 10 26
      20 00 10 3b                        ;; lua_pushnil(L)
    `),
    ...nops(17),
    ...hex("41 03 0f"),
  ]),
};

/**
 * One inlined hashint: `keep`, code before the branches that must still run (its final local.tee
 * becomes a local.set, as nothing reads the value now), `guard`, the test choosing the branch,
 * and the locals holding the key (an i64) and the table.
 */
function hashintSite(site: { where: string; keep: string; guard: string; key: number; table: number }): CodePatch {
  const local = (index: number) => index.toString(16).padStart(2, "0");
  const K = local(site.key);
  const T = local(site.table);
  const modulus = `41 7f 20 ${T} 2d 00 07 74 41 7f 73 41 01 72`; // (~(-1 << t->lsizenode)) | 1
  const find = hex(`${site.keep} ${site.guard} 20 ${K} a7 ${modulus} 6f 0c 01 0b 20 ${K} ${modulus} ad 82 a7`);
  const code = hex(`
    ${site.keep.replace(/22 (\w\w)$/, "21 $1")}
    20 ${K} b9 bd a7                     ;; the low half of the key made a double
    20 ${K} b9 bd 42 20 88 a7 6a         ;; plus the high half
    ${modulus} 70                        ;; unsigned remainder
  `);
  return { where: site.where, find, replace: Uint8Array.from([...code, ...nops(find.length - code.length)]) };
}

const INT_MAX_GUARD = "42 ff ff ff ff 07 58 04 40"; // if (ui <= INT_MAX)

/**
 * Where an integer key goes in a table's hash part, so the order pairs visits such keys in: 5.1
 * held the key as a double and hashed its two 32-bit halves added together (hashnum in ltable.c),
 * 5.4 hashes the integer itself (hashint). hashint is inlined at ten places (lookups, inserts,
 * luaH_getn's probes, luaH_resize); each computes the key modulo the node count minus one, or'ed
 * with 1, in one branch for keys up to INT_MAX (or 32-bit keys as signed) and another for the
 * rest. Each place's branches become 5.1's hash of the key as a double (0 for the key 0, as 5.1's
 * special case gave); every place must, or a key is looked for where it was not put.
 */
const integerKeyHashes: CodePatch[] = [
  // luaH_get's two places (the same bytes twice), luaH_getint, and three more with their own guards.
  { ...hashintSite({ where: "hashint in luaH_get (ltable.c)", keep: "", guard: `20 05 ${INT_MAX_GUARD}`, key: 5, table: 0 }), occurrences: 2 },
  hashintSite({ where: "hashint in luaH_getint (ltable.c)", keep: "", guard: `20 02 ${INT_MAX_GUARD}`, key: 2, table: 1 }),
  hashintSite({ where: "hashint in mainposition (ltable.c)", keep: "20 01 29 03 00 22 08", guard: INT_MAX_GUARD, key: 8, table: 0 }),
  hashintSite({ where: "hashint in ltable.c (key in local 1)", keep: "", guard: `20 01 ${INT_MAX_GUARD}`, key: 1, table: 0 }),
  hashintSite({ where: "hashint in luaH_getn's hash_search (ltable.c)", keep: "", guard: "20 08 42 ff ff ff ff 03 58 04 40", key: 7, table: 0 }),
  hashintSite({ where: "hashint in luaH_getn's hash_search (ltable.c), its second probe", keep: "", guard: "20 0b 42 ff ff ff ff 0f 58 04 40", key: 8, table: 0 }),
  {
    // hash_search's probe of LUA_MAXINTEGER, a constant: 5.1's hash of 2^63 as a double is 0x43e00000.
    where: "hashint(t, LUA_MAXINTEGER) in luaH_getn's hash_search (ltable.c)",
    find: hex("42 ff ff ff ff ff ff ff ff ff 00 41 7f 20 00 2d 00 07 74 41 7f 73 41 01 72 ad 82 a7"),
    replace: hex("41 80 80 80 9f 04 41 7f 20 00 2d 00 07 74 41 7f 73 41 01 72 70 01 01 01 01 01 01 01"),
  },
  {
    // Two places where the key is known to fit in 32 bits unsigned, with the modulus already in
    // local 3: luaH_resize moving the array's vanishing slice into the hash part (key in local 14)
    // and luaH_getn's hash_search (key in local 8, its 32-bit form in local 2).
    where: "hashint in luaH_resize (ltable.c), a 32-bit key",
    find: hex("02 7f 20 0e a7 22 07 41 00 4e 04 40 20 07 20 03 6f 0c 01 0b 20 07 20 03 70 0b"),
    replace: hex("02 7f 20 0e a7 21 07 20 0e b9 bd a7 20 0e b9 bd 42 20 88 a7 6a 20 03 70 01 0b"),
  },
  {
    where: "hashint in luaH_getn's hash_search (ltable.c), a 32-bit key",
    find: hex("02 7f 20 02 41 00 4e 04 40 20 02 20 03 6f 0c 01 0b 20 02 20 03 70 0b"),
    replace: hex("02 7f 20 08 b9 bd a7 20 08 b9 bd 42 20 88 a7 6a 20 03 70 01 01 01 0b"),
  },
  {
    // A float key (one with a fraction: 5.4 keeps integral floats as integers): 5.4 hashes it
    // with l_hashfloat (frexp and a fold), 5.1 with the same halves as above, taken straight from
    // the double's bits; the remainder becomes unsigned, as that sum may pass INT_MAX.
    where: "l_hashfloat in mainposition (ltable.c)",
    find: hex(`
      20 01 2b 03 00 20 05 41 0c 6a 10 dd 04 44 00 00 00 00 00 00 e0 41 a2 22 07   ;; frexp(n, &e) * 2^31 ...
      44 00 00 00 00 00 00 e0 c3 66 45 0d 00 20 07 44 00 00 00 00 00 00 e0 43 63 45 0d 00
      20 05 28 02 0c 02 7e 20 07 99 44 00 00 00 00 00 00 e0 43 63 04 40 20 07 b0 0c 01 0b
      42 80 80 80 80 80 80 80 80 80 7f 0b a7 6a 22 01 41 1f 75 20 01 73 21 03   ;; ... local 3 = the hash
      0b 20 03 41 7f 20 00 2d 00 07 74 41 7f 73 41 01 72 6f                    ;; end; local 3 % modulus (signed)
    `),
    replace: Uint8Array.from([
      ...hex("20 01 29 03 00 a7 20 01 29 03 00 42 20 88 a7 6a 21 03"), // local 3 = low + high half of the bits
      ...nops(87),
      ...hex("0b 20 03 41 7f 20 00 2d 00 07 74 41 7f 73 41 01 72 70"), // ... % modulus, unsigned
    ]),
  },
];

/**
 * string.sub's and string.byte's start position (posrelatI inlined): 5.4 casts a positive one to
 * size_t, 32 bits in this build, so a start of 2^32 or more wrapped around (string.sub("hello",
 * 2^32 + 2) was "ello", string.byte(s, 2^53) read the byte before the string). The block is
 * rewritten, same length, with the positive case an else branch, saturated (i32.trunc_sat_f64_u)
 * past the end of any string, as on a 64-bit build and in 5.1.
 */
const startPositionsSaturate: CodePatch = {
  where: "posrelatI in str_sub and str_byte (lstrlib.c)",
  occurrences: 2,
  find: hex(`
    02 40 20 01 42 00 55 04 40 20 01 a7 21 03 0c 01 0b   ;; pos > 0: start (local 3) = (size_t) pos
    20 01 50 0d 00                                       ;; pos == 0: start stays 1
    20 01 42 00 20 02 7d 53 0d 00                        ;; pos < -len: start stays 1
    20 04 20 01 a7 6a 41 01 6a 21 03 0b                  ;; start = len + pos + 1; end
  `),
  replace: hex(`
    02 40 20 01 50 0d 00                 ;; pos == 0: start stays 1
    20 01 79 50 04 40                    ;; if pos < 0 (clz of it is 0):
    20 01 20 02 7c 42 00 53 0d 01        ;;   pos + len < 0: start stays 1
    20 04 20 01 a7 6a 41 01 6a 21 03     ;;   start = len + pos + 1
    05 20 01 b9 fc 03 21 03 0b 0b        ;; else start = pos, saturated to 2^32 - 1
  `),
};

/**
 * Assigning nil to a key a table does not hold (t[k] = nil): 5.1's luaH_set made the key's node
 * anyway, with a nil value, which takes a free place and can make the table grow; 5.4's
 * luaH_newkey returns first ("do not insert nil values"), so tables that had keys set to nil
 * were laid out otherwise and pairs gave their keys in another order than Redis's. The early
 * return is gone; a node with a nil value is what 5.4 leaves of a removed key anyway.
 */
const nilAssignmentMakesANode: CodePatch = {
  where: "luaH_newkey (ltable.c), its early return for a nil value",
  find: hex(`
    0b 20 03 2d 00 08 41 0f 71 45 0d 03  ;; end; if value is nil (tt & 15 == 0): br_if 3 (return)
    20 01 20 02 10 91 04                 ;; mainpositionTV(t, key)
  `),
  replace: hex(`
    0b 01 01 01 01 01 01 01 01 01 01 01  ;; end; nops
    20 01 20 02 10 91 04
  `),
};

/**
 * An argument error of a function called with no name to go by (by pcall, say): 5.1 says
 * "bad argument #1 to '?'", 5.4 looks the function up among the loaded libraries and names it
 * ('pairs', 'string.rep'). luaL_argerror's lookup (pushglobalfuncname) is replaced by its
 * answer when nothing is found.
 */
const unnamedArgumentErrors: CodePatch = {
  where: "luaL_argerror (lauxlib.c), its pushglobalfuncname",
  find: hex(`
    20 03 28 02 38 22 04 45 04 40        ;; if ar.name == NULL:
    20 03 20 00 20 03 41 34 6a 10 71     ;;   pushglobalfuncname(L, &ar)
    04 7f                                ;;   ? lua_tostring(L, -1) : "?"
  `),
  replace: hex(`
    20 03 28 02 38 22 04 45 04 40
    20 03 41 00 01 01 01 01 01 01 01     ;;   0 (found nothing); nops
    04 7f
  `),
};

/**
 * Lua 5.1 held every number as a double; 5.4 reads a numeral without a point or exponent as a
 * 64-bit integer, and integer arithmetic then wraps around past 2^63, never gives -0 and refuses
 * `% 0`, where 5.1 grew inexact, gave -0 and nan. luaO_str2num (the lexer's numerals, tonumber,
 * and strings in arithmetic) now makes the integer it read a double, negated as a double so "-0"
 * is -0, and tags it a float; a hexadecimal numeral goes to the float reader (strtod, as 5.1's),
 * so one past 2^64 no longer wraps around. Numbers the library functions return (lengths,
 * positions) are still integers, too small for the difference to show.
 */
const numeralsAsDoubles: CodePatch[] = [
  {
    where: "luaO_str2num (lobject.c), its inlined l_str2int's result",
    find: hex(`
      20 08 20 05 45 72 0d 00              ;; a trailing character or no digit: to the float reader
      42 00 20 09 7d 20 09 20 07 1b bf     ;; (neg ? 0 - a : a) as the value's bits
      21 0a 41 03                          ;; local 10 = it; tag LUA_VNUMINT
    `),
    replace: hex(`
      20 08 20 05 45 72 0d 00
      20 09 ba 9a 20 09 ba 20 07 1b 01     ;; neg ? -(double)a : (double)a; nop
      21 0a 41 13                          ;; local 10 = it; tag LUA_VNUMFLT
    `),
  },
  {
    where: "luaO_str2num (lobject.c), the end of l_str2int's hexadecimal digits",
    find: hex(`
      41 10 71 0d 00 0b 0c 01 0b           ;; another hex digit: again; end; br 1 (the tail check)
      20 04 41 b1 ca 00 6a 2d 00 00 41 02 71 45 04 40   ;; (the decimal digits start here)
    `),
    replace: hex(`
      41 10 71 0d 00 0b 0c 02 0b           ;; ...; br 2 (the float reader)
      20 04 41 b1 ca 00 6a 2d 00 00 41 02 71 45 04 40
    `),
  },
];

/**
 * glibc's strtod reads "-nan" as a NaN with its sign bit set (tostring writes "-nan"); musl's drops
 * the sign. luaO_str2num (tonumber, strings in arithmetic) now negates a NaN that strtod read
 * from a text whose first character after its spaces is '-'.
 */
const nanKeepsItsSign: CodePatch = {
  where: "luaO_str2num (lobject.c), its inlined l_str2d's call of strtod (lua_str2number)",
  find: hex(`
    20 00 20 06 10 80 05 21 0a                         ;; local 10 = strtod(s, &end)
  `),
  replace: hex(`
    20 00 20 06 10 80 05 21 0a
    20 0a 20 0a 62 04 40                               ;; if local 10 ~= local 10 (NaN) then
    20 00 21 03 03 40                                  ;;   p = s; loop
    20 03 2d 00 00 41 b1 ca 00 6a 2d 00 00 41 08 71    ;;     lisspace(*p)
    04 40 20 03 41 01 6a 21 03 0c 01 0b 0b             ;;     then p = p + 1, again; end loop
    20 03 2d 00 00 41 2d 46                            ;;   *p == '-'
    04 40 20 0a 9a 21 0a 0b 0b                         ;;   then local 10 = -local 10; end; end
  `),
};

/**
 * A zero a constant expression makes is folded, and every number literal is a constant, as in
 * 5.1's compiler, whose constants of one function are found by value (so -0.0 and 0 are one
 * constant, the first written): `local z = -0.0 return tostring(0)` is "-0" in Redis. 5.4 folds
 * no zero (to keep -0.0 apart) and loads a literal holding an integer with OP_LOADF, which makes
 * -0.0 0; its constant table already keys -0.0 and 0 alike. constfolding now folds any result but
 * NaN, and the inlined luaK_float always takes the constant.
 */
const zerosAsConstants: CodePatch[] = [
  {
    where: "constfolding (lcode.c), its refusal of a zero or NaN result",
    find: hex(`
      20 04 2b 03 00 22 08                     ;; n = the folded float
      44 0000000000000000 64                   ;; n > 0
      20 08 44 0000000000000000 63 72          ;; or n < 0,
      45 0d 01                                 ;; else do not fold
    `),
    replace: hex(`
      20 04 2b 03 00 22 08
      20 08 61 45 0d 01                        ;; n == n (not NaN), else do not fold
    `),
  },
  {
    where: "discharge2reg (lcode.c), its inlined luaK_float",
    find: hex(`
      20 01 2b 03 08 22 08 20 04 10 b8 04      ;; luaV_flttointns(the literal, &fi)
      45 0d 00                                 ;; not an integer: to the constant
      20 04 29 03 00 22 0a                     ;; (else OP_LOADF fi)
    `),
    replace: hex(`
      20 01 2b 03 08 22 08 20 04 10 b8 04
      1a 0c 00                                 ;; to the constant
      20 04 29 03 00 22 0a
    `),
  },
];

/**
 * math.floor and math.ceil return a double in 5.1; 5.4 returns an integer when it fits, whose
 * arithmetic with another integer then wraps around (`math.floor(2^62) * math.floor(2)`) and loses
 * -0 (`math.floor(-0.5)` is -0 in 5.1). Their inlined pushnumint now always pushes the double: the
 * branch that goes to the integer push when the number is in range always goes past it.
 */
const floorAndCeilAsDoubles: CodePatch = {
  where: "math_floor and math_ceil (lmathlib.c), their inlined pushnumint",
  occurrences: 2,
  find: hex(`
    22 02 44 000000000000e0c3 66 45 0d 00    ;; d >= -2^63, else push the double
    20 02 44 000000000000e043 63 45 0d 00    ;; d < 2^63, else push the double
  `),
  replace: hex(`
    22 02 44 000000000000e0c3 66 1a 0c 00    ;; drop it; push the double
    20 02 44 000000000000e043 63 45 0d 00
  `),
};

/**
 * next(t, k) with k a float holding an integer (every number is a double now: numeralsAsDoubles):
 * 5.4 keeps such keys as integers and finds the key it was given by type as well as value, so
 * `next({1, 2}, 1)` failed with "invalid key to 'next'". lua_next (its inlined luaH_next's
 * findindex) now first makes such a key the integer it equals, as every table access does
 * (luaV_flttointns). The key is the stack slot next's answer overwrites.
 */
const nextOfAFloatKey: CodePatch = {
  where: "lua_next (lapi.c), its inlined findindex (ltable.c)",
  find: hex(`
    20 03 2d 00 08 22 02 41 0f 71 45 04 40   ;; if the key (local 3) is nil:
    41 00 21 00 0c 01 0b                     ;;   index 0
    41 00 21 00 20 02 41 03 46               ;; an integer key:
  `),
  replace: hex(`
    20 03 2d 00 08 41 13 46 04 40            ;; if the key is a float
    20 03 2b 03 00 20 03 2b 03 00 9d 61      ;;   and trunc(key) == key
    20 03 2b 03 00 44 000000000000e0c3 66 71 ;;   and key >= -2^63
    20 03 2b 03 00 44 000000000000e043 63 71 ;;   and key < 2^63:
    04 40
    20 03 20 03 2b 03 00 b0 37 03 00         ;;   the key's value = (int64) key
    20 03 41 03 3a 00 08                     ;;   its tag = LUA_VNUMINT
    0b 0b
    20 03 2d 00 08 22 02 41 0f 71 45 04 40
    41 00 21 00 0c 01 0b
    41 00 21 00 20 02 41 03 46
  `),
};

/**
 * A float `%`: 5.1 computed `a - floor(a/b)*b` (luai_nummod in luaconf.h), 5.4 takes C's fmod and
 * corrects its sign, which differs where the division rounds (`1e17 % 3` is 0 in 5.1, 1 in 5.4)
 * and for an infinite divisor (`3 % math.huge` is nan in 5.1, 3 in 5.4). Now that numbers are
 * doubles (numeralsAsDoubles) every `%` takes this path: in the VM's OP_MOD and OP_MODK
 * (luaV_modf, inlined alike twice) and in constant folding (luaO_rawarith's numarith).
 */
const modulo51: CodePatch[] = [
  {
    where: "luaV_execute (lvm.c) OP_MOD and OP_MODK, their inlined luaV_modf",
    occurrences: 2,
    find: hex(`
      22 15 10 cf 04 22 14                 ;; b in local 21; m = fmod(a, b) in local 20
      44 0000000000000000 64 04 40         ;; if m > 0:
      41 13 21 02 20 15 44 0000000000000000 63 0d 01 0c 02 0b   ;; tag float; add b if b < 0
      41 13 21 02 20 15 44 0000000000000000 64 45 0d 01   ;; tag float; add b if b > 0
      20 14 44 0000000000000000 63 45 0d 01                ;; and m < 0
    `),
    replace: hex(`
      21 15 22 14                          ;; b in local 21; a in local 20
      20 14 20 15 a3 9c 20 15 a2 a1 21 14  ;; local 20 = a - floor(a / b) * b
      41 13 21 02 0c 01                    ;; tag float; past the addition of b
    `),
  },
  {
    where: "luaO_rawarith (lobject.c), its inlined numarith's luai_nummod",
    find: hex(`
      02 40 02 40 20 07 20 05 10 cf 04 22 06   ;; m = fmod(a, b) in local 6
      44 0000000000000000 64 04 40 20 05 44 0000000000000000 63 0d 01 0c 02 0b
      20 05 44 0000000000000000 64 45 0d 01 20 06 44 0000000000000000 63 45 0d 01 0b
      20 06 20 05 a0 21 06 0b              ;; m += b where the signs differ
    `),
    replace: hex(`20 07 20 07 20 05 a3 9c 20 05 a2 a1 21 06`), // local 6 = a - floor(a / b) * b
  },
];

/**
 * 5.4's syntax, refused as Redis's 5.1 refuses it: the operators `//`, `&`, `|`, `~` (binary and
 * unary), `<<` and `>>`, labels (`::name::`), `goto` (a plain name in 5.1, as in `local goto = 1`:
 * lua-vm.ts renames the reserved word) and variable attributes (`local x <const>`). The lexer no
 * longer reads `//`, `<<`, `>>` or `::` as one token, the expression parser takes `&`, `|` and `~`
 * for no operator, and localstat takes a `<` after a name for the statement's end, so each fails
 * where 5.1's parser failed, in its words ("unexpected symbol near '/'"). The sandbox's own Lua is
 * written without them (bit is TypeScript: bitop.ts).
 */
// getbinopr's switch: `token - '%'`, then one br_table target per character to '~' (the last
// byte is the default); NO_OPERATOR is the target of characters that are no operator.
const getbinoprTable = hex(`
  41 25 6b 0e 5a
  03 07 16 16 16 02 15 16 01 16 05 16 16 16 16 16 16 16 16 16 16 16 16 0f 16 11 16 16 16 16
  16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 04 16 16
  16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 16 08 16 09
  00
`);
const NO_OPERATOR = 0x16;
const targetOf = (character: string) => 5 + character.charCodeAt(0) - "%".charCodeAt(0);
const lua51Syntax: CodePatch[] = [
  {
    where: "llex (llex.c), its '<' case",
    find: hex(`41 9d 02 41 3c 20 00 41 3c 10 f8 02 1b`), // check_next1(ls, '<') ? TK_SHL : '<'
    replace: hex(`41 9d 02 41 3c 41 00 1b`), // 0 ? TK_SHL : '<'
  },
  {
    where: "llex (llex.c), its '>' case",
    find: hex(`41 9e 02 41 3e 20 00 41 3e 10 f8 02 1b`), // check_next1(ls, '>') ? TK_SHR : '>'
    replace: hex(`41 9e 02 41 3e 41 00 1b`), // 0 ? TK_SHR : '>'
  },
  {
    where: "llex (llex.c), its '/' case",
    find: hex(`41 2f 21 02 20 01 41 2f 47 0d 06`), // '/', or TK_IDIV when another '/' follows
    replace: hex(`41 2f 21 02 0c 06`), // '/'
  },
  {
    where: "llex (llex.c), its ':' case",
    find: hex(`41 3a 21 02 20 01 41 3a 47 0d 04`), // ':', or TK_DBCOLON when another ':' follows
    replace: hex(`41 3a 21 02 0c 04`), // ':'
  },
  {
    where: "subexpr (lparser.c), its inlined getbinopr: a br_table over the characters '%' to '~'",
    find: getbinoprTable,
    replace: Uint8Array.from(getbinoprTable, (target, at) => (["&", "|", "~"].some((c) => at === targetOf(c)) ? NO_OPERATOR : target)),
  },
  {
    where: "subexpr (lparser.c), its inlined getunopr: a br_table over '{' to '~'",
    find: hex(`41 fb 00 6b 0e 04 0a 0c 0c 01 0c`), // '~' is OPR_BNOT
    replace: hex(`41 fb 00 6b 0e 04 0a 0c 0c 0c 0c`), // '~' is no operator
  },
  {
    where: "localstat (lparser.c), its inlined getlocalattribute",
    find: hex(`20 00 28 02 10 41 3c 46 04 40 20 00 10 f3 02 20 00 28 02 10 41 a3 02 47`), // testnext(ls, '<'), then a name
    replace: hex(`20 00 28 02 10 41 40 46 04 40 20 00 10 f3 02 20 00 28 02 10 41 a3 02 47`), // a token of -64: never
  },
  {
    // An expression statement that is no call: 5.1 (assignment) says "'=' expected" after a
    // variable (`x y`, and `goto label` now), "syntax error" after anything else; 5.4 always the latter.
    where: "statement (lparser.c), its inlined exprstat's check_condition(v.k == VCALL)",
    find: hex(`
      0c 0c 0b                             ;; (a call: done)
      20 00 41 b1 14 10 f0 02 00 0b        ;; luaX_syntaxerror(ls, "syntax error")
      20 00 10 f3 02
    `),
    replace: hex(`
      0c 0c 0b
      20 03 28 02 a8 01 41 09 6b 41 07 49  ;; if VLOCAL <= v.k <= VINDEXSTR (a variable):
      04 40 20 00 41 3d 10 c4 03 0b        ;;   error_expected(ls, '=')
      20 00 41 b1 14 10 f0 02 00 0b
      20 00 10 f3 02
    `),
  },
  {
    // 5.1 has no empty statement: a `;` may follow a statement, once (`a = 1;;` and a `;` that
    // opens a block are errors). statement's ';' case goes to exprstat, which refuses it ...
    where: "statement (lparser.c), its ';' case",
    find: hex(`20 01 41 3b 47 0d 01 20 00 10 f3 02 0c 0d`), // token ~= ';': on to exprstat; else skip it
    replace: hex(`0c 01 20 00 10 f3 02 0c 0d`), // on to exprstat
  },
  {
    // ... retstat leaves its ';' to that end (below), so `return;;` is refused as in 5.1 ...
    where: "retstat (lparser.c), its testnext(ls, ';') after luaK_ret",
    find: hex(`10 ca 01 20 00 28 02 10 41 3b 47 0d 08 20 00 10 f3 02 0c 08`),
    replace: hex(`10 ca 01 0c 08`),
  },
  {
    // ... `if c then break` ends the `then` block there, as any break now ends its block
    // (statlistStopsAtBreak) ...
    where: "test_then_block (lparser.c), its block_follow(ls, 0) after a break",
    find: hex(`41 87 80 80 80 02 71 1b 45 04 40 20 02 10 c9 01`), // if not block_follow: jf = luaK_jump(fs), on
    replace: hex(`41 87 80 80 80 02 71 1b 1a 41 00 04 40 20 02 10 c9 01`), // never
  },
  {
    // ... `if c then break; end` skips one ';' after the break, not any number of them ...
    where: "test_then_block (lparser.c), its while (testnext(ls, ';')) after a break",
    find: hex(`03 40 20 00 10 f3 02 20 00 28 02 10 22 01 41 3b 46 0d 00 0b`),
    replace: hex(`03 40 20 00 10 f3 02 20 00 28 02 10 22 01 41 3b 46 1a 01 0b`),
  },
  {
    // ... and every statement ends by skipping one ';' after it, as 5.1's chunk did.
    where: "statement (lparser.c), its end: fs->freereg set, leavelevel",
    find: hex(`3a 00 34 20 00 28 02 34 22 00 20 00 28 02 60 41 01 6b 36 02 60 20 03 41 c0 01 6a 24 00 0f`),
    replace: hex(`
      3a 00 34
      20 00 28 02 10 41 3b 46 04 40 20 00 10 f3 02 0b   ;; if ls->t.token == ';' then luaX_next(ls)
      20 00 28 02 34 22 00 20 00 28 02 60 41 01 6b 36 02 60 20 03 41 c0 01 6a 24 00 0f
    `),
  },
];

/**
 * `#t` of a table with a `__len` metamethod: 5.1 calls __len for userdata only and gives a table's
 * length as it is; 5.4 calls it. In OP_LEN (luaV_execute's inlined luaV_objlen) and lua_len (under
 * the table library's luaL_len), the metamethod found is dropped instead of called.
 */
const lengthWithoutMetamethod: CodePatch[] = [
  {
    where: "luaV_execute (lvm.c) OP_LEN, its inlined luaV_objlen",
    find: hex(`41 10 71 0d 00 20 04 41 04 20 00 28 02 10 28 02 bc 01 10 a2 04 22 04 0d 04`), // tm = fasttm(.., TM_LEN): call it
    replace: hex(`41 10 71 0d 00 20 04 41 04 20 00 28 02 10 28 02 bc 01 10 a2 04 22 04 1a 01`), // dropped
  },
  {
    where: "lua_len (lapi.c), its inlined luaV_objlen",
    find: hex(`41 10 71 0d 00 20 03 41 04 20 00 28 02 10 28 02 bc 01 10 a2 04 22 03 0d 04`),
    replace: hex(`41 10 71 0d 00 20 03 41 04 20 00 28 02 10 28 02 bc 01 10 a2 04 22 03 1a 01`),
  },
];

/**
 * 5.1 ends a block at a `break` as at a `return` (`while c do break x = 1 end` is "'end' expected
 * near 'x'"); 5.4 reads on. statlist, inlined eight times (block, mainfunc ...), keeps `t =
 * token - TK_ELSE` in a local and stops after the statement when t is TK_RETURN's; it now stops
 * for TK_BREAK's too (t = -2): the range check that sent t = -2 straight to a plain statement
 * lets it through, and the return test takes both. The local is 1 at six places, 2 and 8 at one.
 */
function statlistStopsAtBreak(local: number, occurrences: number): CodePatch[] {
  const x = local.toString(16).padStart(2, "0");
  return [
    {
      where: `statlist (lparser.c) with t in local ${local}, its range check`,
      occurrences,
      find: hex(`41 83 02 6b 22 ${x} 41 1d 4b 0d 00`), // t = token - TK_ELSE; t >u 29: a plain statement
      replace: hex(`41 83 02 6b 22 ${x} 41 02 6a 41 1f 4b 0d 00`), // t + 2 >u 31
    },
    {
      where: `statlist (lparser.c) with t in local ${local}, its TK_RETURN test`,
      occurrences,
      find: hex(`20 ${x} 41 0e 47 0d 01`), // t ~= TK_RETURN: a plain statement
      replace: hex(`20 ${x} 41 0e 47 20 ${x} 41 7e 47 71 0d 01`), // t ~= TK_RETURN and t ~= TK_BREAK
    },
  ];
}

/**
 * A `break` with no loop around it in its function: 5.1's breakstat refuses it at once, "no loop
 * to break near 'end'" (the token after it); 5.4 finds it only when the function ends, "break
 * outside loop at line 1". Before the break's goto entry is made (in statement's breakstat and
 * test_then_block's `if c then break`), the blocks from ls->fs->bl are walked as 5.1 walks them,
 * the pointer kept in the word below the C stack pointer, and luaX_syntaxerror raises 5.1's text
 * (lua-vm.ts writes it over 5.4's, which can no longer be reached).
 */
const noLoopToBreak = hex(`
  23 00 41 04 6b 20 00 28 02 30 28 02 0c 36 02 00   ;; *p = ls->fs->bl (p: the C stack pointer - 4)
  02 40 03 40                                        ;; block; loop
  23 00 41 04 6b 28 02 00 45                         ;;   if *p == NULL:
  04 40 20 00 41 b2 33 10 f0 02 00 0b                ;;     luaX_syntaxerror(ls, "no loop to break")
  23 00 41 04 6b 28 02 00 2d 00 0e 0d 01             ;;   (*p)->isloop: done
  23 00 41 04 6b 23 00 41 04 6b 28 02 00 28 02 00 36 02 00   ;; *p = (*p)->previous
  0c 00 0b 0b                                        ;; again
`);
const newBreakEntry = hex(`20 00 28 02 34 41 f1 1f 41 05 10 e3 03`); // luaS_newlstr(ls->L, "break", 5)
const breakNeedsALoop: CodePatch[] = [
  {
    where: "statement (lparser.c), its inlined breakstat after luaX_next",
    find: Uint8Array.from([...hex(`20 00 10 f3 02`), ...newBreakEntry]),
    replace: Uint8Array.from([...hex(`20 00 10 f3 02`), ...noLoopToBreak, ...newBreakEntry]),
  },
  {
    where: "test_then_block (lparser.c), its 'if c then break' after enterblock",
    find: Uint8Array.from([...hex(`36 02 0c`), ...newBreakEntry]),
    replace: Uint8Array.from([...hex(`36 02 0c`), ...noLoopToBreak, ...newBreakEntry]),
  },
];

/**
 * unpack as 5.1's: it refuses more values than a C function may hold (LUAI_MAXCSTACK, 8,000 stack
 * slots with its arguments), "too many results to unpack", where 5.4 allows a million, so
 * `redis.call("DEL", unpack(keys))` with 8,000 keys ran here and fails on Redis; and it reads its
 * range with luaL_checkint, a cast to C's int (`unpack(t, 1, 2^31)` is empty), after checking
 * that it was given a table (5.4 reads any value's fields: `unpack("abc")` gave nothing). In
 * tunpack the limit on n - 1 becomes 7,999 less the arguments (lua_gettop) instead of INT_MAX - 1,
 * i and e keep their low 32 bits, sign-extended, and luaL_checktype(L, 1, LUA_TTABLE) comes first.
 */
const unpack51: CodePatch[] = [
  {
    where: "tunpack (ltablib.c), its range",
    find: hex(`
      20 00 41 02 42 01 10 8d 01 22 01     ;; i = luaL_optinteger(L, 2, 1)
      02 7e 20 00 41 03 10 27 41 00 4c 04 40 20 00 41 01 10 9b 01 0c 01 0b 20 00 41 03 10 8b 01 0b
      22 02                                ;; e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1))
    `),
    replace: hex(`
      20 00 41 01 41 05 10 87 01           ;; luaL_checktype(L, 1, LUA_TTABLE)
      20 00 41 02 42 01 10 8d 01 c4 22 01  ;; i64.extend32_s
      02 7e 20 00 41 03 10 27 41 00 4c 04 40 20 00 41 01 10 9b 01 0c 01 0b 20 00 41 03 10 8b 01 0b
      c4 22 02                             ;; i64.extend32_s
    `),
  },
  {
    where: "tunpack (ltablib.c), its n >= INT_MAX check",
    find: hex(`7d 22 03 42 fe ff ff ff 07 56 0d 01`), // n - 1 >u 2147483646: too many
    replace: hex(`7d 22 03 42 bf 3e 20 00 10 21 ac 7d 56 0d 01`), // n - 1 >u 7999 - lua_gettop(L)
  },
];

/**
 * Arithmetic on a string: 5.1's VM converts a numeric string itself (luaV_arith) and raises the
 * error naming the operand ("attempt to perform arithmetic on local 'x' (a string value)"); 5.4
 * leaves strings to the string library's metamethods, whose error names no variable. The sandbox
 * removes those metamethods (sandbox.ts), and callbinTM, finding no metamethod for an arithmetic
 * event (TM_ADD to TM_IDIV, TM_UNM), converts both operands as luaV_tonumber_ does (a float as it
 * is) into two float TValues of a frame of its own and returns luaO_rawarith's result on them;
 * when one does not convert, the VM's own error follows (luaG_opinterror), which blames the first
 * operand that does not convert, as 5.1's luaG_aritherror, where 5.4 blamed the first that is not
 * a number.
 */
const stringArithmetic: CodePatch[] = [
  {
    where: "callbinTM (ltm.c), its return when no metamethod is found",
    find: hex(`20 05 2d 00 08 41 0f 71 45 04 40 41 00 0f 0b 20 00 28 02 1c`),
    replace: hex(`
      20 05 2d 00 08 41 0f 71 45 04 40
      20 04 41 06 6b 41 07 49 20 04 41 12 46 72 45   ;; not TM_ADD..TM_IDIV nor TM_UNM:
      04 40 41 00 0f 0b                              ;;   return 0
      23 00 41 20 6b 24 00                           ;; a frame of 32 bytes: two TValues
      02 40
      20 01 2d 00 08 41 13 46                        ;; p1 a float:
      04 40 23 00 20 01 2b 03 00 39 03 00            ;;   copy its value
      05 20 01 23 00 10 b7 04 45 0d 01 0b            ;; else luaV_tonumber_(p1, &n1), or fail
      20 02 2d 00 08 41 13 46                        ;; the same for p2
      04 40 23 00 20 02 2b 03 00 39 03 10
      05 20 02 23 00 41 10 6a 10 b7 04 45 0d 01 0b
      23 00 41 13 3a 00 08 23 00 41 13 3a 00 18      ;; both tagged LUA_VNUMFLT
      20 00 20 04 41 06 6b 23 00 23 00 41 10 6a 20 03 10 aa 03   ;; luaO_rawarith(L, event - TM_ADD, &n1, &n2, res)
      23 00 41 20 6a 24 00 0f                        ;; pop the frame; return it
      0b
      23 00 41 20 6a 24 00 41 00 0f                  ;; pop the frame; return 0
      0b 20 00 28 02 1c
    `),
  },
  {
    where: "luaG_opinterror (ldebug.c), which operand it blames",
    find: hex(`20 00 20 02 20 01 20 01 2d 00 08 41 0f 71 41 03 46 1b 20 03 10 8e 02 00`), // ttisnumber(p1) ? p2 : p1
    replace: hex(`
      20 00 20 02 20 01
      20 01 2d 00 08 41 0f 71 41 03 46               ;; p1 a number,
      20 01 2d 00 08 41 0f 71 41 04 46               ;; or a string
      04 7f 23 00 41 10 6b 24 00 20 01 23 00 10 b7 04   ;; that luaV_tonumber_ converts (into a frame of its own)
      05 41 00 0b 72
      1b 20 03 10 8e 02 00                           ;; ? p2 : p1
    `),
  },
];

/**
 * A C function that calls its upvalue with its arguments and returns what it returns, so that the
 * sandbox's Lua functions standing in for 5.1's C functions are C functions to the VM too: a
 * script's `return tonumber(x, 16)` then keeps the script's frame, as a tail call to a C function
 * did, and an error raised inside still has the script's line to name (lua-vm.ts,
 * callUpvaluePointer).
 * It takes the place of luaB_print, which the sandbox removes: its body, found whole, becomes
 * lua_pushvalue(L, lua_upvalueindex(1)); lua_rotate(L, 1, 1);
 * lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, NULL); return lua_gettop(L).
 */
const callsItsUpvalue: CodePatch = {
  where: "luaB_print (lbaselib.c), its whole body",
  find: hex(`
    01 05 7f 23 00 41 10 6b 22 01 24 00 41 b0 dc 01 28 02 00 21 02 02 40 20 00 28 02 0c 20 00 28 02
    14 28 02 00 6b 41 10 6b 41 04 75 22 05 41 00 4c 0d 00 20 00 41 01 20 01 41 0c 6a 10 9c 01 41 01
    20 01 28 02 0c 20 02 10 e1 04 1a 20 00 41 7e 10 22 20 05 41 01 46 0d 00 41 02 21 03 03 40 20 00
    20 03 20 01 41 0c 6a 10 9c 01 41 09 20 02 10 da 04 41 01 20 01 28 02 0c 20 02 10 e1 04 1a 20 00
    41 7e 10 22 20 03 20 05 47 20 03 41 01 6a 21 03 0d 00 0b 0b 41 0a 20 02 10 da 04 20 02 10 cb 04
    1a 20 01 41 10 6a 24 00 41 00 0b
  `),
  replace: hex(`
    00                                   ;; no locals
    20 00 41 d7 f3 42 10 26              ;; lua_pushvalue(L, lua_upvalueindex(1))
    20 00 41 01 41 01 10 24              ;; lua_rotate(L, 1, 1)
    20 00 20 00 10 21 41 01 6b 41 7f 41 00 41 00 10 5a   ;; lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, NULL)
    20 00 10 21 0b                       ;; return lua_gettop(L)
  `),
};

/**
 * With every numeral a float (numeralsAsDoubles), `ARGV[1]` and `t[2] = v` no longer compiled to
 * OP_GETI/OP_SETI (an integer index in the instruction) but to a constant loaded into a register
 * and OP_GETTABLE/OP_SETTABLE, whose float key each access converts back to an integer. luaK_indexed
 * now first makes a float key holding an integer from 0 to 255 (MAXARG_C) the VKINT it stood for,
 * which takes the VINDEXI path as before; the key means the same, as a table key.
 */
const integerIndexes: CodePatch = {
  where: "luaK_indexed (lcode.c), its switch over the key's kind",
  find: hex(`20 02 28 02 00 41 04 6b 0e 03 00 02 01 02`), // switch (k->k - VK): VK, VKFLT (generic), VKINT
  replace: hex(`
    20 02 28 02 00 41 05 46 04 40                  ;; if k->k == VKFLT
    20 02 2b 03 08 20 02 2b 03 08 9d 61            ;;   and trunc(k->u.nval) == k->u.nval
    20 02 2b 03 08 44 0000000000000000 66 71       ;;   and k->u.nval >= 0
    20 02 2b 03 08 44 00000000 00e06f40 65 71      ;;   and k->u.nval <= 255:
    04 40
    20 02 20 02 2b 03 08 b0 37 03 08               ;;   k->u.ival = (lua_Integer) k->u.nval
    20 02 41 06 36 02 00                           ;;   k->k = VKINT
    0b 0b
    20 02 28 02 00 41 04 6b 0e 03 00 02 01 02
  `),
};

export const lua51CodePatches: CodePatch[] = [
  integerArguments,
  rehashOrder,
  insertAnywhere,
  removeInRangeOnly,
  findFromTheEnd,
  repWithoutSeparator,
  gsubAfterAMatch,
  gmatchAfterAMatch,
  lua51Escapes,
  numbersAsDoubles,
  gsubPercentKeepsCharacter,
  noGraphClass,
  ipairsOfATable,
  pairsOfATable,
  ...integerKeyHashes,
  startPositionsSaturate,
  nilAssignmentMakesANode,
  unnamedArgumentErrors,
  ...numeralsAsDoubles,
  nanKeepsItsSign,
  ...modulo51,
  nextOfAFloatKey,
  floorAndCeilAsDoubles,
  ...zerosAsConstants,
  ...lua51Syntax,
  ...lengthWithoutMetamethod,
  ...statlistStopsAtBreak(1, 6),
  ...statlistStopsAtBreak(2, 1),
  ...statlistStopsAtBreak(8, 1),
  ...breakNeedsALoop,
  ...unpack51,
  ...stringArithmetic,
  callsItsUpvalue,
  integerIndexes,
];
