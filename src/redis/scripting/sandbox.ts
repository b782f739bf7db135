// The Lua sandbox, as Lua text run once per VM (lua-vm.ts passes it the table of C functions).
// It builds Redis 7's scripting environment on Lua 5.4: the `redis`, `cjson`, `struct`,
// `cmsgpack` and `bit` libraries, the Lua 5.1 names scripts still use (`unpack`, `loadstring`,
// `table.getn`, `math.pow` ...), and removes `os`, `io`, `require`, `package`, `dofile`,
// `loadfile`, `debug` and `print`. Then it seals the globals like Redis 7: reading a missing
// global and writing any global are errors, library tables are read-only proxies, `rawset`
// refuses sealed tables, `load` compiles text only, and pcall cannot swallow a script kill.
// It returns the environment of function libraries and the switch that marks FUNCTION LOAD.

export const sandboxPrelude = String.raw`
local native = ...
local G = _G
local error, type, rawget, rawsetRaw, setmetatable, select, tostring = error, type, rawget, rawset, setmetatable, select, tostring
local rawload, rawpcall, rawxpcall = load, pcall, xpcall

-- Lua 5.1 names (spec/redis-rest.md §8.3: ratelimit's deny list needs the global unpack).
unpack = table.unpack
table.getn = function(t) return #t end
table.maxn = function(t) local n = 0 for k in pairs(t) do if type(k) == "number" and k > n then n = k end end return n end
table.foreach = function(t, f) for k, v in pairs(t) do local r = f(k, v) if r ~= nil then return r end end end
table.foreachi = function(t, f) for i = 1, #t do local r = f(i, t[i]) if r ~= nil then return r end end end
math.pow = function(x, y) return x ^ y end
math.mod = math.fmod
math.log10 = function(x) return math.log(x, 10) end
math.ldexp = function(m, e) return m * 2.0 ^ e end
math.frexp = function(x)
  if x == 0 or x ~= x or x == math.huge or x == -math.huge then return x, 0 end
  local e = math.floor(math.log(math.abs(x), 2)) + 1
  local m = x / 2.0 ^ e
  if math.abs(m) >= 1 then m, e = m / 2, e + 1 elseif math.abs(m) < 0.5 then m, e = m * 2, e - 1 end
  return m, e
end
math.cosh = function(x) return (math.exp(x) + math.exp(-x)) / 2 end
math.sinh = function(x) return (math.exp(x) - math.exp(-x)) / 2 end
math.tanh = function(x) local a, b = math.exp(x), math.exp(-x) return (a - b) / (a + b) end
math.random = native.random
math.randomseed = function() end
string.gfind = string.gmatch
-- compat: Lua 5.1 writes every number as "%.14g": tostring(10/2) is "5", tostring(-0.0) "-0",
-- tostring(123456789012345) "1.2345678901234e+14". Lua 5.4's own conversions remain where a
-- library function or the VM makes them: '..', string.format's %s and table.concat write 10/2
-- as "5.0" (README, "Lua scripts").
local rawtostring, rawformat = tostring, string.format
G.tostring = function(v)
  if type(v) == "number" then return rawformat("%.14g", v) end
  return rawtostring(v)
end
_VERSION = "Lua 5.1"
gcinfo = function() return math.floor(collectgarbage("count")) end

-- Compiling text is allowed, bytecode never (Redis 7 refuses it too).
load = function(chunk, name, mode, env) return rawload(chunk, name, "t", env or G) end
loadstring = function(text, name) return rawload(text, name, "t", G) end

-- LuaBitOp: operands and results are signed 32-bit integers.
local function bitint(x)
  x = math.floor(tonumber(x)) & 0xffffffff
  if x >= 0x80000000 then x = x - 0x100000000 end
  return x
end
local function bitfold(op, x, ...)
  local r = bitint(x)
  for i = 1, select("#", ...) do r = op(r, bitint((select(i, ...)))) end
  return bitint(r)
end
bit = {
  tobit = function(x) return bitint(x) end,
  bnot = function(x) return bitint(~bitint(x)) end,
  band = function(...) return bitfold(function(a, b) return a & b end, ...) end,
  bor = function(...) return bitfold(function(a, b) return a | b end, ...) end,
  bxor = function(...) return bitfold(function(a, b) return a ~ b end, ...) end,
  lshift = function(x, n) return bitint((bitint(x) & 0xffffffff) << (bitint(n) & 31)) end,
  rshift = function(x, n) return bitint((bitint(x) & 0xffffffff) >> (bitint(n) & 31)) end,
  arshift = function(x, n) return bitint(bitint(x) >> (bitint(n) & 31) | (bitint(x) < 0 and ~(0xffffffff >> (bitint(n) & 31)) or 0)) end,
  rol = function(x, n) local v, s = bitint(x) & 0xffffffff, bitint(n) & 31 return bitint((v << s) | (v >> (32 - s))) end,
  ror = function(x, n) local v, s = bitint(x) & 0xffffffff, bitint(n) & 31 return bitint((v >> s) | (v << (32 - s))) end,
  bswap = function(x) local v = bitint(x) & 0xffffffff return bitint(((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >> 8) & 0xff00) | (v >> 24)) end,
  tohex = function(x, n)
    n = n or 8
    local upper = n < 0
    if upper then n = -n end
    local text = string.format(upper and "%08X" or "%08x", bitint(x) & 0xffffffff)
    return text:sub(-n)
  end,
}

cjson = {
  encode = native.json_encode,
  decode = native.json_decode,
  null = native.json_null,
  encode_keep_buffer = function() end,
  encode_max_depth = function() end,
  decode_max_depth = function() end,
  encode_number_precision = function() end,
  encode_sparse_array = function() end,
  encode_invalid_numbers = function() end,
  decode_invalid_numbers = function() end,
}
struct = { pack = native.struct_pack, unpack = native.struct_unpack, size = native.struct_size }
cmsgpack = { pack = native.msgpack_pack, unpack = native.msgpack_unpack, unpack_one = native.msgpack_unpack_one, unpack_limit = native.msgpack_unpack_limit }

local redisApi = {
  call = native.call,
  pcall = native.pcall,
  sha1hex = native.sha1hex,
  error_reply = native.error_reply,
  status_reply = native.status_reply,
  log = native.log,
  setresp = native.setresp,
  register_function = native.register_function,
  -- compat: effects replication is the only mode since Redis 7; these remain for old scripts.
  replicate_commands = function() return true end,
  set_repl = function() end,
  breakpoint = function() return false end,
  debug = function() end,
  acl_check_cmd = function() return true end,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REPL_NONE = 0, REPL_AOF = 1, REPL_SLAVE = 2, REPL_REPLICA = 2, REPL_ALL = 3,
  REDIS_VERSION = "7.0.15", REDIS_VERSION_NUM = 0x07000f,
}
local loadApi = {
  register_function = native.register_function,
  log = native.log,
  setresp = native.setresp,
  LOG_DEBUG = 0, LOG_VERBOSE = 1, LOG_NOTICE = 2, LOG_WARNING = 3,
  REDIS_VERSION = "7.0.15", REDIS_VERSION_NUM = 0x07000f,
}

-- pcall returns Redis error tables as their text (Redis 7 does), and never swallows a kill.
local killed = native.killed
local function settle(ok, ...)
  if ok then return true, ... end
  local problem = ...
  if killed() then error(problem, 0) end
  if type(problem) == "table" and type(rawget(problem, "err")) == "string" then return false, rawget(problem, "err") end
  return false, problem
end
pcall = function(f, ...) return settle(rawpcall(f, ...)) end
xpcall = function(f, handler, ...) return settle(rawxpcall(f, handler, ...)) end

os, io, require, package, dofile, loadfile, debug, print, utf8, warn = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil

-- Sealing. Every sealed table is in 'sealed'; rawset refuses them.
local sealed = setmetatable({}, { __mode = "k" })
local function readonlyError() error("Attempt to modify a readonly table", 2) end
local function readonly(t)
  local proxy = setmetatable({}, { __index = t, __newindex = readonlyError, __metatable = false })
  sealed[proxy] = true
  return proxy
end
G.rawset = function(t, k, v)
  if sealed[t] then error("Attempt to modify a readonly table", 2) end
  return rawsetRaw(t, k, v)
end
for _, name in ipairs({ "string", "table", "math", "coroutine", "bit", "cjson", "struct", "cmsgpack" }) do
  rawsetRaw(G, name, readonly(rawget(G, name)))
end
local redisProxy = readonly(redisApi)
-- compat: while a library loads, Redis reports the missing redis.call as a missing global.
local loadProxy = setmetatable({}, {
  __index = function(_, name)
    local value = loadApi[name]
    if value == nil then error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", 2) end
    return value
  end,
  __newindex = readonlyError,
  __metatable = false,
})
sealed[loadProxy] = true
rawsetRaw(G, "redis", redisProxy)
getmetatable("").__index = rawget(G, "string")
getmetatable("").__metatable = false

local function missing(name, level)
  error("Script attempted to access nonexistent global variable '" .. tostring(name) .. "'", level)
end
sealed[G] = true
setmetatable(G, {
  __index = function(_, name) missing(name, 3) end,
  __newindex = readonlyError,
  __metatable = false,
})

-- Function libraries see the same globals except KEYS/ARGV (they get them as arguments), and
-- while FUNCTION LOAD runs their code, 'redis' is the registration API only.
local loading = false
local libraryEnv = setmetatable({}, {
  __index = function(_, name)
    if name == "redis" then return loading and loadProxy or redisProxy end
    if name == "KEYS" or name == "ARGV" then missing(name, 3) end
    local value = rawget(G, name)
    if value == nil then missing(name, 3) end
    return value
  end,
  __newindex = readonlyError,
  __metatable = false,
})
sealed[libraryEnv] = true
return libraryEnv, function(flag) loading = flag end
`;
