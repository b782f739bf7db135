// The `bit` library of Redis scripts (LuaBitOp 1.0.2, built for Lua 5.1), as Lua text spliced
// into the sandbox prelude after lua51.ts, whose helpers it raises argument errors with.
// Operands and results are signed 32-bit integers. LuaBitOp turns any number into 32 bits by
// adding 2^52 + 2^51 to it as a double and taking the low word, which rounds to the nearest
// integer (halves to even) and wraps modulo 2^32: 1.5 is 2, 2.5 is 2, NaN is 0.

export const bitLibrary = String.raw`
do
  local function bitArgument(level, count, index, value, name)
    local n = (type(value) == "number" or type(value) == "string") and rawtonumber(value) or nil
    if n == nil then argError(level + 1, index, name, "number expected, got " .. typeOf(count, index, value)) end
    if n >= -0x80000000 and n < 0x80000000 and n == floor(n) then return n | 0 end
    return (strunpack("<i4", strpack("<d", n + 6755399441055744.0)))
  end
  local function signed(x)
    x = x & 0xffffffff
    if x >= 0x80000000 then x = x - 0x100000000 end
    return x
  end
  -- band, bor, bxor: LuaBitOp reads the first operand, then the others from the last.
  local function fold(name, combine)
    return function(...)
      local count = select("#", ...)
      local result = bitArgument(2, count, 1, (...), name)
      for index = count, 2, -1 do result = combine(result, bitArgument(2, count, index, (select(index, ...)), name)) end
      return signed(result)
    end
  end
  local function shift(name, apply)
    return function(...)
      local count = select("#", ...)
      local b = bitArgument(2, count, 1, (...), name) & 0xffffffff
      local n = bitArgument(2, count, 2, (select(2, ...)), name) & 31
      return signed(apply(b, n))
    end
  end
  local digits, upperDigits = "0123456789abcdef", "0123456789ABCDEF"
  bit = {
    tobit = function(...)
      local b = bitArgument(2, select("#", ...), 1, (...), "tobit")
      return b
    end,
    bnot = function(...)
      local b = bitArgument(2, select("#", ...), 1, (...), "bnot")
      return signed(~b)
    end,
    bswap = function(...)
      local b = bitArgument(2, select("#", ...), 1, (...), "bswap") & 0xffffffff
      return signed(((b & 0xff) << 24) | ((b & 0xff00) << 8) | ((b >> 8) & 0xff00) | (b >> 24))
    end,
    band = fold("band", function(a, b) return a & b end),
    bor = fold("bor", function(a, b) return a | b end),
    bxor = fold("bxor", function(a, b) return a ~ b end),
    lshift = shift("lshift", function(b, n) return b << n end),
    rshift = shift("rshift", function(b, n) return b >> n end),
    arshift = shift("arshift", function(b, n) return signed(b) // (1 << n) end),
    rol = shift("rol", function(b, n) return (b << n) | (b >> (32 - n)) end),
    ror = shift("ror", function(b, n) return (b >> n) | (b << (32 - n)) end),
    tohex = function(...)
      local count = select("#", ...)
      local b = bitArgument(2, count, 1, (...), "tohex") & 0xffffffff
      local n = count < 2 and 8 or bitArgument(2, count, 2, (select(2, ...)), "tohex")
      local hex = digits
      if n < 0 then n, hex = -n, upperDigits end
      if n > 8 then n = 8 end
      local text = ""
      for _ = 1, n do
        text = strsub(hex, (b & 15) + 1, (b & 15) + 1) .. text
        b = b >> 4
      end
      return text
    end,
  }
end
`;
