import { sheetCode } from '../cards/codes.ts';

/**
 * The QR code of every cell of the printed sign-in sheet (session × member), which the cards
 * feature's scan page reads back (`cards/codes.ts` `sheetCode`), made fast and drawn small.
 *
 * A sheet of 1,500 members holds 1,500 different codes per session column. The general QR
 * library (`qrcode`) took 0.3–0.9 ms a code (it tries all eight masks) and its SVG, as a base64
 * data address, was 1.75 kB a cell: such a sheet took a second and 2.8 MB. A cell code is at
 * most 44 ASCII characters, so this encoder only needs byte mode, error correction level L and
 * versions 1–5 (one Reed–Solomon block, no version information). The function patterns and the
 * mask of a version are laid out once; a code only places its codewords. Every symbol uses the
 * same mask (`MASK`): a reader reads any of the eight (the format bits say which), choosing one by
 * penalty per symbol is an encoder's recommendation, and mask 3 has the lowest penalty on
 * average over sheet codes. With one mask, everything but the data modules is the same in every
 * symbol of a version: the page draws those once (`qrFunctionPaths`, referenced with `<use>`) and
 * a cell's SVG only draws its data modules, as horizontal strokes (`sheetCellQr`, ~670 bytes).
 * It stays a vector drawing, sharp on paper at any printer's resolution (a bitmap is smoothed
 * when a PDF is printed or viewed). `tests/enrolment/sheet-qr.test.ts` compares every module
 * with `qrcode`'s symbol for the same text and mask and reads symbols back with jsQR, as the
 * scan page does.
 */

/** the mask every symbol uses: 3, (x + y) mod 3 = 0 */
export const MASK = 3;
const QUIET = 1;

// level L, versions 1–5: data codewords and error correction codewords (one block each)
const DATA_CODEWORDS = [0, 19, 34, 55, 80, 108];
const EC_CODEWORDS = [0, 7, 10, 15, 20, 26];
const MAX_VERSION = 5;

// ------------------------------------------------------------ GF(256) and Reed–Solomon

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
{
  let x = 1;
  for (let i = 0; i < 255; i++) {
    EXP[i] = x;
    LOG[x] = i;
    x <<= 1;
    if (x & 0x100) x ^= 0x11d;
  }
  for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];
}
const mul = (a: number, b: number) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

/** the generator polynomial of the given degree, highest coefficient (1) left out */
function rsDivisor(degree: number): Uint8Array {
  const r = new Uint8Array(degree);
  r[degree - 1] = 1;
  let root = 1;
  for (let i = 0; i < degree; i++) {
    for (let j = 0; j < degree; j++) {
      r[j] = mul(r[j], root);
      if (j + 1 < degree) r[j] ^= r[j + 1];
    }
    root = mul(root, 2);
  }
  return r;
}

// ------------------------------------------------------------ one version's layout

interface Layout {
  version: number;
  size: number;
  /** the symbol with every function pattern and the format bits drawn and the mask applied to an all-zero data area (1 = dark) */
  base: Uint8Array;
  /** 1 for the modules of function patterns and format bits, the same in every symbol of the version */
  fn: Uint8Array;
  /** the module index of each data bit, in placement order */
  positions: Uint16Array;
  divisor: Uint8Array;
}

/** whether mask 3 (MASK) turns the module at (x, y) over: (x + y) mod 3 = 0 */
const masked = (x: number, y: number): boolean => (x + y) % 3 === 0;

function layout(version: number): Layout {
  const size = version * 4 + 17;
  const dark = new Uint8Array(size * size);
  const fn = new Uint8Array(size * size);
  const set = (x: number, y: number, on: boolean) => {
    dark[y * size + x] = on ? 1 : 0;
    fn[y * size + x] = 1;
  };
  for (let i = 0; i < size; i++) {
    set(6, i, i % 2 === 0);
    set(i, 6, i % 2 === 0);
  }
  for (const [cx, cy] of [
    [3, 3],
    [size - 4, 3],
    [3, size - 4],
  ]) {
    for (let dy = -4; dy <= 4; dy++)
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        if (x >= 0 && x < size && y >= 0 && y < size) set(x, y, d !== 2 && d !== 4);
      }
  }
  // versions 2–6 have one alignment pattern, at (size - 7, size - 7)
  if (version >= 2) {
    const c = size - 7;
    for (let dy = -2; dy <= 2; dy++)
      for (let dx = -2; dx <= 2; dx++) set(c + dx, c + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
  }
  // format bits: level L (01) and the mask, BCH(15,5), XOR 0x5412
  const data = (1 << 3) | MASK;
  let rem = data;
  for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
  const bits = ((data << 10) | rem) ^ 0x5412;
  const bit = (i: number) => ((bits >>> i) & 1) !== 0;
  for (let i = 0; i <= 5; i++) set(8, i, bit(i));
  set(8, 7, bit(6));
  set(8, 8, bit(7));
  set(7, 8, bit(8));
  for (let i = 9; i < 15; i++) set(14 - i, 8, bit(i));
  for (let i = 0; i < 8; i++) set(size - 1 - i, 8, bit(i));
  for (let i = 8; i < 15; i++) set(8, size - 15 + i, bit(i));
  set(8, size - 8, true);

  // the zigzag of the data area, two columns at a time from the right, skipping the timing column
  const positions: number[] = [];
  for (let right = size - 1; right >= 1; right -= 2) {
    if (right === 6) right = 5;
    const upward = ((right + 1) & 2) === 0;
    for (let v = 0; v < size; v++)
      for (let j = 0; j < 2; j++) {
        const x = right - j;
        const y = upward ? size - 1 - v : v;
        if (!fn[y * size + x]) positions.push(y * size + x);
      }
  }
  // every module that is not a function pattern is masked, the remainder bits too
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) if (!fn[y * size + x] && masked(x, y)) dark[y * size + x] = 1;
  const total = DATA_CODEWORDS[version] + EC_CODEWORDS[version];
  return {
    version,
    size,
    base: dark,
    fn,
    positions: Uint16Array.from(positions.slice(0, total * 8)),
    divisor: rsDivisor(EC_CODEWORDS[version]),
  };
}

const layouts: (Layout | undefined)[] = [];
const layoutOf = (v: number) => {
  let l = layouts[v];
  if (!l) {
    l = layout(v);
    layouts[v] = l;
  }
  return l;
};

/** the layout of the smallest version a text fits and its codewords: data, then error correction */
function codewords(text: string): { l: Layout; words: Uint8Array } {
  const n = text.length;
  let version = 1;
  // 4 bits of mode and 8 of length before the bytes
  while (version <= MAX_VERSION && DATA_CODEWORDS[version] * 8 < 12 + n * 8) version++;
  if (version > MAX_VERSION) throw new Error(`a text of ${n} characters does not fit a version-${MAX_VERSION} QR code`);
  const l = layoutOf(version);
  const dataLen = DATA_CODEWORDS[version];
  const ecLen = EC_CODEWORDS[version];
  const words = new Uint8Array(dataLen + ecLen);
  // mode 0100, an 8-bit count, the bytes, then a 4-bit terminator (zeros, which the array already holds)
  words[0] = 0x40 | (n >>> 4);
  let carry = (n & 0x0f) << 4;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) throw new Error('sheet codes are ASCII');
    words[i + 1] = carry | (c >>> 4);
    carry = (c & 0x0f) << 4;
  }
  words[n + 1] = carry;
  for (let i = n + 2, pad = 0xec; i < dataLen; i++, pad ^= 0xec ^ 0x11) words[i] = pad;
  // the Reed–Solomon remainder, into words[dataLen..]
  const d = l.divisor;
  const last = dataLen + ecLen - 1;
  for (let i = 0; i < dataLen; i++) {
    const factor = words[i] ^ words[dataLen];
    for (let j = dataLen; j < last; j++) words[j] = words[j + 1];
    words[last] = 0;
    if (factor) {
      const lf = LOG[factor];
      for (let j = 0; j < ecLen; j++) if (d[j]) words[dataLen + j] ^= EXP[LOG[d[j]] + lf];
    }
  }
  return { l, words };
}

/**
 * The modules of the QR code of an ASCII text (byte mode, level L, the smallest of versions
 * 1–5 it fits, mask `MASK`): `size` × `size`, row by row, 1 = dark.
 */
export function qrModules(text: string): { size: number; version: number; modules: Uint8Array } {
  const { l, modules } = symbol(text);
  return { size: l.size, version: l.version, modules };
}

function symbol(text: string) {
  const { l, words } = codewords(text);
  const modules = l.base.slice();
  const pos = l.positions;
  // a data bit 1 turns its (masked) module over
  for (let i = 0; i < pos.length; i++) if ((words[i >>> 3] >>> (7 - (i & 7))) & 1) modules[pos[i]] ^= 1;
  return { l, modules };
}

// ------------------------------------------------------------ SVG

/** the side of a version's symbol with its quiet zone, in modules (the SVG's viewBox) */
export const qrSide = (version: number) => version * 4 + 17 + 2 * QUIET;

// the path is written as ASCII bytes into one buffer and read out as one flat string: a string
// built run by run (~90 runs a symbol, thousands of symbols a sheet) kept the garbage collector busy
const out = Buffer.alloc(8192);

/** writes a small integer (|v| < 100) in decimal at `n`, returns the position after it */
function putInt(o: Buffer, n: number, v: number): number {
  if (v < 0) {
    o[n++] = 0x2d;
    v = -v;
  }
  if (v >= 10) o[n++] = 0x30 + ((v / 10) | 0);
  o[n++] = 0x30 + (v % 10);
  return n;
}

/**
 * An SVG path of the dark modules of a symbol, only those where `only` is `want` (1: function
 * patterns, 0: data): a horizontal stroke of width 1 through the middle of each run of dark
 * modules of a row, after the quiet zone. The first run is placed absolutely ("M10 1.5h1"), the
 * others relative to the end of the one before ("m3 0h2", "m-17 1h4").
 */
function darkPath(modules: Uint8Array, size: number, only: Uint8Array, want: number): string {
  const o = out;
  let n = 0;
  let px = 0;
  let py = -1;
  for (let y = 0; y < size; y++) {
    const row = y * size;
    let x = 0;
    while (x < size) {
      if (!modules[row + x] || only[row + x] !== want) {
        x++;
        continue;
      }
      let e = x + 1;
      while (e < size && modules[row + e] && only[row + e] === want) e++;
      if (py < 0) {
        o[n++] = 0x4d; // M
        n = putInt(o, n, x + QUIET);
        o[n++] = 0x20;
        n = putInt(o, n, y + QUIET);
        o[n++] = 0x2e; // .5: the middle of the row
        o[n++] = 0x35;
      } else {
        o[n++] = 0x6d; // m
        n = putInt(o, n, x - px);
        o[n++] = 0x20;
        n = putInt(o, n, y - py);
      }
      o[n++] = 0x68; // h
      n = putInt(o, n, e - x);
      px = e;
      py = y;
      x = e;
    }
  }
  return o.toString('latin1', 0, n);
}

let functionPaths: { version: number; side: number; d: string }[] | null = null;

/**
 * The function patterns and format bits of each version, the part every symbol of that
 * version shares: drawn once on a page, each cell refers to its version's (`qr<version>`).
 */
export function qrFunctionPaths() {
  if (!functionPaths) {
    functionPaths = [];
    for (let v = 1; v <= MAX_VERSION; v++) {
      const l = layoutOf(v);
      functionPaths.push({ version: v, side: qrSide(v), d: darkPath(l.base, l.size, l.fn, 1) });
    }
  }
  return functionPaths;
}

/** one sheet cell's QR code: its version (which function patterns it uses), its side and the path of its data modules */
export function sheetCellQr(secret: string, sessionId: number, memberId: number) {
  const { l, modules } = symbol(sheetCode(secret, sessionId, memberId));
  return { version: l.version, side: qrSide(l.version), d: darkPath(modules, l.size, l.fn, 0) };
}
