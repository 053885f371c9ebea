/**
 * jsQR, the decoder the card scan page uses, for tests that read printed QR codes back. jsqr is
 * CommonJS with `exports.default`: depending on the loader the function is one level down.
 */
import * as jsqrModule from 'jsqr';

type Decode = (
  data: Uint8ClampedArray,
  width: number,
  height: number,
  options?: { inversionAttempts?: 'dontInvert' },
) => { data: string } | null;
const jsqrExport = (jsqrModule as unknown as { default: Decode | { default: Decode } }).default;
export const jsQR: Decode = typeof jsqrExport === 'function' ? jsqrExport : jsqrExport.default;
