// math.random as Redis 7.0 gives scripts: its own lrand48 (src/rand.c), a 48-bit linear
// congruential generator, x = (0x5DEECE66D * x + 0xB) mod 2^48, starting from 0x1234ABCD330E and
// reseeded by math.randomseed(n) to n << 16 | 0x330E. Redis keeps one for the server, never
// reset between scripts, so a script that seeds it draws exactly the numbers Redis draws.

const TWO_24 = 2 ** 24;
// The multiplier in two 24-bit halves: each product of halves stays exact in a double.
const MULTIPLIER_LOW = 0xece66d;
const MULTIPLIER_HIGH = 0x5de;
const INCREMENT = 0xb;
/** REDIS_LRAND48_MAX: a draw is taken modulo this and divided by it. */
const LRAND48_MAX = 2147483647;

export class Rand48 {
  /** The state's bits 24 to 47 and 0 to 23. */
  private high = 0x1234ab;
  private low = 0xcd330e;

  /** redisSrand48: the seed as a C int32, into the state's upper 32 bits. */
  seed(value: number): void {
    const seed = value >>> 0;
    this.high = (seed >>> 8) & 0xffffff;
    this.low = ((seed & 0xff) << 16) | 0x330e;
  }

  /** redisLrand48: the next state's upper 31 bits. */
  next(): number {
    const low = this.low * MULTIPLIER_LOW + INCREMENT;
    const carry = Math.floor(low / TWO_24);
    this.high = (this.high * MULTIPLIER_LOW + this.low * MULTIPLIER_HIGH + carry) % TWO_24;
    this.low = low % TWO_24;
    return this.high * 128 + Math.floor(this.low / 2 ** 17);
  }

  /** redis_math_random's draw: in [0, 1). */
  fraction(): number {
    return (this.next() % LRAND48_MAX) / LRAND48_MAX;
  }
}
