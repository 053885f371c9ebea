/**
 * What may be attached as course material: PDF, images and office documents. A file
 * is accepted only when its extension AND its first bytes agree, so a renamed
 * executable or HTML page is refused whatever it calls itself.
 */
export const MAX_MATERIAL_BYTES = 10 * 1024 * 1024;

type Magic = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'zip' | 'ole';

const TYPES: Record<string, { mime: string; magic: Magic }> = {
  pdf: { mime: 'application/pdf', magic: 'pdf' },
  png: { mime: 'image/png', magic: 'png' },
  jpg: { mime: 'image/jpeg', magic: 'jpeg' },
  jpeg: { mime: 'image/jpeg', magic: 'jpeg' },
  gif: { mime: 'image/gif', magic: 'gif' },
  webp: { mime: 'image/webp', magic: 'webp' },
  docx: { mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: 'zip' },
  xlsx: { mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', magic: 'zip' },
  pptx: { mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', magic: 'zip' },
  odt: { mime: 'application/vnd.oasis.opendocument.text', magic: 'zip' },
  ods: { mime: 'application/vnd.oasis.opendocument.spreadsheet', magic: 'zip' },
  odp: { mime: 'application/vnd.oasis.opendocument.presentation', magic: 'zip' },
  doc: { mime: 'application/msword', magic: 'ole' },
  xls: { mime: 'application/vnd.ms-excel', magic: 'ole' },
  ppt: { mime: 'application/vnd.ms-powerpoint', magic: 'ole' },
};

export const ALLOWED_EXTENSIONS = Object.keys(TYPES);

function magicOf(b: Buffer): Magic | null {
  const starts = (bytes: number[], at = 0) => bytes.every((x, i) => b[at + i] === x);
  if (starts([0x25, 0x50, 0x44, 0x46, 0x2d])) return 'pdf'; // %PDF-
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x47, 0x49, 0x46, 0x38])) return 'gif'; // GIF8
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp'; // RIFF....WEBP
  if (starts([0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (starts([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return 'ole';
  return null;
}

/** The file's MIME type when it is an allowed kind whose content matches its extension; otherwise null. */
export function detectMaterialType(filename: string, content: Buffer): string | null {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(filename)?.[1]?.toLowerCase();
  if (!ext || !Object.hasOwn(TYPES, ext)) return null;
  const t = TYPES[ext];
  return magicOf(content) === t.magic ? t.mime : null;
}

/** A display name safe to show and to put in Content-Disposition: no path, no control characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim();
  return (cleaned || 'file').slice(0, 200);
}
