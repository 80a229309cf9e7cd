/**
 * A minimal WebAssembly binary encoder (WebAssembly Core Specification 2.0, §5 "Binary Format"),
 * enough to write small straight-line kernels as readable TypeScript: expressions are byte arrays
 * built by the functions below, in stack order, and `assembleModule` wraps functions, one memory and
 * exports into a module.
 */

export type Code = readonly number[];

export const I32 = 0x7f;
export const I64 = 0x7e;

/** Unsigned LEB128 (§5.2.2). */
export function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 64-bit two's complement value (§5.2.2). */
export function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asIntN(64, value);
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function utf8Name(name: string): number[] {
  const bytes = [...Buffer.from(name, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function vector(items: readonly Code[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: Code): number[] {
  return [id, ...uleb(body.length), ...body];
}

/** Concatenates instruction sequences. */
export const seq = (...parts: Code[]): Code => parts.flat();

// Variables (§5.4.4).
export const get = (local: number): Code => [0x20, ...uleb(local)];
export const set = (local: number, value: Code): Code => [...value, 0x21, ...uleb(local)];

// Constants (§5.4.7).
export const i32 = (v: number): Code => [0x41, ...sleb(BigInt(v | 0))];
export const i64 = (v: bigint): Code => [0x42, ...sleb(v)];

// Memory (§5.4.6); `offset` is a constant byte offset added to the address. Alignment hints are
// the natural alignment; misaligned accesses stay correct.
const memarg = (align: number, offset: number): number[] => [...uleb(align), ...uleb(offset)];
export const i64Load = (addr: Code, offset = 0): Code => [...addr, 0x29, ...memarg(3, offset)];
export const i32Load = (addr: Code, offset = 0): Code => [...addr, 0x28, ...memarg(2, offset)];
export const i64Store = (addr: Code, value: Code, offset = 0): Code => [
  ...addr,
  ...value,
  0x37,
  ...memarg(3, offset),
];
export const i32Store = (addr: Code, value: Code, offset = 0): Code => [
  ...addr,
  ...value,
  0x36,
  ...memarg(2, offset),
];

// Numeric instructions (§5.4.7).
const binary =
  (opcode: number) =>
  (a: Code, b: Code): Code => [...a, ...b, opcode];
export const i32Add = binary(0x6a);
export const i32Sub = binary(0x6b);
export const i32And = binary(0x71);
export const i32Or = binary(0x72);
export const i32Shl = binary(0x74);
export const i32ShrU = binary(0x76);
export const i32LtU = binary(0x49);
export const i64Add = binary(0x7c);
export const i64Mul = binary(0x7e);
export const i64And = binary(0x83);
export const i64Or = binary(0x84);
export const i64Xor = binary(0x85);
export const i64Shl = binary(0x86);
export const i64ShrU = binary(0x88);
export const i64Rotl = binary(0x89);
export const i64Eqz = (a: Code): Code => [...a, 0x50];
export const i64ExtendI32U = (a: Code): Code => [...a, 0xad];

/** XOR of any number of i64 expressions. */
export const i64XorAll = (...terms: Code[]): Code => terms.reduce((acc, t) => i64Xor(acc, t));
/** OR of any number of i64 expressions. */
export const i64OrAll = (...terms: Code[]): Code => terms.reduce((acc, t) => i64Or(acc, t));

// Control (§5.4.1): `loop` runs `body` and repeats while `again` is non-zero.
export const doWhile = (body: Code, again: Code): Code => [0x03, 0x40, ...body, ...again, 0x0d, 0x00, 0x0b];
/** Runs `body` only when `condition` is non-zero. */
export const when = (condition: Code, body: Code): Code => [...condition, 0x04, 0x40, ...body, 0x0b];

export interface WasmFunction {
  name: string;
  params: readonly number[];
  results: readonly number[];
  /** Types of the locals declared after the parameters, in index order. */
  locals: readonly number[];
  body: Code;
}

/** A module with one exported memory ("memory", `pages` of 64 KiB) and the given exported functions. */
export function assembleModule(functions: readonly WasmFunction[], pages: number): Uint8Array {
  const types = functions.map((f) => [
    0x60,
    ...vector(f.params.map((t) => [t])),
    ...vector(f.results.map((t) => [t])),
  ]);
  const typeSection = section(1, vector(types));
  const functionSection = section(3, vector(functions.map((_, i) => uleb(i))));
  const memorySection = section(5, vector([[0x00, ...uleb(pages)]]));
  const exports = [
    [...utf8Name('memory'), 0x02, 0x00],
    ...functions.map((f, i) => [...utf8Name(f.name), 0x00, ...uleb(i)]),
  ];
  const exportSection = section(7, vector(exports));
  const bodies = functions.map((f) => {
    // Locals are declared as runs of one type (§5.5.13).
    const runs: number[][] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0] = last[0]! + 1;
      else runs.push([1, t]);
    }
    const code = [...vector(runs.map(([n, t]) => [...uleb(n!), t!])), ...f.body, 0x0b];
    return [...uleb(code.length), ...code];
  });
  const codeSection = section(10, vector(bodies));
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...typeSection,
    ...functionSection,
    ...memorySection,
    ...exportSection,
    ...codeSection,
  ]);
}

// Fixed-width SIMD (§5.4.8): one 0xfd prefix, then the opcode as unsigned LEB128.
export const V128 = 0x7b;
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];
const simdBinary =
  (opcode: number) =>
  (a: Code, b: Code): Code => [...a, ...b, ...simd(opcode)];

export const v128Load = (addr: Code, offset = 0): Code => [...addr, ...simd(0x00), ...memarg(4, offset)];
export const v128Store = (addr: Code, value: Code, offset = 0): Code => [
  ...addr,
  ...value,
  ...simd(0x0b),
  ...memarg(4, offset),
];
/** A constant of four 32-bit lanes, lane 0 first. */
export const v128I32x4 = (l0: number, l1: number, l2: number, l3: number): Code => {
  const bytes: number[] = [];
  for (const lane of [l0, l1, l2, l3])
    bytes.push(lane & 0xff, (lane >>> 8) & 0xff, (lane >>> 16) & 0xff, lane >>> 24);
  return [...simd(0x0c), ...bytes];
};
export const v128Splat32 = (v: number): Code => v128I32x4(v, v, v, v);
/** i8x16.shuffle: byte i of the result is byte lanes[i] of a (0..15) or of b (16..31). */
export const i8x16Shuffle = (a: Code, b: Code, lanes: readonly number[]): Code => [
  ...a,
  ...b,
  ...simd(0x0d),
  ...lanes,
];
/** The same as i8x16Shuffle with 32-bit lanes: 0..3 from a, 4..7 from b. */
export const i32x4Shuffle = (a: Code, b: Code, lanes: readonly number[]): Code =>
  i8x16Shuffle(
    a,
    b,
    lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]),
  );
export const v128And = simdBinary(0x4e);
export const v128Or = simdBinary(0x50);
export const v128Xor = simdBinary(0x51);
export const i32x4Shl = (a: Code, bits: number): Code => [...a, ...i32(bits), ...simd(0xab)];
export const i32x4ShrU = (a: Code, bits: number): Code => [...a, ...i32(bits), ...simd(0xad)];
export const i32x4Mul = simdBinary(0xb5);
export const i64x2Shl = (a: Code, bits: number): Code => [...a, ...i32(bits), ...simd(0xcb)];
export const i64x2ShrU = (a: Code, bits: number): Code => [...a, ...i32(bits), ...simd(0xcd)];
/** XOR of any number of v128 expressions. */
export const v128XorAll = (...terms: Code[]): Code => terms.reduce((acc, t) => v128Xor(acc, t));

/** memory.fill (bulk memory, §5.4.6): n bytes of `value` from `dst`. */
export const memoryFill = (dst: Code, value: Code, n: Code): Code => [
  ...dst,
  ...value,
  ...n,
  0xfc,
  ...uleb(11),
  0x00,
];
/** Calls function `index` (its position in assembleModule's list) with the arguments on the stack. */
export const call = (index: number, ...args: Code[]): Code => [...args.flat(), 0x10, ...uleb(index)];
export const i32Eqz = (a: Code): Code => [...a, 0x45];
