import { DocumentVerdict } from '../check-document';
import { ParsedEvent, ParsedInvoice } from '../parse/types';
import { CopyValue } from './copy-format';

/**
 * Column lists and row builders for the tables a worker loads. The same rows feed COPY (the hot
 * path) and the row-by-row INSERT reference, so the two load exactly the same data.
 */
export const INVOICE_COLUMNS = [
  'tenant_id',
  'chave',
  'document_id',
  'batch_id',
  'kind',
  'layout_version',
  'model',
  'series',
  'number',
  'issued_at',
  'issued_date',
  'operation_type',
  'operation_nature',
  'environment',
  'emission_type',
  'purpose',
  'uf_code',
  'emitter_cnpj',
  'emitter_cpf',
  'emitter_name',
  'emitter_ie',
  'emitter_uf',
  'emitter_city_code',
  'emitter_city',
  'recipient_cnpj',
  'recipient_cpf',
  'recipient_foreign_id',
  'recipient_name',
  'recipient_ie',
  'recipient_uf',
  'recipient_city_code',
  'recipient_city',
  'v_prod',
  'v_desc',
  'v_frete',
  'v_seg',
  'v_outro',
  'v_bc',
  'v_icms',
  'v_st',
  'v_ipi',
  'v_pis',
  'v_cofins',
  'v_tot_trib',
  'v_nf',
  'totals',
  'payments',
  'installments',
  'protocol_status',
  'protocol_reason',
  'protocol_number',
  'protocol_received_at',
  'state',
  'digest_algorithm',
  'digest_value',
  'cert_cnpj',
  'cert_serial',
  'cert_not_before',
  'cert_not_after',
  'cert_valid_at_signing',
  'extra',
] as const;

export const ITEM_COLUMNS = [
  'tenant_id',
  'chave',
  'item_number',
  'document_id',
  'code',
  'gtin',
  'description',
  'ncm',
  'cest',
  'cfop',
  'unit',
  'quantity',
  'unit_value',
  'value',
  'counts_in_total',
  'discount',
  'freight',
  'insurance',
  'other_charges',
  'icms_cst',
  'icms_base',
  'icms_rate',
  'icms_value',
  'ipi_cst',
  'ipi_value',
  'pis_cst',
  'pis_value',
  'cofins_cst',
  'cofins_value',
  'total_taxes',
  'taxes',
  'extra',
] as const;

export const EVENT_COLUMNS = [
  'tenant_id',
  'chave',
  'tp_evento',
  'sequence',
  'event_type',
  'document_id',
  'batch_id',
  'description',
  'occurred_at',
  'author_cnpj',
  'author_cpf',
  'cancelled_protocol',
  'justification',
  'correction',
  'substitute_chave',
  'protocol_status',
  'protocol_number',
  'registered_at',
  'digest_value',
  'extra',
] as const;

const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;
const TIMESTAMP = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;

/** Typed numeric columns take only decimals; the text as written stays in the JSON columns. */
function num(value: string | null | undefined): string | null {
  return value !== null && value !== undefined && DECIMAL.test(value) ? value : null;
}

/** Date-times as written; a date alone is midnight in Brasília (UTC-3), like the layouts that had one. */
export function timestamp(value: string | null | undefined): string | null {
  if (
    value === null ||
    value === undefined ||
    !TIMESTAMP.test(value) ||
    Number.isNaN(Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value))
  )
    return null;
  return value.length === 10 ? `${value}T00:00:00-03:00` : value;
}

export interface RowContext {
  readonly tenantId: string;
  readonly batchId: string;
  readonly documentId: string;
}

export function invoiceRow(
  ctx: RowContext,
  inv: ParsedInvoice,
  verdict: DocumentVerdict,
): CopyValue[] {
  const sig = verdict.signature;
  const cert = sig?.certificate ?? null;
  const t = inv.totals;
  const e = inv.emitter;
  const r = inv.recipient;
  return [
    ctx.tenantId,
    inv.chave,
    ctx.documentId,
    ctx.batchId,
    verdict.kind,
    inv.layoutVersion,
    inv.model,
    inv.series,
    inv.number,
    timestamp(inv.issuedAt),
    inv.issuedAt.slice(0, 10),
    inv.operationType,
    inv.operationNature,
    inv.environment,
    inv.emissionType,
    inv.purpose,
    inv.cUF,
    e.cnpj,
    e.cpf,
    e.name,
    e.ie,
    e.uf,
    e.cityCode,
    e.cityName,
    r?.cnpj ?? null,
    r?.cpf ?? null,
    r?.foreignId ?? null,
    r?.name ?? null,
    r?.ie ?? null,
    r?.uf ?? null,
    r?.cityCode ?? null,
    r?.cityName ?? null,
    num(t.vProd),
    num(t.vDesc),
    num(t.vFrete),
    num(t.vSeg),
    num(t.vOutro),
    num(t.vBC),
    num(t.vICMS),
    num(t.vST),
    num(t.vIPI),
    num(t.vPIS),
    num(t.vCOFINS),
    num(t.vTotTrib),
    num(t.vNF),
    t,
    inv.payments,
    inv.installments,
    inv.protocol?.cStat ?? null,
    inv.protocol?.reason ?? null,
    inv.protocol?.protocolNumber ?? null,
    timestamp(inv.protocol?.receivedAt),
    inv.protocolState,
    sig?.digestAlgorithm ?? '',
    sig?.digestValue ?? '',
    cert?.cnpj ?? null,
    cert?.serialNumber ?? null,
    cert?.notBefore ?? null,
    cert?.notAfter ?? null,
    verdict.certificateValidAtSigning,
    { ...inv.extra, emitter: e.extra, recipient: r?.extra ?? null, change: inv.change },
  ];
}

/**
 * The item rows of an invoice, keyed by nItem. Documents exist that number two items alike (SEFAZ
 * would not authorize them, but they are received all the same): the first of each number is
 * loaded, as a row-by-row insert with `on conflict do nothing` would; the parsed document keeps all.
 */
export function itemRows(ctx: RowContext, inv: ParsedInvoice): CopyValue[][] {
  const numbers = new Set<number>();
  const items = inv.items.filter((it) => !numbers.has(it.number) && numbers.add(it.number));
  return items.map((it) => [
    ctx.tenantId,
    inv.chave,
    it.number,
    ctx.documentId,
    it.code,
    it.gtin,
    it.description,
    it.ncm,
    it.cest,
    it.cfop,
    it.unit,
    num(it.quantity),
    num(it.unitValue),
    num(it.value),
    it.countsInTotal,
    num(it.discount),
    num(it.freight),
    num(it.insurance),
    num(it.otherCharges),
    it.icms?.cst ?? null,
    num(it.icms?.base),
    num(it.icms?.rate),
    num(it.icms?.value),
    it.ipi?.cst ?? null,
    num(it.ipi?.value),
    it.pis?.cst ?? null,
    num(it.pis?.value),
    it.cofins?.cst ?? null,
    num(it.cofins?.value),
    num(it.totalTaxes),
    { icms: it.icms, ipi: it.ipi, pis: it.pis, cofins: it.cofins },
    { ...it.extra, additionalInfo: it.additionalInfo },
  ]);
}

export function eventRow(ctx: RowContext, ev: ParsedEvent, verdict: DocumentVerdict): CopyValue[] {
  const p = ev.protocol;
  return [
    ctx.tenantId,
    ev.chave,
    ev.tpEvento,
    ev.sequence,
    ev.eventType,
    ctx.documentId,
    ctx.batchId,
    ev.description,
    timestamp(ev.occurredAt),
    ev.authorCnpj,
    ev.authorCpf,
    ev.cancelledProtocol,
    ev.justification,
    ev.correction,
    ev.substituteChave,
    p?.cStat ?? null,
    p?.protocolNumber ?? null,
    timestamp(p?.registeredAt),
    verdict.signature?.digestValue ?? '',
    { ...ev.extra, orgao: ev.orgao, environment: ev.environment, id: ev.id },
  ];
}
