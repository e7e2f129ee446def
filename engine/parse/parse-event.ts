import { VerdictError } from '../codes';
import { attributeOf } from '../xml/decode-text';
import { XmlElement } from '../xml/xml-tree';
import { FieldReader, nonEmpty } from './read-fields';
import { EventProtocol, EventType, JsonObject, ParsedEvent } from './types';

const INF_EVENTO_MODELLED = new Set([
  'cOrgao',
  'tpAmb',
  'CNPJ',
  'CPF',
  'chNFe',
  'dhEvento',
  'tpEvento',
  'nSeqEvento',
  'detEvento',
]);
const DET_EVENTO_MODELLED = new Set(['descEvento', 'nProt', 'xJust', 'xCorrecao', 'chNFeRef']);

export function eventTypeOf(tpEvento: string): EventType {
  switch (tpEvento) {
    case '110111':
      return 'cancellation';
    case '110112':
      return 'cancellation_substitution';
    case '110110':
      return 'correction';
    default:
      return 'other';
  }
}

function eventProtocol(r: FieldReader, retEvento: XmlElement | undefined): EventProtocol | null {
  const inf = retEvento?.child('infEvento');
  if (inf === undefined) return null;
  const t = (name: string): string | null => r.text(inf, name);
  return {
    cStat: t('cStat'),
    reason: t('xMotivo'),
    protocolNumber: t('nProt'),
    registeredAt: t('dhRegEvento'),
    chave: t('chNFe'),
    tpEvento: t('tpEvento'),
    nSeqEvento: t('nSeqEvento'),
  };
}

/** Parses the verified infEvento (and the retEvento beside it, checked separately by the caller). */
export function parseEvent(
  r: FieldReader,
  infEvento: XmlElement,
  retEvento: XmlElement | undefined,
): ParsedEvent {
  const path = 'infEvento';
  const tpEvento = r.required(infEvento, 'tpEvento', path);
  const seq = r.required(infEvento, 'nSeqEvento', path);
  if (!/^[0-9]{1,2}$/.test(seq))
    throw new VerdictError(
      'FIELD_INVALID',
      `infEvento/nSeqEvento is not 1 to 99: "${seq.slice(0, 10)}"`,
    );
  const det = infEvento.child('detEvento');
  const extra: JsonObject = {};
  r.extras(infEvento, INF_EVENTO_MODELLED, '', extra);
  r.extras(det, DET_EVENTO_MODELLED, 'detEvento.', extra);
  for (const a of det?.attributes ?? [])
    extra[`detEvento.@${a.name}`] = attributeOf(r.doc, det as XmlElement, a.name) ?? '';
  return {
    type: 'event',
    id: attributeOf(r.doc, infEvento, 'Id') ?? '',
    chave: r.required(infEvento, 'chNFe', path),
    eventType: eventTypeOf(tpEvento),
    tpEvento,
    sequence: Number(seq),
    description: r.text(det, 'descEvento'),
    occurredAt: r.required(infEvento, 'dhEvento', path),
    orgao: r.text(infEvento, 'cOrgao'),
    environment: r.text(infEvento, 'tpAmb'),
    authorCnpj: r.text(infEvento, 'CNPJ'),
    authorCpf: r.text(infEvento, 'CPF'),
    cancelledProtocol: r.text(det, 'nProt'),
    justification: r.text(det, 'xJust'),
    correction: r.text(det, 'xCorrecao'),
    substituteChave: r.text(det, 'chNFeRef'),
    protocol: eventProtocol(r, retEvento),
    extra: nonEmpty(extra),
  };
}
