// Doubles printed byte for byte as Redis prints them. Sorted-set scores go through Redis 7.2+'s
// d2string (an integer when the value is one, else the Grisu2 digits of deps/fpconv, which are
// not always JS's shortest digits); the skiplist half of ZSCAN still uses "%.17Lg"; GEOPOS uses
// "%.17Lf" trimmed; GEODIST "%.4f" via llrint; error texts "%f". The glibc formats are computed
// exactly with BigInt and round half to even, as glibc does on exact ties (JS's toPrecision
// rounds ties up, which differs for values such as 1 + 2^-17).

const UINT64 = (value: bigint) => BigInt.asUintN(64, value);

// ---- Redis d2string (util.c, 7.2+) ------------------------------------------------------------

// double2ll: Redis prints a double as an integer when it is one within ±LLONG_MAX/2.
const INTEGER_PATH_LIMIT = 4611686018427387904; // (double)(LLONG_MAX / 2) rounds to 2^62

/**
 * The differential tests' oracle is Redis 7.0, which printed every double reply with "%.17g"
 * and GEODIST with "%.4f"; they turn this on for their run, so every other byte still compares
 * exactly. The server never does. (The 7.2+ forms are pinned by double-format.test.ts.)
 */
export const redis70Doubles = { enabled: false };

/** A score as ZSCORE, ZRANGE WITHSCORES and ZINCRBY reply it (Redis 7.2+ addReplyDouble). */
export function formatScore(value: number): string {
  if (redis70Doubles.enabled) return format17g(value);
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  if (value >= -INTEGER_PATH_LIMIT && value <= INTEGER_PATH_LIMIT && Number.isInteger(value)) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  return fpconvDtoa(value);
}

// ---- fpconv_dtoa: Grisu2 as deps/fpconv ships it ----------------------------------------------

interface Fp {
  frac: bigint;
  exp: number;
}

const FRACTION_MASK = 0x000fffffffffffffn;
const HIDDEN_BIT = 0x0010000000000000n;
const EXPONENT_BIAS = 1023 + 52;
const tens: bigint[] = Array.from({ length: 20 }, (_, i) => 10n ** BigInt(19 - i));

// fpconv_powers.h: normalised approximations of 10^(-348 + 8i).
const powersOfTen: [bigint, number][] = [
  [18054884314459144840n, -1220], [13451937075301367670n, -1193], [10022474136428063862n, -1166], [14934650266808366570n, -1140],
  [11127181549972568877n, -1113], [16580792590934885855n, -1087], [12353653155963782858n, -1060], [18408377700990114895n, -1034],
  [13715310171984221708n, -1007], [10218702384817765436n, -980], [15227053142812498563n, -954], [11345038669416679861n, -927],
  [16905424996341287883n, -901], [12595523146049147757n, -874], [9384396036005875287n, -847], [13983839803942852151n, -821],
  [10418772551374772303n, -794], [15525180923007089351n, -768], [11567161174868858868n, -741], [17236413322193710309n, -715],
  [12842128665889583758n, -688], [9568131466127621947n, -661], [14257626930069360058n, -635], [10622759856335341974n, -608],
  [15829145694278690180n, -582], [11793632577567316726n, -555], [17573882009934360870n, -529], [13093562431584567480n, -502],
  [9755464219737475723n, -475], [14536774485912137811n, -449], [10830740992659433045n, -422], [16139061738043178685n, -396],
  [12024538023802026127n, -369], [17917957937422433684n, -343], [13349918974505688015n, -316], [9946464728195732843n, -289],
  [14821387422376473014n, -263], [11042794154864902060n, -236], [16455045573212060422n, -210], [12259964326927110867n, -183],
  [18268770466636286478n, -157], [13611294676837538539n, -130], [10141204801825835212n, -103], [15111572745182864684n, -77],
  [11258999068426240000n, -50], [16777216000000000000n, -24], [12500000000000000000n, 3], [9313225746154785156n, 30],
  [13877787807814456755n, 56], [10339757656912845936n, 83], [15407439555097886824n, 109], [11479437019748901445n, 136],
  [17105694144590052135n, 162], [12744735289059618216n, 189], [9495567745759798747n, 216], [14149498560666738074n, 242],
  [10542197943230523224n, 269], [15709099088952724970n, 295], [11704190886730495818n, 322], [17440603504673385349n, 348],
  [12994262207056124023n, 375], [9681479787123295682n, 402], [14426529090290212157n, 428], [10748601772107342003n, 455],
  [16016664761464807395n, 481], [11933345169920330789n, 508], [17782069995880619868n, 534], [13248674568444952270n, 561],
  [9871031767461413346n, 588], [14708983551653345445n, 614], [10959046745042015199n, 641], [16330252207878254650n, 667],
  [12166986024289022870n, 694], [18130221999122236476n, 720], [13508068024458167312n, 747], [10064294952495520794n, 774],
  [14996968138956309548n, 800], [11173611982879273257n, 827], [16649979327439178909n, 853], [12405201291620119593n, 880],
  [9242595204427927429n, 907], [13772540099066387757n, 933], [10261342003245940623n, 960], [15290591125556738113n, 986],
  [11392378155556871081n, 1013], [16975966327722178521n, 1039], [12648080533535911531n, 1066],
];
const POWERS_COUNT = 87;
const POWERS_STEP = 8;
const FIRST_POWER = -348;

const bitsView = new DataView(new ArrayBuffer(8));
function doubleBits(value: number): bigint {
  bitsView.setFloat64(0, value);
  return bitsView.getBigUint64(0);
}

function buildFp(value: number): Fp {
  const bits = doubleBits(value);
  const frac = bits & FRACTION_MASK;
  const exp = Number((bits >> 52n) & 0x7ffn);
  return exp !== 0 ? { frac: frac + HIDDEN_BIT, exp: exp - EXPONENT_BIAS } : { frac, exp: -EXPONENT_BIAS + 1 };
}

function normalize(fp: Fp): void {
  while ((fp.frac & HIDDEN_BIT) === 0n) {
    fp.frac = UINT64(fp.frac << 1n);
    fp.exp--;
  }
  const shift = 64 - 52 - 1;
  fp.frac = UINT64(fp.frac << BigInt(shift));
  fp.exp -= shift;
}

function normalizedBoundaries(fp: Fp): { lower: Fp; upper: Fp } {
  const upper: Fp = { frac: (fp.frac << 1n) + 1n, exp: fp.exp - 1 };
  while ((upper.frac & (HIDDEN_BIT << 1n)) === 0n) {
    upper.frac = UINT64(upper.frac << 1n);
    upper.exp--;
  }
  const upperShift = 64 - 52 - 2;
  upper.frac = UINT64(upper.frac << BigInt(upperShift));
  upper.exp -= upperShift;
  const lowerShift = fp.frac === HIDDEN_BIT ? 2 : 1;
  const lower: Fp = { frac: (fp.frac << BigInt(lowerShift)) - 1n, exp: fp.exp - lowerShift };
  lower.frac = UINT64(lower.frac << BigInt(lower.exp - upper.exp));
  lower.exp = upper.exp;
  return { lower, upper };
}

function multiply(a: Fp, b: Fp): Fp {
  const lowMask = 0xffffffffn;
  const ahBl = (a.frac >> 32n) * (b.frac & lowMask);
  const alBh = (a.frac & lowMask) * (b.frac >> 32n);
  const alBl = (a.frac & lowMask) * (b.frac & lowMask);
  const ahBh = (a.frac >> 32n) * (b.frac >> 32n);
  let tmp = (ahBl & lowMask) + (alBh & lowMask) + (alBl >> 32n);
  tmp += 1n << 31n; // round up
  return { frac: UINT64(ahBh + (ahBl >> 32n) + (alBh >> 32n) + (tmp >> 32n)), exp: a.exp + b.exp + 64 };
}

function cachedPowerOfTen(exp: number): { power: Fp; k: number } {
  const oneLogTen = 0.30102999566398114;
  const approx = Math.trunc(-(exp + POWERS_COUNT) * oneLogTen);
  let index = Math.trunc((approx - FIRST_POWER) / POWERS_STEP);
  for (;;) {
    const current = exp + powersOfTen[index]![1] + 64;
    if (current < -60) index++;
    else if (current > -32) index--;
    else return { power: { frac: powersOfTen[index]![0], exp: powersOfTen[index]![1] }, k: FIRST_POWER + index * POWERS_STEP };
  }
}

function roundDigit(digits: number[], delta: bigint, rem: bigint, kappa: bigint, frac: bigint): void {
  while (rem < frac && delta - rem >= kappa && (rem + kappa < frac || frac - rem > rem + kappa - frac)) {
    digits[digits.length - 1]!--;
    rem = UINT64(rem + kappa);
  }
}

/** Grisu2's digits and decimal exponent K: value ≈ digits × 10^K. */
function grisu2(value: number): { digits: number[]; K: number } {
  const w = buildFp(value);
  const { lower, upper } = normalizedBoundaries(w);
  normalize(w);
  const { power, k } = cachedPowerOfTen(upper.exp);
  const scaledW = multiply(w, power);
  const scaledUpper = multiply(upper, power);
  const scaledLower = multiply(lower, power);
  scaledLower.frac = UINT64(scaledLower.frac + 1n);
  scaledUpper.frac = UINT64(scaledUpper.frac - 1n);
  let K = -k;

  const wfrac = UINT64(scaledUpper.frac - scaledW.frac);
  let delta = UINT64(scaledUpper.frac - scaledLower.frac);
  const shift = BigInt(-scaledUpper.exp);
  const one = 1n << shift;
  let part1 = scaledUpper.frac >> shift;
  let part2 = scaledUpper.frac & (one - 1n);
  const digits: number[] = [];
  let kappa = 10;
  for (let divIndex = 10; kappa > 0; divIndex++) {
    const divisor = tens[divIndex]!;
    const digit = part1 / divisor;
    if (digit !== 0n || digits.length > 0) digits.push(Number(digit));
    part1 -= digit * divisor;
    kappa--;
    const remainder = UINT64((part1 << shift) + part2);
    if (remainder <= delta) {
      K += kappa;
      roundDigit(digits, delta, remainder, UINT64(divisor << shift), wfrac);
      return { digits, K };
    }
  }
  let unitIndex = 18;
  for (;;) {
    part2 = UINT64(part2 * 10n);
    delta = UINT64(delta * 10n);
    kappa--;
    const digit = part2 >> shift;
    if (digit !== 0n || digits.length > 0) digits.push(Number(digit));
    part2 &= one - 1n;
    if (part2 < delta) {
      K += kappa;
      roundDigit(digits, delta, part2, one, UINT64(wfrac * tens[unitIndex]!));
      return { digits, K };
    }
    unitIndex--;
  }
}

/** fpconv_dtoa for a finite non-zero double: sign, then emit_digits' layout. */
function fpconvDtoa(value: number): string {
  const negative = value < 0;
  const { digits, K } = grisu2(value);
  return (negative ? "-" : "") + emitDigits(digits, K, negative);
}

function emitDigits(digits: number[], K: number, negative: boolean): string {
  const text = digits.join("");
  let ndigits = digits.length;
  let exp = Math.abs(K + ndigits - 1);
  // plain integer
  if (K >= 0 && exp < ndigits + 7) return text + "0".repeat(K);
  // decimal without exponent
  if (K < 0 && (K > -7 || exp < 4)) {
    const offset = ndigits - Math.abs(K);
    if (offset <= 0) return "0." + "0".repeat(-offset) + text;
    return text.slice(0, offset) + "." + text.slice(offset);
  }
  // scientific notation
  ndigits = Math.min(ndigits, 18 - (negative ? 1 : 0));
  let out = text[0]!;
  if (ndigits > 1) out += "." + text.slice(1, ndigits);
  out += "e" + (K + ndigits - 1 < 0 ? "-" : "+");
  let hundreds = 0;
  if (exp > 99) {
    hundreds = Math.trunc(exp / 100);
    out += String(hundreds);
    exp -= hundreds * 100;
  }
  if (exp > 9) {
    const tensDigit = Math.trunc(exp / 10);
    out += String(tensDigit);
    exp -= tensDigit * 10;
  } else if (hundreds !== 0) {
    out += "0";
  }
  return out + String(exp % 10);
}

// ---- exact decimal expansions for the glibc formats -------------------------------------------

/** |value| = digits × 10^-scale exactly (value finite). */
function exactDecimal(value: number): { digits: bigint; scale: number } {
  const bits = doubleBits(Math.abs(value));
  const biased = Number(bits >> 52n);
  let mantissa = bits & FRACTION_MASK;
  let exponent: number;
  if (biased === 0) exponent = -1074;
  else {
    mantissa += HIDDEN_BIT;
    exponent = biased - EXPONENT_BIAS;
  }
  if (mantissa === 0n) return { digits: 0n, scale: 0 };
  if (exponent >= 0) return { digits: mantissa << BigInt(exponent), scale: 0 };
  return { digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent };
}

/** round(|value| × 10^fractionDigits) with ties to even; fractionDigits may be negative. */
function roundScaled(value: number, fractionDigits: number): bigint {
  const { digits, scale } = exactDecimal(value);
  const shift = fractionDigits - scale;
  if (shift >= 0) return digits * 10n ** BigInt(shift);
  const divisor = 10n ** BigInt(-shift);
  const quotient = digits / divisor;
  const twiceRemainder = (digits % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && (quotient & 1n) === 1n)) return quotient + 1n;
  return quotient;
}

/** C printf "%.<n>f" (glibc: exact value, ties to even). */
export function formatFixedC(value: number, fractionDigits: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return value < 0 ? "-nan" : "nan";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  const text = roundScaled(value, fractionDigits).toString().padStart(fractionDigits + 1, "0");
  if (fractionDigits === 0) return sign + text;
  return `${sign}${text.slice(0, -fractionDigits)}.${text.slice(-fractionDigits)}`;
}

/** C printf "%.17g" (also "%.17Lg" of a double widened to long double: same exact value). */
export function format17g(value: number): string {
  if (value === Infinity) return "inf";
  if (value === -Infinity) return "-inf";
  if (Number.isNaN(value)) return "nan";
  const sign = value < 0 || Object.is(value, -0) ? "-" : "";
  if (value === 0) return sign + "0";
  const precision = 17;
  const { digits, scale } = exactDecimal(value);
  let exponent = digits.toString().length - 1 - scale;
  let rounded = roundScaled(value, precision - 1 - exponent);
  if (rounded.toString().length > precision) {
    exponent++;
    rounded = roundScaled(value, precision - 1 - exponent);
  }
  const text = rounded.toString();
  if (exponent < -4 || exponent >= precision) {
    const mantissa = trimFraction(`${text[0]}.${text.slice(1)}`);
    const exponentText = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${exponentText}`;
  }
  if (exponent >= 0) return sign + trimFraction(`${text.slice(0, exponent + 1)}.${text.slice(exponent + 1)}`);
  return sign + trimFraction(`0.${"0".repeat(-exponent - 1)}${text}`);
}

/**
 * Redis addReplyHumanLongDouble / ld2string(LD_STR_HUMAN) of a double: "%.17Lf", trailing zeros
 * and a bare '.' dropped, "-0" shown as "0" (GEOPOS and WITHCOORD coordinates).
 */
export function formatHumanLongDouble(value: number): string {
  if (!Number.isFinite(value)) return formatFixedC(value, 17);
  const text = trimFraction(formatFixedC(value, 17));
  return text === "-0" ? "0" : text;
}

/**
 * Redis fixedpoint_d2string (7.2+): llrint(value × 10^digits) printed with `digits` decimals
 * (GEODIST and WITHDIST, 4 decimals).
 */
export function formatFixedPoint(value: number, fractionDigits: number): string {
  if (redis70Doubles.enabled) return formatFixedC(value, fractionDigits);
  if (value === 0) return "0." + "0".repeat(fractionDigits);
  const scaled = value * 10 ** fractionDigits;
  const integer = roundHalfEven(scaled);
  const negative = integer < 0;
  const text = BigInt(Math.abs(integer)).toString().padStart(fractionDigits + 1, "0");
  return `${negative ? "-" : ""}${text.slice(0, -fractionDigits)}.${text.slice(-fractionDigits)}`;
}

// llrint in the default rounding mode: to nearest, ties to even.
function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference > 0.5) return floor + 1;
  if (difference < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function trimFraction(text: string): string {
  if (!text.includes(".")) return text;
  let end = text.length;
  while (text[end - 1] === "0") end--;
  if (text[end - 1] === ".") end--;
  return text.slice(0, end);
}
