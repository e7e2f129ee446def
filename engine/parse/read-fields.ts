import { VerdictError } from '../codes';
import { attributeValue, isBlankContent, textOf } from '../xml/decode-text';
import { XmlDocument, XmlElement } from '../xml/xml-tree';
import { JsonObject, JsonValue } from './types';

/** Elements the NF-e 4.00 schemas allow more than once: always arrays in JSON, whatever the count. */
const REPEATABLE = new Set([
  'DI',
  'NFe',
  'NFref',
  'NVE',
  'adi',
  'arma',
  'autXML',
  'deduc',
  'det',
  'detExport',
  'detPag',
  'dup',
  'forDia',
  'gCred',
  'lacres',
  'obsCont',
  'obsFisco',
  'origComb',
  'procRef',
  'protNFe',
  'rastro',
  'reboque',
  'vol',
  'pag',
]);

/** Reads fields from a verified element. Every read is by local name among direct children. */
export class FieldReader {
  constructor(readonly doc: XmlDocument) {}

  text(el: XmlElement | undefined, local: string): string | null {
    if (el === undefined) return null;
    const child = el.child(local);
    return child === undefined ? null : textOf(this.doc, child).trim();
  }

  required(el: XmlElement, local: string, path: string): string {
    const value = this.text(el, local);
    if (value === null || value === '') {
      throw new VerdictError('FIELD_INVALID', `${path}/${local} is missing`);
    }
    return value;
  }

  group(el: XmlElement, local: string, path: string): XmlElement {
    const found = el.childrenNamed(local);
    if (found.length !== 1) {
      throw new VerdictError(
        'STRUCTURE_INVALID',
        found.length === 0
          ? `${path}/${local} is missing`
          : `${path}/${local} appears ${found.length} times`,
      );
    }
    return found[0];
  }

  /** Generic element → JSON for groups we do not model: attributes as "@name", text as "#text". */
  toJson(el: XmlElement): JsonValue {
    const attrs = el.attributes;
    if (el.children.length === 0 && attrs.length === 0) return textOf(this.doc, el);
    const out: JsonObject = {};
    for (const a of attrs) out[`@${a.name}`] = attributeValue(this.doc, a);
    if (el.children.length === 0) {
      out['#text'] = textOf(this.doc, el);
      return out;
    }
    if (!isBlankContent(this.doc, el)) out['#text'] = textOf(this.doc, el).trim();
    for (const c of el.children) add(out, c.local, this.toJson(c));
    return out;
  }

  /** Children of `el` not in `modelled`, as JSON keyed by `prefix + local name`. */
  extras(
    el: XmlElement | undefined,
    modelled: ReadonlySet<string>,
    prefix: string,
    into: JsonObject,
  ): void {
    if (el === undefined) return;
    for (const c of el.children) {
      if (modelled.has(c.local)) continue;
      add(into, prefix + c.local, this.toJson(c));
    }
  }
}

/** toJson never returns an array, so an array here is one this function made for a repeat. */
function add(into: JsonObject, key: string, value: JsonValue): void {
  const existing = into[key];
  if (existing === undefined) {
    into[key] = REPEATABLE.has(key.slice(key.lastIndexOf('.') + 1)) ? [value] : value;
  } else if (Array.isArray(existing)) {
    existing.push(value);
  } else {
    into[key] = [existing, value];
  }
}

export function nonEmpty(obj: JsonObject): JsonObject | null {
  for (const _ in obj) return obj;
  return null;
}
