// The Lua sandbox, as Lua text run once per VM (lua-vm.ts passes it the table of C functions).
// It builds Redis 7's scripting environment on Lua 5.4: Lua 5.1's library where 5.4's differs
// (lua51.ts), the `redis`, `cjson`, `struct`, `cmsgpack` and `bit` libraries, and
// removes `os`, `io`, `require`, `package`, `dofile`, `loadfile`, `debug` and `print`. Then it
// seals the globals like Redis 7: reading a missing global and writing any global are errors,
// library tables are read-only proxies that rawget, rawset, getmetatable and setmetatable treat as
// Redis's read-only tables, `load` compiles text only,
// and pcall cannot swallow a script kill.
// It returns the environment of function libraries and the switch that marks FUNCTION LOAD.

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
-- Tables scripts cannot change: rawset refuses them (sealing, below).
local sealed = setmetatable({}, { __mode = "k" })

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
-- positions, as a tail call to 5.1's C function did. Not those that call the script's own
-- functions back: code under the hop cannot yield, so a long callback would hold the event loop.
local direct = { [table.foreach] = true, [table.foreachi] = true }
local function asCFunctions(t)
  for name, f in pairs(t) do
    if type(f) == "function" and not direct[f] and getinfo(f, "S").source == "=sandbox" then
      local caller = native.cfunction(f)
      callers[caller] = true
      t[name] = caller
    end
  end
end
for _, t in ipairs({ G, string, table, math, bit, coroutine }) do asCFunctions(t) end

-- A script runs in a coroutine of the runner's, which only the runner yields (time slices). To
-- the script that coroutine is Lua 5.1's main thread: it cannot yield it (a yield would reach the
-- runner as a slice, or wedge a script that may not yield, in MULTI), and coroutine.running()
-- there is nil. Not called through the C hop: a coroutine the script made must yield through them.
do
  local inScriptThread, yield, running = native.script_thread, coroutine.yield, coroutine.running
  coroutine.yield = function(...)
    if inScriptThread() then error("attempt to yield across metamethod/C-call boundary", 0) end
    return yield(...)
  end
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

-- pcall returns Redis error tables as their text (Redis 7 does), and never swallows a kill.
local killed = native.killed
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
-- compat: Lua 5.1's xpcall takes no arguments for f, and wants a handler.
xpcall = function(...)
  local f, handler = ...
  if select("#", ...) < 2 then argError(2, 2, "xpcall", "value expected") end
  return settle(rawxpcall(f, function(message) return handler(lua51Error(message)) end))
end

os, io, require, package, dofile, loadfile, debug, print, utf8, warn = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil

-- Sealing. Every sealed table is in 'sealed'; rawset and setmetatable refuse them.
local function readonlyError() error("Attempt to modify a readonly table", 2) end
-- A sealed library table is an empty proxy, and 'guarded' holds the table behind each. Redis's
-- read-only tables are the tables themselves, so pairs(), rawget and getmetatable see through a
-- proxy (lua-vm.ts hands them every table whose metatable has a __metatable field, as a proxy's
-- has); next() does not, so that 'for k, v in next, t' keeps 5.4's own next.
local guarded = setmetatable({}, { __mode = "k" })
local rawnext = next
local function readonly(t)
  local proxy = setmetatable({}, { __index = t, __newindex = readonlyError, __metatable = false, __pairs = function() return rawnext, t, nil end })
  sealed[proxy] = true
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
  if sealed[t] then error("Attempt to modify a readonly table", 0) end
  return rawsetRaw(t, k, v)
end)
-- What getmetatable(_G) gives (set below): Redis's globals have a read-only metatable.
local globalsMetatable
G.getmetatable = withFallback("getmetatable", function(value)
  if guarded[value] ~= nil then return nil end
  if value == G then return globalsMetatable end
  return rawgetmetatable(value)
end)
G.setmetatable = withFallback("setmetatable", function(...)
  local t, metatable = ...
  local count = select("#", ...)
  checkType(2, count, 1, t, "table", "setmetatable")
  if count < 2 or (metatable ~= nil and type(metatable) ~= "table") then argError(2, 2, "setmetatable", "nil or table expected") end
  -- A sealed table's __metatable is the sandbox's; Redis's read-only tables have none.
  if sealed[t] then error("Attempt to modify a readonly table", 0) end
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
  sealed[proxy] = true
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
sealed[G] = true
setmetatable(G, {
  __index = missingGlobal,
  __newindex = readonlyError,
  __metatable = false,
})
globalsMetatable = readonly({ __index = missingGlobal })

-- Function libraries see the same globals except KEYS/ARGV (they get them as arguments). While
-- FUNCTION LOAD runs their code they see 'redis' alone, as the registration API: Redis gives the
-- library's top level nothing else (a function it registers finds the globals when it runs).
-- Libraries restored from the change log or a snapshot see every global as they load, as all did
-- before downstash followed Redis there: what was accepted once must load again.
local loading, restoring = false, false
local libraryEnv = setmetatable({}, {
  __index = function(_, name)
    if name == "redis" then
      if not loading then return redisProxy end
      return restoring and restoreProxy or loadProxy
    end
    if (loading and not restoring) or name == "KEYS" or name == "ARGV" then missing(name, 3) end
    local value = rawget(G, name)
    if value == nil then missing(name, 3) end
    return value
  end,
  __newindex = readonlyError,
  __metatable = false,
})
sealed[libraryEnv] = true
return libraryEnv, function(isLoading, isRestoring) loading, restoring = isLoading, isRestoring end
`;
