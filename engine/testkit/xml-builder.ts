/**
 * Builds XML text that is already in canonical form (C14N 1.0): attributes sorted, no self-closing
 * tags, text escaped as canonicalization writes it. The generator signs this text directly, so the
 * signature does not depend on the engine's own canonicalizer (xmlsec1 checks both independently).
 */
export type Node = string | Element | null | undefined | false;

export interface Element {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly Node[];
}

export function el(
  name: string,
  attrsOrChild?: Record<string, string> | Node | Node[],
  ...children: (Node | Node[])[]
): Element {
  let attrs: Record<string, string> = {};
  const all: (Node | Node[])[] = [];
  if (
    attrsOrChild !== null &&
    typeof attrsOrChild === 'object' &&
    !Array.isArray(attrsOrChild) &&
    !('name' in attrsOrChild)
  ) {
    attrs = attrsOrChild as Record<string, string>;
  } else if (attrsOrChild !== undefined) {
    all.push(attrsOrChild as Node | Node[]);
  }
  all.push(...children);
  return { name, attrs, children: all.flat() };
}

export function escapeText(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#xD;');
}

export function escapeAttribute(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/** Canonical serialization (attribute names have no prefixes here, so sorting by name suffices). */
export function serialize(node: Node): string {
  if (node === null || node === undefined || node === false) return '';
  if (typeof node === 'string') return escapeText(node);
  const names = Object.keys(node.attrs);
  const xmlns = names.filter((n) => n === 'xmlns');
  const rest = names.filter((n) => n !== 'xmlns').sort();
  let out = `<${node.name}`;
  for (const n of [...xmlns, ...rest]) out += ` ${n}="${escapeAttribute(node.attrs[n])}"`;
  out += '>';
  for (const c of node.children) out += serialize(c);
  return `${out}</${node.name}>`;
}

/** Deterministic pseudo-random numbers (mulberry32), so generated corpora are reproducible. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
