/**
 * MT19937 with NumPy's legacy `RandomState` semantics, so that seeded results (splits, shuffles,
 * bootstrap samples) are the rows scikit-learn would pick for the same `random_state`.
 *
 * Sources: numpy/random/src/mt19937/mt19937.c (seeding = Matsumoto & Nishimura's init_genrand,
 * tempering), numpy/random/src/distributions/distributions.c (`random_interval`, masked
 * rejection; `random_standard_uniform` = legacy `random_sample`), numpy/random/mtrand.pyx
 * (`permutation` = arange + `_shuffle_raw`, which walks i = n-1 .. 1 swapping with
 * random_interval(i)), and `_bounded_integers.pyx` (randint with masked rejection).
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class RandomState {
  private readonly mt = new Uint32Array(N);
  private mti = N;

  /** seed: an integer in [0, 2**32 - 1], as NumPy's RandomState(seed) requires. */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`Seed must be between 0 and 2**32 - 1, got ${seed}`);
    }
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  /** Next raw 32-bit output (genrand_int32), as an unsigned number. */
  nextUint32(): number {
    if (this.mti >= N) this.twist();
    let y = this.mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Generate the next N words of state (genrand_int32's refill). */
  private twist(): void {
    const mt = this.mt;
    let kk = 0;
    for (; kk < N - M; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; kk < N - 1; kk++) {
      const y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
      mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.mti = 0;
  }

  /** Uniform double in [0, 1) with 53 random bits (NumPy's random_sample). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /**
   * Uniform integer in [0, max] by masked rejection (NumPy's random_interval and the masked
   * bounded-integer path of randint). Supports max up to 2**53 - 1; for max >= 2**32 NumPy draws
   * 64-bit words (high word first), which is reproduced with two 32-bit draws.
   */
  interval(max: number): number {
    // A negative or fractional max would make the rejection loop below spin forever.
    if (!(max >= 0) || max !== Math.floor(max)) {
      throw new RangeError(`interval max must be a non-negative integer, got ${max}`);
    }
    if (max === 0) return 0;
    if (max <= 0xffffffff) {
      let mask = max;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      mask >>>= 0;
      let v: number;
      do v = (this.nextUint32() & mask) >>> 0;
      while (v > max);
      return v;
    }
    if (!Number.isSafeInteger(max)) throw new RangeError(`interval max ${max} is beyond 2**53 - 1`);
    const hiMax = Math.floor(max / 0x100000000);
    let hiMask = hiMax;
    hiMask |= hiMask >>> 1;
    hiMask |= hiMask >>> 2;
    hiMask |= hiMask >>> 4;
    hiMask |= hiMask >>> 8;
    hiMask |= hiMask >>> 16;
    let v: number;
    do {
      const hi = (this.nextUint32() & hiMask) >>> 0;
      const lo = this.nextUint32();
      v = hi * 0x100000000 + lo;
    } while (v > max);
    return v;
  }

  /** randint(low, high): uniform integer in [low, high). */
  randint(low: number, high: number): number {
    if (!Number.isInteger(low) || !Number.isInteger(high)) {
      throw new RangeError(`randint: low and high must be integers, got ${low} and ${high}`);
    }
    if (!(high > low)) throw new RangeError(`randint: low >= high (${low} >= ${high})`);
    return low + this.interval(high - 1 - low);
  }

  /**
   * In-place Fisher–Yates shuffle exactly as NumPy's legacy shuffle of a 1-d array: i = n-1 .. 1,
   * swapping a[i] with a[random_interval(i)]. The draws are interval()'s and nextUint32()'s, written
   * out in the loop: a shuffle usually runs once, early, in code V8 has not optimised yet, where
   * two calls per element cost several times the arithmetic (a 16,512-row permutation: 13 ms
   * cold with the calls).
   */
  shuffle(a: { length: number; [i: number]: number }): void {
    // Arrays beyond 2**32 elements need interval()'s 64-bit draws (kept out of this loop, which
    // V8 then compiles faster).
    let i = a.length > 0x100000000 ? this.shuffleTop(a) : a.length - 1;
    const mt = this.mt;
    for (; i >= 1; i--) {
      let mask = i;
      mask |= mask >>> 1;
      mask |= mask >>> 2;
      mask |= mask >>> 4;
      mask |= mask >>> 8;
      mask |= mask >>> 16;
      let j: number;
      do {
        if (this.mti >= N) this.twist();
        let y = mt[this.mti++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9d2c5680;
        y ^= (y << 15) & 0xefc60000;
        y ^= y >>> 18;
        j = (y & mask) >>> 0;
      } while (j > i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }

  /** shuffle()'s first steps for i = a.length - 1 down to 2**32; returns the next i. */
  private shuffleTop(a: { length: number; [i: number]: number }): number {
    let i = a.length - 1;
    for (; i > 0xffffffff; i--) {
      const j = this.interval(i);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return i;
  }

  /** permutation(n): a shuffled arange(n). */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    this.shuffle(a);
    return a;
  }
}
