// The Lua sandbox, as Lua text run once per VM (lua-vm.ts passes it the table of C functions).
// It builds Redis 7's scripting environment on Lua 5.4: Lua 5.1's library where 5.4's differs
// (lua51.ts), the `redis`, `cjson`, `struct`, `cmsgpack` and `bit` libraries, and
// removes `os`, `io`, `require`, `package`, `dofile`, `loadfile`, `debug` and `print`. Then it
// seals the globals like Redis 7: reading a missing global and writing any global, new or not,
// are errors, library tables are read-only proxies that rawget, rawset, next, getmetatable and
// setmetatable treat as Redis's read-only tables, `load` compiles text only, and pcall cannot
// swallow a script kill.
// It returns the environment of function libraries, the switch that marks FUNCTION LOAD, the
// table that holds the globals and the environment of scripts (see the sealing, at the end).

import { bitFunctions } from "./bitop.ts";
import { jsonSettingNames } from "./cjson-config.ts";
import { lua51Library } from "./lua51.ts";

export const sandboxPrelude = String.raw`
local native = ...
local G = _G
local error, type, rawget, rawsetRaw, setmetatable, select, tostring = error, type, rawget, rawset, setmetatable, select, tostring
local rawgetmetatable, metatableOf = getmetatable, debug.getmetatable
local rawload, rawxpcall = load, xpcall
local getinfo = debug.getinfo
-- The read-only tables scripts see, each an empty proxy, and the table behind each (sealing,
-- below): rawset and setmetatable refuse them; pairs, next, rawget and getmetatable see through.
local guarded = setmetatable({}, { __mode = "k" })
-- What scripts and function code see as the globals (set at the sealing, below); a chunk that
-- load or loadstring compiles gets those of the code that runs.
local scriptGlobals, libraryEnv
local inFunction = native.in_function
local function globalsOfCaller()
  if inFunction() then return libraryEnv end
  return scriptGlobals
end

${lua51Library}
-- Arithmetic on strings converts them in the VM, as 5.1's does (lua51-code-patches.ts
-- stringArithmetic), not through 5.4's string metamethods, whose errors name no variable.
do
  local stringMeta = debug.getmetatable("")
  for _, event in ipairs({ "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv" }) do stringMeta[event] = nil end
end
bit = { ${Object.keys(bitFunctions).map((name) => `${name} = native.bit_${name},`).join(" ")} }
math.random = native.random
math.randomseed = native.randomseed
math.min = native.min
math.max = native.max

-- The library functions written in Lua above are called through a C function (lua-vm.ts,
-- callUpvaluePointer), so that a script's tail call to one keeps the script's frame for error
-- positions, as a tail call to 5.1's C function did. Those that call the script's own functions
-- back go through one that lets them yield (call_upvalue): under the other, a long callback could
-- not give the event loop its turn.
local callsBack = { [table.foreach] = true, [table.foreachi] = true }
local function asCFunctions(t)
  for name, f in pairs(t) do
    if type(f) == "function" and getinfo(f, "S").source == "=sandbox" then
      if callsBack[f] then
        t[name] = withFallback("call_upvalue", f)
      else
        local caller = native.cfunction(f)
        callers[caller] = true
        t[name] = caller
      end
    end
  end
end
for _, t in ipairs({ G, string, table, math, bit, coroutine }) do asCFunctions(t) end

-- A script runs in a coroutine of the runner's, which only the runner yields (time slices). To
-- the script that coroutine is Lua 5.1's main thread: it cannot yield it (a yield would reach the
-- runner as a slice, or wedge a script that may not yield, in MULTI), and coroutine.running()
-- there is nil. yield is a C function of lua-vm.ts, as 5.1's was (a script's
-- 'return coroutine.yield()' keeps its frame, which Redis's error names); running is not called
-- through the C hop, as a coroutine the script made must be able to yield under it.
do
  local inScriptThread, running = native.script_thread, coroutine.running
  coroutine.yield = native.yield
  -- What 5.1's coroutines could not yield across: pcall and xpcall run through rawxpcall.
  native.yield_barriers({ [rawxpcall] = true, [table.foreach] = true, [table.foreachi] = true })
  coroutine.running = function()
    if inScriptThread() then return nil end
    return (running())
  end
end

cjson = {
  encode = native.json_encode,
  decode = native.json_decode,
  new = native.json_new,
  null = native.json_null,
  ${jsonSettingNames.map((name) => `${name} = native.json_${name},`).join(" ")}
  _NAME = "cjson", _VERSION = "2.1.0",
}
struct = { pack = native.struct_pack, unpack = native.struct_unpack, size = native.struct_size }
cmsgpack = {
  pack = native.msgpack_pack, unpack = native.msgpack_unpack, unpack_one = native.msgpack_unpack_one, unpack_limit = native.msgpack_unpack_limit,
  _NAME = "cmsgpack", _VERSION = "lua-cmsgpack 0.4.0", _COPYRIGHT = "Copyright (C) 2012, Salvatore Sanfilippo",
  _DESCRIPTION = "MessagePack C implementation for Lua",
}

local redisFields = {
  call = native.call,
  pcall = native.pcall,
  sha1hex = native.sha1hex,
  error_reply = native.error_reply,
  status_reply = native.status_reply,
  log = native.log,
  setresp = native.setresp,
  -- compat: effects replication is the only mode since Redis 7; these remain for old scripts.
  replicate_commands = function() return true end,
  set_repl = function(...)
    if select("#", ...) ~= 1 then error({err = "ERR redis.set_repl() requires two arguments."}) end
    local flags = rawtonumber((...))
    if flags ~= nil and (truncate(flags) < 0 or truncate(flags) > 3) then error({err = "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."}) end
  end,
  breakpoint = function() return false end,
  debug = function() end,
  acl_check_cmd = native.acl_check_cmd,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = "7.0.15", REDIS_VERSION_NUM = 0x07000f,
}
-- Set one by one in the order Redis's luaRegisterRedisAPI sets them, so pairs(redis) comes in its order.
local redisApi = {}
for _, name in ipairs({
  "call", "pcall", "log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION_NUM", "REDIS_VERSION",
  "setresp", "sha1hex", "error_reply", "status_reply", "set_repl", "REPL_NONE", "REPL_AOF", "REPL_SLAVE", "REPL_REPLICA",
  "REPL_ALL", "replicate_commands", "breakpoint", "debug", "acl_check_cmd",
}) do redisApi[name] = redisFields[name] end
asCFunctions(redisApi)
local loadApi = {
  register_function = native.register_function,
  log = native.log,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = "7.0.15", REDIS_VERSION_NUM = 0x07000f,
}
-- What a restored library saw as 'redis' when it was journaled (see libraryEnv).
local restoreApi = setmetatable({ setresp = native.setresp }, { __index = loadApi })

-- pcall returns Redis error tables as their text (Redis 7's pcall does; its xpcall, Lua's own,
-- returns what the handler returned), and neither swallows a kill.
local killed = native.killed
local function unlessKilled(ok, ...)
  if not ok and killed() then error((...), 0) end
  return ok, ...
end
local function settle(ok, ...)
  if ok then return true, ... end
  local problem = ...
  if killed() then error(problem, 0) end
  if type(problem) == "table" and type(rawget(problem, "err")) == "string" then return false, rawget(problem, "err") end
  return false, problem
end
-- An error pcall catches reads as Lua 5.1 words it, at the script's line (lua-vm.ts, lua51_error).
local lua51Error = native.lua51_error
pcall = function(f, ...) return settle(rawxpcall(f, lua51Error, ...)) end
-- compat: Lua 5.1's xpcall takes no arguments for f, and wants a handler. A C function, as 5.1's.
xpcall = withFallback("call_upvalue", function(...)
  local f, handler = ...
  if select("#", ...) < 2 then argError(2, 2, "xpcall", "value expected") end
  return unlessKilled(rawxpcall(f, function(message) return handler(lua51Error(message)) end))
end)

-- The message handler Redis defines for its own use, left in the globals where scripts find it:
-- an error as an error table, with the source and line of the function that raised it.
local function redisErrorHandler(err)
  local info = getinfo(2, "nSl")
  if info and info.what == "C" then info = getinfo(3, "nSl") end
  if type(err) ~= "table" then err = { err = "ERR " .. tostring(err) } end
  if info then
    err.source = info.source
    err.line = info.currentline
  end
  return err
end

os, io, require, package, dofile, loadfile, debug, print, utf8, warn = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil

-- pairs() walks a library table in the order Redis's does when the table is laid out as Redis
-- built it: sized for the functions 5.1's luaL_register set, in their list's order, then the
-- fields its library added after them (cjson builds its table from empty).
local function inRegistrationOrder(library, size, names)
  local rebuilt = native.sized_table(size)
  for _, name in ipairs(names) do rebuilt[name] = library[name] end
  return rebuilt
end
string = inRegistrationOrder(string, 15, { "byte", "char", "dump", "find", "format", "gfind", "gmatch", "gsub", "len", "lower", "match", "rep", "reverse", "sub", "upper" })
table = inRegistrationOrder(table, 9, { "concat", "foreach", "foreachi", "getn", "maxn", "insert", "remove", "setn", "sort" })
math = inRegistrationOrder(math, 28, {
  "abs", "acos", "asin", "atan2", "atan", "ceil", "cosh", "cos", "deg", "exp", "floor", "fmod", "frexp", "ldexp", "log10", "log",
  "max", "min", "modf", "pow", "rad", "random", "randomseed", "sinh", "sin", "sqrt", "tanh", "tan", "pi", "huge", "mod",
})
coroutine = inRegistrationOrder(coroutine, 6, { "create", "resume", "running", "status", "wrap", "yield" })
cjson = inRegistrationOrder(cjson, 0, {
  "encode", "decode", "encode_sparse_array", "encode_max_depth", "decode_max_depth", "encode_number_precision",
  "encode_keep_buffer", "encode_invalid_numbers", "decode_invalid_numbers", "new", "null", "_NAME", "_VERSION",
})

-- Sealing. A read-only library table is an empty proxy, in 'guarded' with the table behind it.
-- Redis's read-only tables are the tables themselves, so pairs(), next, rawget and getmetatable
-- see through a proxy (lua-vm.ts hands them every table whose metatable has a __metatable field,
-- as a proxy's has).
local function readonlyError() error("Attempt to modify a readonly table", 2) end
local rawnext = next
local function readonly(t)
  local proxy = setmetatable({}, { __index = t, __newindex = readonlyError, __metatable = false, __pairs = function() return rawnext, t, nil end })
  guarded[proxy] = t
  return proxy
end
G.rawget = withFallback("rawget", function(...)
  local t, k = ...
  local count = select("#", ...)
  checkType(2, count, 1, t, "table", "rawget")
  if count < 2 then argError(2, 2, "rawget", "value expected") end
  return rawget(guarded[t] or t, k)
end)
G.rawset = withFallback("rawset", function(...)
  local t, k, v = ...
  local count = select("#", ...)
  checkType(2, count, 1, t, "table", "rawset")
  if count < 3 then argError(2, count + 1, "rawset", "value expected") end
  if guarded[t] ~= nil then error("Attempt to modify a readonly table", 0) end
  return rawsetRaw(t, k, v)
end)
G.next = withFallback("next", function(...)
  local t, k = ...
  checkType(2, select("#", ...), 1, t, "table", "next")
  return rawnext(guarded[t] or t, k)
end)
-- What getmetatable(_G) gives (set below): Redis's globals have a read-only metatable.
local globalsMetatable
G.getmetatable = withFallback("getmetatable", function(value)
  if value == scriptGlobals or value == libraryEnv then return globalsMetatable end
  if guarded[value] ~= nil then return nil end
  return rawgetmetatable(value)
end)
G.setmetatable = withFallback("setmetatable", function(...)
  local t, metatable = ...
  local count = select("#", ...)
  checkType(2, count, 1, t, "table", "setmetatable")
  if count < 2 or (metatable ~= nil and type(metatable) ~= "table") then argError(2, 2, "setmetatable", "nil or table expected") end
  -- A read-only table's __metatable is the sandbox's; Redis's read-only tables have none.
  if guarded[t] ~= nil then error("Attempt to modify a readonly table", 0) end
  local current = metatableOf(t)
  if current ~= nil and rawget(current, "__metatable") ~= nil then raise("cannot change a protected metatable", 2) end
  return setmetatable(t, metatable)
end)
for _, name in ipairs({ "string", "table", "math", "coroutine", "bit", "cjson", "struct", "cmsgpack" }) do
  rawsetRaw(G, name, readonly(rawget(G, name)))
end
local redisProxy = readonly(redisApi)
-- compat: while a library loads, Redis reports the missing redis.call as a missing global.
local function loadProxyOf(api)
  local proxy = setmetatable({}, {
    __index = function(_, name)
      local value = api[name]
      if value == nil then error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end
      return value
    end,
    __newindex = readonlyError,
    __metatable = false,
  })
  guarded[proxy] = api
  return proxy
end
local loadProxy, restoreProxy = loadProxyOf(loadApi), loadProxyOf(restoreApi)
rawsetRaw(G, "redis", redisProxy)
getmetatable("").__index = rawget(G, "string")
-- Redis 7.0 hands scripts the string metatable itself; a read-only copy keeps one script from
-- changing how strings behave in the next.
getmetatable("").__metatable = readonly({ __index = rawget(G, "string") })

local function missing(name, level)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", level)
end
local function missingGlobal(_, name) missing(name, 3) end

-- What scripts see as their globals. A table takes a write to a key it holds without asking its
-- metatable, so a script's _ENV (and _G) is 'scriptGlobals', a table that holds no key: it refuses
-- every write (__newindex) and finds every read in 'globals' (__index), which raises for a name it
-- lacks. lua-vm.ts makes it the _ENV of each script it compiles, and load and loadstring (lua51.ts)
-- of each chunk they compile. G, the prelude's own _ENV, refuses writes as well but is not reachable.
-- 'globals' is filled as Redis 7.0 fills its globals table: sized as 5.1 sizes a new state's, the
-- libraries' globals as luaopen_base and the other luaopen_* set them (less those its allow list
-- drops), 'redis', then 'debug' removed and the error handler defined, so that pairs(_G) visits
-- them in nearly Redis's order. KEYS and ARGV follow at the first EVAL (lua-vm.ts).
local globals = setmetatable(native.sized_table(2), { __index = missingGlobal })
scriptGlobals = setmetatable({}, {
  __index = globals,
  __newindex = readonlyError,
  __metatable = false,
  __pairs = function() return rawnext, globals, nil end,
})
guarded[scriptGlobals] = globals
for _, name in ipairs({
  "_G", "assert", "collectgarbage", "error", "gcinfo", "getmetatable", "load", "loadstring", "next", "pcall", "rawequal",
  "rawget", "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "unpack", "xpcall", "_VERSION", "ipairs",
  "pairs", "coroutine", "table", "string", "math", "debug", "cjson", "struct", "cmsgpack", "bit", "redis",
}) do
  local value = rawget(G, name)
  -- 'debug' is gone already; Redis's error handler takes it away at this point.
  if value == nil and name ~= "debug" then error("sandbox: no global '" .. name .. "' to place") end
  rawsetRaw(globals, name, value or false)
end
rawsetRaw(globals, "_G", scriptGlobals)
rawsetRaw(globals, "debug", nil)
rawsetRaw(globals, "__redis__err__handler", redisErrorHandler)
for name in rawnext, G do
  if rawget(globals, name) == nil then error("sandbox: the global '" .. tostring(name) .. "' has no place in 'globals'") end
end
-- Function code has globals of its own, as Redis's functions run in a Lua state of their own:
-- the same names but the error handler, none of the last EVAL's KEYS and ARGV, and _G is that
-- environment.
local functionGlobals = {}
for name, value in rawnext, globals do rawsetRaw(functionGlobals, name, value) end
rawsetRaw(functionGlobals, "__redis__err__handler", nil)
globalsMetatable = readonly({ __index = missingGlobal })
setmetatable(G, {
  __index = missingGlobal,
  __newindex = readonlyError,
  __metatable = false,
})

-- Function libraries see their own globals (functionGlobals, above). While
-- FUNCTION LOAD runs their code they see 'redis' alone, as the registration API: Redis gives the
-- library's top level nothing else (a function it registers finds the globals when it runs).
-- Libraries restored from the change log or a snapshot see every global as they load, as all did
-- before downstash followed Redis there: what was accepted once must load again.
local loading, restoring = false, false
libraryEnv = setmetatable({}, {
  __index = function(_, name)
    if name == "redis" then
      if not loading then return redisProxy end
      return restoring and restoreProxy or loadProxy
    end
    if loading and not restoring then missing(name, 3) end
    local value = rawget(functionGlobals, name)
    if value == nil then missing(name, 3) end
    return value
  end,
  __newindex = readonlyError,
  __metatable = false,
  __pairs = function() return rawnext, functionGlobals, nil end,
})
rawsetRaw(functionGlobals, "_G", libraryEnv)
guarded[libraryEnv] = functionGlobals
return libraryEnv, function(isLoading, isRestoring) loading, restoring = isLoading, isRestoring end, globals, scriptGlobals
`;
