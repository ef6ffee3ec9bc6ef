import { type RandomGenerator, xoroshiro128plus } from 'pure-rand';

const TWO_32 = 4_294_967_296;

/** A seeded random stream (pure-rand xoroshiro128+, mutated in place for speed). */
export class Rng {
  private readonly g: RandomGenerator;

  constructor(seed: number) {
    // Small seeds give weak first outputs; start from a mixed seed and skip a few.
    this.g = xoroshiro128plus(fmix32(seed ^ 0x5bd1e995) | 0);
    for (let i = 0; i < 8; i++) this.g.unsafeNext();
  }

  u32(): number {
    return this.g.unsafeNext() >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return (this.g.unsafeNext() >>> 0) / TWO_32;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Standard normal (Box-Muller; one of the pair is dropped, which is fine at our volumes). */
  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  /** A random (version 4 layout) UUID, as CloudEvents producers typically use for `id`. */
  uuid(): string {
    const a = hex8(this.u32());
    const b = hex8(this.u32());
    const c = hex8(this.u32());
    const d = hex8(this.u32());
    return `${a}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${VARIANT[c.charCodeAt(0) & 3]}${c.slice(1, 4)}-${c.slice(4)}${d}`;
  }
}

const VARIANT = ['8', '9', 'a', 'b'];

// Byte-to-hex table: formatting ids is on the per-message path and toString(16) + padStart is slow.
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 255]! + HEX[(n >>> 8) & 255]! + HEX[n & 255]!;
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed integer hash. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A stateless hash of (seed, id, salt) in [0, 2^32): per-entity attributes (a customer's name, a
 * product's price) come from here so they are the same whenever the entity shows up, without
 * storing them.
 */
export function hash3(seed: number, id: number, salt: number): number {
  return fmix32(fmix32(seed ^ Math.imul(salt, 0x9e3779b9)) ^ id);
}

/** hash3 as a uniform number in [0, 1). */
export function unit3(seed: number, id: number, salt: number): number {
  return hash3(seed, id, salt) / TWO_32;
}
