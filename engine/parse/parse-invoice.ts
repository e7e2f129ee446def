import { VerdictError } from '../codes';
import { attributeOf } from '../xml/decode-text';
import { XmlElement } from '../xml/xml-tree';
import { FieldReader, nonEmpty } from './read-fields';
import {
  Address,
  Installment,
  InvoiceState,
  Item,
  JsonObject,
  ParsedInvoice,
  Party,
  Payment,
  Protocol,
  TaxGroup,
  Totals,
} from './types';

const set = (...names: string[]): ReadonlySet<string> => new Set(names);

/** The concrete group of a tax (ICMS00, PISAliq…) as the one modelled child of its wrapper. */
const GROUP_SETS = new Map<string, ReadonlySet<string>>();
function groupSet(local: string): ReadonlySet<string> {
  let found = GROUP_SETS.get(local);
  if (found === undefined) {
    found = set(local);
    // Group names come from the document: bounded, so that hostile ones cannot grow it.
    if (GROUP_SETS.size < 1024) GROUP_SETS.set(local, found);
  }
  return found;
}

/** The fields a tax group is modelled by; the rest of the group is kept as JSON. */
interface TaxFields {
  readonly base: string;
  readonly rate: string;
  readonly value: string;
  readonly modelled: ReadonlySet<string>;
}
const taxFields = (base: string, rate: string, value: string): TaxFields => ({
  base,
  rate,
  value,
  modelled: set('CST', 'CSOSN', base, rate, value),
});
const ICMS_FIELDS = taxFields('vBC', 'pICMS', 'vICMS');
const IPI_FIELDS = taxFields('vBC', 'pIPI', 'vIPI');
const PIS_FIELDS = taxFields('vBC', 'pPIS', 'vPIS');
const COFINS_FIELDS = taxFields('vBC', 'pCOFINS', 'vCOFINS');

const INF_NFE_MODELLED = set('ide', 'emit', 'dest', 'det', 'total', 'pag', 'cobr');
const IDE_MODELLED = set(
  'cUF',
  'cNF',
  'natOp',
  'mod',
  'serie',
  'nNF',
  'dhEmi',
  'dEmi',
  'dhSaiEnt',
  'dSaiEnt',
  'tpNF',
  'tpAmb',
  'tpEmis',
  'cDV',
  'finNFe',
);
const EMIT_MODELLED = set('CNPJ', 'CPF', 'xNome', 'xFant', 'IE', 'enderEmit');
const DEST_MODELLED = set('CNPJ', 'CPF', 'idEstrangeiro', 'xNome', 'IE', 'enderDest');
const DET_MODELLED = set('prod', 'imposto', 'infAdProd');
const PROD_MODELLED = set(
  'cProd',
  'cEAN',
  'xProd',
  'NCM',
  'CEST',
  'CFOP',
  'uCom',
  'qCom',
  'vUnCom',
  'vProd',
  'vDesc',
  'vFrete',
  'vSeg',
  'vOutro',
  'indTot',
);
const IMPOSTO_MODELLED = set('ICMS', 'IPI', 'PIS', 'COFINS', 'vTotTrib');
const TOTAL_MODELLED = set('ICMSTot');
const COBR_MODELLED = set('dup');
const NO_GTIN = new Set(['', 'SEM GTIN']);

const TOTAL_FIELDS = [
  'vBC',
  'vICMS',
  'vICMSDeson',
  'vFCP',
  'vBCST',
  'vST',
  'vFCPST',
  'vFCPSTRet',
  'vProd',
  'vFrete',
  'vSeg',
  'vDesc',
  'vII',
  'vIPI',
  'vIPIDevol',
  'vPIS',
  'vCOFINS',
  'vOutro',
  'vNF',
  'vTotTrib',
] as const;

export function protocolState(cStat: string | null): InvoiceState {
  switch (cStat) {
    case '100':
    case '150':
      return 'authorized';
    case '101':
    case '151':
    case '155':
      return 'cancelled';
    case '110':
    case '205':
    case '301':
    case '302':
    case '303':
      return 'denied';
    default:
      return 'unknown';
  }
}

function integerField(value: string, path: string, max: number): number {
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) > max) {
    throw new VerdictError(
      'FIELD_INVALID',
      `${path} is not a number up to ${max}: "${value.slice(0, 20)}"`,
    );
  }
  return Number(value);
}

class InvoiceParser {
  constructor(private readonly r: FieldReader) {}

  address(el: XmlElement | undefined): Address | null {
    if (el === undefined) return null;
    const t = (name: string): string | null => this.r.text(el, name);
    return {
      street: t('xLgr'),
      number: t('nro'),
      complement: t('xCpl'),
      district: t('xBairro'),
      cityCode: t('cMun'),
      cityName: t('xMun'),
      uf: t('UF'),
      cep: t('CEP'),
      countryCode: t('cPais'),
      countryName: t('xPais'),
      phone: t('fone'),
    };
  }

  party(el: XmlElement, addressName: string, modelled: ReadonlySet<string>): Party {
    const address = this.address(el.child(addressName));
    const extra: JsonObject = {};
    this.r.extras(el, modelled, '', extra);
    return {
      cnpj: this.r.text(el, 'CNPJ'),
      cpf: this.r.text(el, 'CPF'),
      foreignId: this.r.text(el, 'idEstrangeiro'),
      name: this.r.text(el, 'xNome'),
      tradeName: this.r.text(el, 'xFant'),
      ie: this.r.text(el, 'IE'),
      uf: address?.uf ?? null,
      cityCode: address?.cityCode ?? null,
      cityName: address?.cityName ?? null,
      address,
      extra: nonEmpty(extra),
    };
  }

  /** ICMS, IPI, PIS, COFINS: one concrete group inside a wrapper (ICMS/ICMS00, PIS/PISAliq, …). */
  tax(wrapper: XmlElement | undefined, f: TaxFields): TaxGroup | null {
    if (wrapper === undefined) return null;
    const extra: JsonObject = {};
    const group = wrapper.children.find((c) => c.children.length > 0);
    const fields = group ?? wrapper;
    if (group !== undefined) this.r.extras(wrapper, groupSet(group.local), '', extra);
    this.r.extras(fields, f.modelled, '', extra);
    return {
      group: group?.local ?? null,
      cst: this.r.text(fields, 'CST') ?? this.r.text(fields, 'CSOSN'),
      base: this.r.text(fields, f.base),
      rate: this.r.text(fields, f.rate),
      value: this.r.text(fields, f.value),
      extra: nonEmpty(extra),
    };
  }

  item(det: XmlElement, index: number): Item {
    const path = `det[${index + 1}]`;
    const nItem = attributeOf(this.r.doc, det, 'nItem');
    const number = integerField(nItem ?? '', `${path}/@nItem`, 990);
    const prod = this.r.group(det, 'prod', path);
    const imposto = det.child('imposto');
    const p = (name: string): string => this.r.required(prod, name, `${path}/prod`);
    const o = (name: string): string | null => this.r.text(prod, name);
    const extra: JsonObject = {};
    this.r.extras(det, DET_MODELLED, '', extra);
    this.r.extras(prod, PROD_MODELLED, 'prod.', extra);
    this.r.extras(imposto, IMPOSTO_MODELLED, 'imposto.', extra);
    const gtin = o('cEAN');
    return {
      number,
      code: p('cProd'),
      gtin: gtin === null || NO_GTIN.has(gtin) ? null : gtin,
      description: p('xProd'),
      ncm: o('NCM'),
      cest: o('CEST'),
      cfop: p('CFOP'),
      unit: p('uCom'),
      quantity: p('qCom'),
      unitValue: p('vUnCom'),
      value: p('vProd'),
      countsInTotal: o('indTot') !== '0',
      discount: o('vDesc'),
      freight: o('vFrete'),
      insurance: o('vSeg'),
      otherCharges: o('vOutro'),
      icms: this.tax(imposto?.child('ICMS'), ICMS_FIELDS),
      ipi: this.tax(imposto?.child('IPI'), IPI_FIELDS),
      pis: this.tax(imposto?.child('PIS'), PIS_FIELDS),
      cofins: this.tax(imposto?.child('COFINS'), COFINS_FIELDS),
      totalTaxes: this.r.text(imposto, 'vTotTrib'),
      additionalInfo: this.r.text(det, 'infAdProd'),
      extra: nonEmpty(extra),
    };
  }

  totals(total: XmlElement): Totals {
    const icmsTot = this.r.group(total, 'ICMSTot', 'infNFe/total');
    const out: Record<string, string | null> = {};
    for (const f of TOTAL_FIELDS) out[f] = this.r.text(icmsTot, f);
    out.vProd = this.r.required(icmsTot, 'vProd', 'total/ICMSTot');
    out.vNF = this.r.required(icmsTot, 'vNF', 'total/ICMSTot');
    return out as unknown as Totals;
  }

  payments(infNFe: XmlElement, extra: JsonObject): { payments: Payment[]; change: string | null } {
    const payments: Payment[] = [];
    let change: string | null = null;
    for (const pag of infNFe.childrenNamed('pag')) {
      // 4.00: pag/detPag[]; 3.10 and earlier: repeated pag with tPag directly inside.
      const details = pag.child('tPag') !== undefined ? [pag] : pag.childrenNamed('detPag');
      for (const d of details) {
        const card = d.child('card');
        payments.push({
          indPag: this.r.text(d, 'indPag'),
          tPag: this.r.required(d, 'tPag', 'pag'),
          description: this.r.text(d, 'xPag'),
          value: this.r.required(d, 'vPag', 'pag'),
          card: card === undefined ? null : (this.r.toJson(card) as JsonObject),
        });
      }
      change = this.r.text(pag, 'vTroco') ?? change;
      const modelled = set('detPag', 'vTroco', 'tPag', 'vPag', 'indPag', 'xPag', 'card');
      this.r.extras(pag, modelled, 'pag.', extra);
    }
    return { payments, change };
  }

  installments(infNFe: XmlElement, extra: JsonObject): Installment[] {
    const cobr = infNFe.child('cobr');
    if (cobr === undefined) return [];
    this.r.extras(cobr, COBR_MODELLED, 'cobr.', extra);
    return cobr.childrenNamed('dup').map((d) => ({
      number: this.r.text(d, 'nDup'),
      dueDate: this.r.text(d, 'dVenc'),
      value: this.r.required(d, 'vDup', 'cobr/dup'),
    }));
  }

  protocol(protNFe: XmlElement | undefined): Protocol | null {
    const inf = protNFe?.child('infProt');
    if (inf === undefined) return null;
    const t = (name: string): string | null => this.r.text(inf, name);
    return {
      cStat: t('cStat'),
      reason: t('xMotivo'),
      protocolNumber: t('nProt'),
      receivedAt: t('dhRecbto'),
      chave: t('chNFe'),
      digestValue: t('digVal')?.replace(/\s+/g, '') ?? null,
      tpAmb: t('tpAmb'),
    };
  }

  invoice(infNFe: XmlElement, protNFe: XmlElement | undefined): ParsedInvoice {
    const r = this.r;
    const id = attributeOf(r.doc, infNFe, 'Id') ?? '';
    const ide = r.group(infNFe, 'ide', 'infNFe');
    const emit = r.group(infNFe, 'emit', 'infNFe');
    const dest = infNFe.child('dest');
    const total = r.group(infNFe, 'total', 'infNFe');
    const dets = infNFe.childrenNamed('det');
    if (dets.length === 0) throw new VerdictError('STRUCTURE_INVALID', 'infNFe has no det (item)');

    const mod = r.required(ide, 'mod', 'ide');
    if (mod !== '55' && mod !== '65')
      throw new VerdictError('FIELD_INVALID', `ide/mod is ${mod.slice(0, 4)}, not 55 or 65`);
    const issuedAt = r.text(ide, 'dhEmi') ?? r.text(ide, 'dEmi');
    if (issuedAt === null || issuedAt === '')
      throw new VerdictError('FIELD_INVALID', 'ide/dhEmi is missing');

    const extra: JsonObject = {};
    r.extras(infNFe, INF_NFE_MODELLED, '', extra);
    r.extras(ide, IDE_MODELLED, 'ide.', extra);
    r.extras(total, TOTAL_MODELLED, 'total.', extra);
    const { payments, change } = this.payments(infNFe, extra);
    const installments = this.installments(infNFe, extra);
    const protocol = this.protocol(protNFe);
    const items = dets.map((d, k) => this.item(d, k));

    return {
      type: 'invoice',
      chave: id.startsWith('NFe') ? id.slice(3) : id,
      layoutVersion: attributeOf(r.doc, infNFe, 'versao') ?? null,
      model: mod === '55' ? 55 : 65,
      series: integerField(r.required(ide, 'serie', 'ide'), 'ide/serie', 999),
      number: integerField(r.required(ide, 'nNF', 'ide'), 'ide/nNF', 999_999_999),
      issuedAt,
      exitAt: r.text(ide, 'dhSaiEnt') ?? r.text(ide, 'dSaiEnt'),
      operationType: r.required(ide, 'tpNF', 'ide'),
      operationNature: r.text(ide, 'natOp'),
      environment: r.text(ide, 'tpAmb'),
      emissionType: r.required(ide, 'tpEmis', 'ide'),
      purpose: r.text(ide, 'finNFe'),
      cUF: r.required(ide, 'cUF', 'ide'),
      cNF: r.text(ide, 'cNF'),
      checkDigit: r.text(ide, 'cDV'),
      emitter: this.party(emit, 'enderEmit', EMIT_MODELLED),
      recipient: dest === undefined ? null : this.party(dest, 'enderDest', DEST_MODELLED),
      items,
      totals: this.totals(total),
      payments,
      change,
      installments,
      protocol,
      protocolState: protocolState(protocol?.cStat ?? null),
      extra: nonEmpty(extra),
    };
  }
}

/** Parses the verified infNFe (and the protocol beside it, which the caller checks separately). */
export function parseInvoice(
  reader: FieldReader,
  infNFe: XmlElement,
  protNFe: XmlElement | undefined,
): ParsedInvoice {
  return new InvoiceParser(reader).invoice(infNFe, protNFe);
}
