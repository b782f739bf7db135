// Lua 5.1's standard library where Redis 7.0 scripts would see 5.4 behave otherwise: Lua text
// spliced into the sandbox prelude (sandbox.ts), which has `G`, `getinfo`, `native` and the raw
// `error`, `type`, `select`, `tostring` in scope. It also defines the helpers the rest of the
// prelude (bitop.ts) raises argument errors with.
//
// Replaced, each proven against redis-server in conversions.test.ts: `string.format` (5.1's
// options, integer options truncating any number, %s writing numbers as "%.14g" and stopping at a
// zero byte, %q quoting as 5.1), `table.concat` (5.1's refusals, raw reads, C int ranges) and
// `tonumber` (with a base), whose differences everyday scripts meet; string.format,
// table.concat, tonumber and table.getn are C functions of lua-vm.ts that take the common calls
// themselves and hand the rest to the Lua functions here; `tostring` and `error` (a position for
// numbers too) are C functions there; `load` (a reader function only); the argument checks of
// `table.getn`, `maxn`, `foreach`, `foreachi`, `coroutine.create` and `wrap`; `math.log` (no
// base), `math.atan`, `math.atan2`, `math.fmod`, `math.log10`, `math.acos` and `math.asin` (glibc's
// NaN out of their domain); and the names 5.4 added are gone.
// Where a wrapper would double the cost of common calls for inputs scripts rarely give (integer
// arguments with a fraction, `table.insert` and `table.remove` out of range, `string.rep`'s
// separator, `string.find` past the end), the module's code is patched instead
// (lua51-code-patches.ts).
//
// 5.1's library functions were C: their errors carry the calling script's line. These raise
// theirs at the script's line (`positionAt` counts the sandbox's frames as 5.1's C frames); a 5.4
// function they call raises from this chunk's lines ("sandbox:N:"), which lua-vm.ts moves to the
// script's line.

export const lua51Library = String.raw`
local math_type, floor, ceil, mininteger = math.type, math.floor, math.ceil, math.mininteger
local rawtonumber, rawlen, rawformat = tonumber, rawlen, string.format
local tconcat = table.concat

-- The C functions the sandbox calls its library functions through (sandbox.ts, asCFunction),
-- and those of lua-vm.ts that hand calls to them (withFallback).
local callers = setmetatable({}, { __mode = "k" })

-- lua-vm.ts's C function 'name', handing the calls it leaves to the Lua function given (its
-- first upvalue; any values after it are more); its frame counts as that function's own.
local function withFallback(name, ...)
  local f = native.with_fallback(name, ...)
  callers[f] = true
  return f
end

-- luaL_where with the sandbox's functions counted as C: "user_script:3: ", or "" for a C frame.
local function positionAt(level)
  local info = getinfo(level + 1, "Slf")
  if info ~= nil and callers[info.func] then info = getinfo(level + 2, "Sl") end
  if info == nil or info.currentline <= 0 or info.source == "=sandbox" then return "" end
  return info.short_src .. ":" .. info.currentline .. ": "
end

-- A 5.1 library error: 'level' counts from the caller of raise, as error's level does.
local function raise(message, level)
  error(positionAt(level + 1) .. message, 0)
end

-- "no value" for an argument not given, as luaL_typename says.
local function typeOf(count, index, value)
  if index > count then return "no value" end
  return type(value)
end

-- luaL_argerror: the function named as its caller called it ("?" when that was C code, such as
-- pcall), and an error in a method's self worded as such. 'name' stands in where a tail call
-- left no caller to ask.
local function argError(level, index, name, message)
  local called = getinfo(level, "nt")
  local caller = getinfo(level + 1, "nf")
  if caller ~= nil and callers[caller.func] then called = caller end
  if called.name ~= nil or not called.istailcall then name = called.name or "?" end
  if called.namewhat == "method" then
    index = index - 1
    if index == 0 then raise("calling '" .. name .. "' on bad self (" .. message .. ")", level + 1) end
  end
  raise("bad argument #" .. index .. " to '" .. name .. "' (" .. message .. ")", level + 1)
end

-- luaL_checktype: 'level' counts as argError's, from the function that checks its argument.
local function checkType(level, count, index, value, kind, name)
  if type(value) ~= kind then argError(level + 1, index, name, kind .. " expected, got " .. typeOf(count, index, value)) end
end

-- compat: Lua 5.1 writes every number as "%.14g": tostring(123456789012345) is
-- "1.2345678901234e+14". '..' writes numbers so (lua51-code-patches.ts numbersAsDoubles); 5.4's
-- tostring takes another path (lua_pushfstring), which writes integers in full.
local function tostring51(v)
  if type(v) == "number" then return v .. "" end
  return tostring(v)
end
G.tostring = native.tostring

-- A number as C casts a double to an integer: toward zero, and out of range (or NaN) LLONG_MIN as x86 makes it.
local function truncate(n)
  if n ~= n or n >= 2^63 or n < -2^63 then return mininteger end
  if n >= 0 then return floor(n) end
  return ceil(n)
end

-- luaL_checknumber: a number or a numeric string.
local function numberArgument(level, count, index, value, name)
  local n = (type(value) == "number" or type(value) == "string") and rawtonumber(value) or nil
  if n == nil then argError(level + 1, index, name, "number expected, got " .. typeOf(count, index, value)) end
  return n
end

-- luaL_checkint: a number or a numeric string, truncated to an integer and cast to a C int (its
-- low 32 bits taken as signed).
local function intArgument(level, count, index, value, name)
  return (truncate(numberArgument(level + 1, count, index, value, name)) + 2^31) % 2^32 - 2^31
end

-- luaL_checklstring: a string, or a number written as 5.1 writes it.
local function stringArgument(level, count, index, value, name)
  if type(value) == "string" then return value end
  if type(value) == "number" then return tostring51(value) end
  argError(level + 1, index, name, "string expected, got " .. typeOf(count, index, value))
end

-- compat: 5.1's tonumber with a base other than 10 reads what C's strtoul reads (native.strtoul,
-- strtod.ts cStringToUnsigned); with base 10 it reads any number, as without one. 5.4 reads an
-- integer only, and from a string only.
-- The C function tonumber (lua-vm.ts) reads without a base itself and hands a base here.
local function tonumber51(...)
  local v, base = ...
  local count = select("#", ...)
  base = intArgument(2, count, 2, base, "tonumber")
  if base == 10 then return rawtonumber(v) end
  local text = stringArgument(2, count, 1, v, "tonumber")
  if base < 2 or base > 36 then argError(2, 2, "tonumber", "base out of range") end
  return native.strtoul(text, base)
end
G.tonumber = withFallback("tonumber", tonumber51)

G.error = native.error
G.assert = native.assert

-- Lua 5.1 names (spec/redis-rest.md §8.3: ratelimit's deny list needs the global unpack).
unpack = table.unpack
load = function(...)
  local chunk, name = ...
  checkType(2, select("#", ...), 1, chunk, "function", "load")
  return rawload(chunk, name, "t", globalsOfCaller())
end
loadstring = function(...)
  local text, name = ...
  local count = select("#", ...)
  if type(text) ~= "string" then text = stringArgument(2, count, 1, text, "loadstring") end
  if name ~= nil and type(name) ~= "string" then name = stringArgument(2, count, 2, name, "loadstring") end
  return rawload(text, name, "t", globalsOfCaller())
end
gcinfo = function() return floor(collectgarbage("count")) end
do
  -- 5.1's collectgarbage has none of 5.4's modes ("incremental", "generational", "isrunning").
  local options51 = { stop = true, restart = true, collect = true, count = true, step = true, setpause = true, setstepmul = true }
  local collect, collectorSetting = collectgarbage, native.collector_setting
  G.collectgarbage = function(...)
    local option = ...
    if option ~= nil and not options51[option] then
      argError(2, 1, "collectgarbage", "invalid option '" .. stringArgument(2, 1, 1, option, "collectgarbage") .. "'")
    end
    if option == "setpause" or option == "setstepmul" then
      local count, value = select("#", ...), select(2, ...)
      -- luaL_optint: none or nil is 0.
      return collectorSetting(option, value == nil and 0 or intArgument(2, count, 2, value, "collectgarbage"))
    end
    return collect(...)
  end
end
_VERSION = "Lua 5.1"

do
  local sub, find, match, gsub = string.sub, string.find, string.match, string.gsub
  string.gfind = string.gmatch

  -- string.format as 5.1's: its options only (no %a, %p), at most 5 flags and two-digit widths
  -- and precisions, every integer option taking any number (truncated), %s taking strings and
  -- numbers only and stopping at a zero byte, %q escaping as 5.1 did.
  local formatFlags = { c = "-", s = "-", d = "-+ 0", i = "-+ 0", u = "-0", o = "-#0", x = "-#0", X = "-#0", e = "-+ #0", E = "-+ #0", f = "-+ #0", g = "-+ #0", G = "-+ #0" }
  local quoted = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\\n", ["\r"] = "\\r", ["\0"] = "\\000" }
  local function keptFlags(flags, allowed)
    local kept = ""
    for k = 1, #flags do
      local flag = sub(flags, k, k)
      if find(allowed, flag, 1, true) then kept = kept .. flag end
    end
    return kept
  end
  -- A number argument as the double 5.1 held (an integer past 2^53 rounds), -0.0 kept.
  local function formatNumber(count, index, value)
    return numberArgument(3, count, index, value, "format") * 1.0
  end
  -- What x86 code casting a double to an unsigned 64-bit integer gives, as the signed integer of the same bits.
  local function unsignedBits(n)
    if n >= 2^64 then return 0 end
    if n >= 2^63 then return truncate(n - 2^64) end
    return truncate(n)
  end
  local function untilZero(text)
    local zero = find(text, "\0", 1, true)
    return zero and sub(text, 1, zero - 1) or text
  end
  -- A format text read once (most are literals) into its steps: literal texts, and conversions
  -- with the spec handed to 5.4's format or the format error 5.1 raises on reaching them.
  local plans, plannedFormats = {}, 0
  local function planOf(format)
    local plan, position = {}, 1
    while position <= #format do
      local percent = find(format, "%", position, true)
      if percent == nil then
        plan[#plan + 1] = sub(format, position)
        break
      end
      plan[#plan + 1] = sub(format, position, percent - 1)
      if sub(format, percent + 1, percent + 1) == "%" then
        plan[#plan + 1] = "%"
        position = percent + 2
      else
        local flags = match(format, "^[-+ #0]*", percent + 1)
        if #flags >= 6 then
          plan[#plan + 1] = { invalid = "invalid format (repeated flags)" }
          break
        end
        local width = match(format, "^%d?%d?", percent + 1 + #flags)
        local at = percent + 1 + #flags + #width
        local precision = match(format, "^%.%d?%d?", at) or ""
        at = at + #precision
        if find(format, "^%d", at) then
          plan[#plan + 1] = { invalid = "invalid format (width or precision too long)" }
          break
        end
        local conversion = sub(format, at, at)
        local allowed = formatFlags[conversion]
        if conversion == "q" then
          plan[#plan + 1] = { conversion = "q" }
        elseif allowed == nil then
          plan[#plan + 1] = { invalid = "invalid option '%" .. conversion .. "' to 'format'" }
          break
        else
          local spec = "%" .. keptFlags(flags, allowed) .. width .. (conversion == "c" and "" or precision) .. conversion
          plan[#plan + 1] = { conversion = conversion, spec = spec, whole = conversion == "s" and precision == "", unsigned = allowed == "-#0" or conversion == "u" }
        end
        position = at + 1
      end
    end
    if plannedFormats >= 256 then plans, plannedFormats = {}, 0 end
    plans[format], plannedFormats = plan, plannedFormats + 1
    return plan
  end
  -- The C function string.format (lua-vm.ts format) writes plain %s and %d formats itself and
  -- hands every other call here.
  local function format51(...)
    local format = ...
    local count = select("#", ...)
    format = stringArgument(2, count, 1, format, "format")
    local plan = plans[format] or planOf(format)
    local out, argument = {}, 1
    for k = 1, #plan do
      local step = plan[k]
      if type(step) == "string" then
        out[k] = step
      else
        argument = argument + 1
        if argument > count then argError(2, argument, "format", "no value") end
        if step.invalid then raise(step.invalid, 2) end
        local value = (select(argument, ...))
        local conversion, spec = step.conversion, step.spec
        if conversion == "q" then
          out[k] = '"' .. gsub(stringArgument(2, count, argument, value, "format"), '[\\"\n\r%z]', quoted) .. '"'
        elseif conversion == "s" then
          local s = stringArgument(2, count, argument, value, "format")
          if step.whole and #s >= 100 then out[k] = s else out[k] = rawformat(spec, untilZero(s)) end
        elseif conversion == "c" then
          -- C's (int) of the double: out of an int's range it is INT_MIN, whose low byte is 0.
          local code = truncate(formatNumber(count, argument, value))
          if code >= 2^31 or code < -2^31 then code = 0 end
          out[k] = untilZero(rawformat(spec, code % 256))
        elseif conversion == "d" or conversion == "i" then
          out[k] = rawformat(spec, truncate(formatNumber(count, argument, value)))
        elseif step.unsigned then
          out[k] = rawformat(spec, unsignedBits(formatNumber(count, argument, value)))
        else
          out[k] = rawformat(spec, formatNumber(count, argument, value))
        end
      end
    end
    return tconcat(out)
  end
  string.format = withFallback("format", format51)
end

do
  local concat = table.concat
  -- The C function table.concat (lua-vm.ts concat) joins tables of strings and numbers itself
  -- and hands here what it must refuse (in 5.1's words) or does not take.
  local function concat51(...)
    local count = select("#", ...)
    local t, separator, i, j = ...
    separator = separator == nil and "" or stringArgument(2, count, 2, separator, "concat")
    checkType(2, count, 1, t, "table", "concat")
    i = i == nil and 1 or intArgument(2, count, 3, i, "concat")
    j = j == nil and rawlen(t) or intArgument(2, count, 4, j, "concat")
    local parts = {}
    for k = i, j do
      local v = rawget(t, k)
      if type(v) == "number" then v = tostring51(v)
      elseif type(v) ~= "string" then raise("invalid value (" .. type(v) .. ") at index " .. k .. " in table for 'concat'", 2) end
      parts[k - i + 1] = v
    end
    return concat(parts, separator)
  end
  table.concat = withFallback("concat", concat51, concat)
  -- 5.1's table functions check their arguments' types and read the table raw.
  -- The C function table.getn (lua-vm.ts getn) takes tables itself and hands anything else here.
  local function getn51(...)
    local t = ...
    checkType(2, select("#", ...), 1, t, "table", "getn")
    return #t
  end
  table.getn = withFallback("getn", getn51)
  table.maxn = function(...)
    local t = ...
    checkType(2, select("#", ...), 1, t, "table", "maxn")
    local n = 0
    for k in next, t do if type(k) == "number" and k > n then n = k end end
    return n
  end
  table.foreach = function(...)
    local t, f = ...
    checkType(2, select("#", ...), 1, t, "table", "foreach")
    checkType(2, select("#", ...), 2, f, "function", "foreach")
    for k, v in next, t do
      local r = f(k, v)
      if r ~= nil then return r end
    end
  end
  table.foreachi = function(...)
    local t, f = ...
    checkType(2, select("#", ...), 1, t, "table", "foreachi")
    checkType(2, select("#", ...), 2, f, "function", "foreachi")
    for i = 1, #t do
      local r = f(i, rawget(t, i))
      if r ~= nil then return r end
    end
  end
  table.setn = function(...)
    local t = ...
    checkType(2, select("#", ...), 1, t, "table", "setn")
    raise("'setn' is obsolete", 2)
  end
end

do
  local log, atan, fmod, acos, asin = math.log, math.atan, math.fmod, math.acos, math.asin
  -- glibc's log10, acos and asin answer an argument out of their domain with C's NAN, whose sign
  -- bit is clear (printed "nan"); musl's divide 0 by 0, which sets it on x86 ("-nan").
  local positiveNaN = math.abs(0/0)
  -- 5.1's log has no base, its atan one argument (atan2 takes two), and fmod works on doubles.
  math.log = function(...)
    if select("#", ...) < 2 then return log(...) end
    return log((...))
  end
  math.log10 = function(...)
    local x = numberArgument(2, select("#", ...), 1, (...), "log10")
    if x < 0 then return positiveNaN end
    return log(x, 10)
  end
  for name, f in pairs({ acos = acos, asin = asin }) do
    math[name] = function(...)
      local x = numberArgument(2, select("#", ...), 1, (...), name)
      if x > 1 or x < -1 then return positiveNaN end
      return f(x)
    end
  end
  math.atan = function(...)
    if select("#", ...) < 2 then return atan(...) end
    return atan((...))
  end
  -- 5.1's C evaluated the arguments of atan2, fmod, ldexp and pow last first: the second is checked first.
  math.atan2 = function(...)
    local count = select("#", ...)
    local y, x = ...
    x = numberArgument(2, count, 2, x, "atan2")
    return atan(numberArgument(2, count, 1, y, "atan2"), x)
  end
  math.fmod = function(...)
    local a, b = ...
    if math_type(a) == "integer" and math_type(b) == "integer" then return fmod(a + 0.0, b + 0.0) end
    local count = select("#", ...)
    b = numberArgument(2, count, 2, b, "fmod")
    return fmod(numberArgument(2, count, 1, a, "fmod"), b)
  end
  math.mod = math.fmod
  math.pow = function(...)
    local count = select("#", ...)
    local x, y = ...
    y = numberArgument(2, count, 2, y, "pow")
    return numberArgument(2, count, 1, x, "pow") ^ y
  end
  math.ldexp = function(...)
    local count = select("#", ...)
    local m, e = ...
    e = intArgument(2, count, 2, e, "ldexp")
    m = numberArgument(2, count, 1, m, "ldexp")
    -- C's ldexp as musl's scalbn computes it: in steps whose products are exact but the last, so
    -- that neither 2^e overflows where m * 2^e does not nor a subnormal result is rounded twice.
    for _ = 1, 2 do
      if e > 1023 then m, e = m * 2.0 ^ 1023, e - 1023
      elseif e < -1022 then m, e = m * 2.0 ^ -969, e + 969 end
    end
    if e > 1023 then e = 1023 elseif e < -1022 then e = -1022 end
    return m * 2.0 ^ e
  end
  math.frexp = function(...)
    local x = numberArgument(2, select("#", ...), 1, (...), "frexp")
    if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
    local e = math.floor(log(math.abs(x), 2)) + 1
    local m = x / 2.0 ^ e
    if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
    return m, e
  end
  math.cosh = function(...)
    local x = numberArgument(2, select("#", ...), 1, (...), "cosh")
    -- A NaN comes back as it came, sign and all, as from glibc's cosh.
    if x ~= x then return x end
    return (math.exp(x) + math.exp(-x)) / 2
  end
  math.sinh = function(...)
    local x = numberArgument(2, select("#", ...), 1, (...), "sinh")
    return (math.exp(x) - math.exp(-x)) / 2
  end
  math.tanh = function(...)
    local x = numberArgument(2, select("#", ...), 1, (...), "tanh")
    local a, b = math.exp(x), math.exp(-x)
    return (a - b) / (a + b)
  end
end

-- What 5.4 added, gone as in 5.1.
math.maxinteger, math.mininteger, math.tointeger, math.type, math.ult = nil, nil, nil, nil, nil
string.pack, string.unpack, string.packsize = nil, nil, nil
table.move, table.pack, table.unpack = nil, nil, nil
coroutine.isyieldable, coroutine.close = nil, nil
-- 5.1 runs only Lua functions in a coroutine ("Lua function expected"); the sandbox's functions
-- stand for 5.1's C functions.
do
  local create, wrap = coroutine.create, coroutine.wrap
  local function checkLuaFunction(f, name)
    local info = type(f) == "function" and getinfo(f, "S")
    if not info or info.what == "C" or info.source == "=sandbox" then argError(3, 1, name, "Lua function expected") end
  end
  coroutine.create = function(f)
    checkLuaFunction(f, "create")
    return create(f)
  end
  coroutine.wrap = function(f)
    checkLuaFunction(f, "wrap")
    return wrap(f)
  end
end
G.rawlen = nil
`;
