import { VerdictError } from '../codes';

/** Byte classes shared by the scanner, the text decoder and the canonicalizer. */
export const LT = 0x3c;
export const GT = 0x3e;
export const AMP = 0x26;
export const SLASH = 0x2f;
export const QUESTION = 0x3f;
export const BANG = 0x21;
export const EQ = 0x3d;
export const DQUOTE = 0x22;
export const SQUOTE = 0x27;
export const CR = 0x0d;
export const LF = 0x0a;
export const TAB = 0x09;
export const SPACE = 0x20;
export const HASH = 0x23;
export const SEMI = 0x3b;
export const COLON = 0x3a;
export const DASH = 0x2d;
export const RBRACKET = 0x5d;

export function isWhitespace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB || c === CR;
}

/** Bytes that end a name: whitespace and the XML punctuation that can follow one. */
export const NAME_STOP = new Uint8Array(256);
for (const c of [TAB, LF, CR, SPACE, SLASH, GT, LT, EQ, DQUOTE, SQUOTE, AMP, SEMI, QUESTION, BANG])
  NAME_STOP[c] = 1;

/** Bytes that may start a name (ASCII letters, `_`, `:`, and any non-ASCII byte). */
export function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === COLON || c >= 0x80
  );
}

/** Result slot of `readReference`: the index just after `;`. Avoids an allocation per entity. */
export const referenceEnd = { next: 0 };

/**
 * Reads the entity or character reference starting at `b[i] === '&'` and returns its code point.
 * Only the five predefined entities exist here: without a DTD any other name is undefined, and a DTD
 * is never accepted.
 */
export function readReference(b: Uint8Array, i: number, end: number): number {
  let j = i + 1;
  const limit = Math.min(end, i + 16);
  if (j < limit && b[j] === HASH) {
    j++;
    let cp = 0;
    let digits = 0;
    if (j < limit && b[j] === 0x78) {
      j++;
      for (; j < limit; j++, digits++) {
        const c = b[j];
        if (c >= 0x30 && c <= 0x39) cp = cp * 16 + (c - 0x30);
        else if (c >= 0x61 && c <= 0x66) cp = cp * 16 + (c - 0x57);
        else if (c >= 0x41 && c <= 0x46) cp = cp * 16 + (c - 0x37);
        else break;
      }
    } else {
      for (; j < limit; j++, digits++) {
        const c = b[j];
        if (c >= 0x30 && c <= 0x39) cp = cp * 10 + (c - 0x30);
        else break;
      }
    }
    if (digits === 0 || j >= limit || b[j] !== SEMI || !isXmlChar(cp)) {
      throw new VerdictError('MALFORMED_XML', `invalid character reference at byte ${i}`);
    }
    referenceEnd.next = j + 1;
    return cp;
  }
  const nameStart = j;
  while (j < limit && b[j] !== SEMI && NAME_STOP[b[j]] === 0) j++;
  if (j >= limit || b[j] !== SEMI) {
    throw new VerdictError('MALFORMED_XML', `unterminated entity reference at byte ${i}`);
  }
  referenceEnd.next = j + 1;
  const len = j - nameStart;
  const c0 = b[nameStart];
  if (len === 2 && b[nameStart + 1] === 0x74) {
    if (c0 === 0x6c) return 0x3c; // lt
    if (c0 === 0x67) return 0x3e; // gt
  } else if (len === 3 && c0 === 0x61 && b[nameStart + 1] === 0x6d && b[nameStart + 2] === 0x70) {
    return 0x26; // amp
  } else if (len === 4) {
    const s = String.fromCharCode(c0, b[nameStart + 1], b[nameStart + 2], b[nameStart + 3]);
    if (s === 'quot') return 0x22;
    if (s === 'apos') return 0x27;
  }
  const name = Buffer.from(b.buffer, b.byteOffset + nameStart, len).toString('latin1');
  throw new VerdictError(
    'MALFORMED_XML',
    `undefined entity &${name.slice(0, 20)}; at byte ${i} (no DTD is accepted, so only the five predefined entities exist)`,
  );
}

export function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** 1-based line and column of a byte offset, for error messages an integrator can act on. */
export function lineAndColumn(b: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, b.length);
  for (let i = 0; i < end; i++) {
    if (b[i] === LF) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}
