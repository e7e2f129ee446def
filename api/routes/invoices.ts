import { Router } from '@koa/router';
import { createHash } from 'node:crypto';
import {
  NfeError,
  declaredEncodingOf,
  exportCsv,
  isWellFormedKey,
  listInvoices,
  parseInvoiceFilters,
} from '../../engine/index';
import { AppDeps, AppState } from '../context';

type Row = Record<string, unknown>;

function party(row: Row, prefix: 'emitter' | 'recipient'): Row | null {
  const get = (k: string): unknown => row[`${prefix}_${k}`];
  if (
    prefix === 'recipient' &&
    get('cnpj') === null &&
    get('cpf') === null &&
    get('name') === null &&
    get('foreign_id') === null
  )
    return null;
  return {
    cnpj: get('cnpj'),
    cpf: get('cpf'),
    ...(prefix === 'recipient' ? { foreignId: get('foreign_id') } : {}),
    name: get('name'),
    ie: get('ie'),
    uf: get('uf'),
    cityCode: get('city_code'),
    city: get('city'),
  };
}

function itemJson(i: Row): Row {
  return {
    number: i.item_number,
    code: i.code,
    gtin: i.gtin,
    description: i.description,
    ncm: i.ncm,
    cest: i.cest,
    cfop: i.cfop,
    unit: i.unit,
    quantity: i.quantity,
    unitValue: i.unit_value,
    value: i.value,
    countsInTotal: i.counts_in_total,
    discount: i.discount,
    freight: i.freight,
    insurance: i.insurance,
    otherCharges: i.other_charges,
    taxes: i.taxes,
    totalTaxes: i.total_taxes,
    extra: i.extra,
  };
}

export function eventJson(e: Row): Row {
  return {
    type: e.event_type,
    tpEvento: e.tp_evento,
    sequence: e.sequence,
    description: e.description,
    occurredAt: e.occurred_at,
    author: { cnpj: e.author_cnpj, cpf: e.author_cpf },
    cancelledProtocol: e.cancelled_protocol,
    justification: e.justification,
    correction: e.correction,
    substituteChave: e.substitute_chave,
    protocol: {
      status: e.protocol_status,
      number: e.protocol_number,
      registeredAt: e.registered_at,
    },
    documentId: String(e.document_id),
    batchId: e.batch_id,
  };
}

function invoiceJson(inv: Row, items: Row[], events: Row[]): Row {
  return {
    chave: inv.chave,
    kind: inv.kind,
    state: inv.state,
    cancelledAt: inv.cancelled_at,
    model: inv.model,
    layoutVersion: inv.layout_version,
    series: inv.series,
    number: Number(inv.number),
    issuedAt: inv.issued_at,
    issuedDate: inv.issued_date,
    operationType: inv.operation_type,
    operationNature: inv.operation_nature,
    environment: inv.environment,
    emissionType: inv.emission_type,
    purpose: inv.purpose,
    ufCode: inv.uf_code,
    emitter: party(inv, 'emitter'),
    recipient: party(inv, 'recipient'),
    totals: inv.totals,
    payments: inv.payments,
    installments: inv.installments,
    protocol: {
      status: inv.protocol_status,
      reason: inv.protocol_reason,
      number: inv.protocol_number,
      receivedAt: inv.protocol_received_at,
    },
    signature: {
      digestAlgorithm: inv.digest_algorithm,
      digestValue: inv.digest_value,
      certificate: {
        cnpj: inv.cert_cnpj,
        serialNumber: inv.cert_serial,
        notBefore: inv.cert_not_before,
        notAfter: inv.cert_not_after,
        validAtSigning: inv.cert_valid_at_signing,
      },
    },
    items: items.map(itemJson),
    events: events.map(eventJson),
    extra: inv.extra,
    documentId: String(inv.document_id),
    batchId: inv.batch_id,
    loadedAt: inv.loaded_at,
    links: { self: `/v1/nfe/${inv.chave}`, xml: `/v1/nfe/${inv.chave}/xml` },
  };
}

/** A row of the listing: enough to pick an invoice, with links to the rest. */
function summaryJson(r: Row): Row {
  return {
    chave: r.chave,
    kind: r.kind,
    model: r.model,
    series: r.series,
    number: Number(r.number),
    issuedAt: r.issued_at,
    issuedDate: r.issued_date,
    state: r.state,
    emitter: { cnpj: r.emitter_cnpj, cpf: r.emitter_cpf, name: r.emitter_name, uf: r.emitter_uf },
    recipient: {
      cnpj: r.recipient_cnpj,
      cpf: r.recipient_cpf,
      name: r.recipient_name,
      uf: r.recipient_uf,
    },
    vProd: r.v_prod,
    vNF: r.v_nf,
    protocol: { status: r.protocol_status, number: r.protocol_number },
    batchId: r.batch_id,
    loadedAt: r.loaded_at,
    links: { self: `/v1/nfe/${String(r.chave)}`, xml: `/v1/nfe/${String(r.chave)}/xml` },
  };
}

/** Strong validator for a representation, and 304 when the client already has it. */
function withEtag(
  ctx: { get(h: string): string; set(h: string, v: string): void; status: number; body: unknown },
  tag: string,
): boolean {
  const etag = `"${tag}"`;
  ctx.set('ETag', etag);
  const match = ctx.get('If-None-Match');
  if (match !== '' && match.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    ctx.status = 304;
    ctx.body = null;
    return true;
  }
  return false;
}

const hash = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('base64url').slice(0, 32);

function pageOf(query: Record<string, string | string[] | undefined>): {
  afterId: string;
  limit: number;
} {
  const limitText = query.limit;
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500)
    throw new NfeError('BAD_REQUEST', 'limit must be an integer from 1 to 500');
  const cursor = typeof query.cursor === 'string' ? query.cursor : undefined;
  if (cursor === undefined || cursor === '') return { afterId: '0', limit };
  const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
  if (!/^i[0-9]{1,19}$/.test(decoded))
    throw new NfeError('BAD_REQUEST', 'cursor is not one this API returned');
  return { afterId: decoded.slice(1), limit };
}

export function invoiceRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const { db } = deps;

  function chaveOf(value: string): string {
    if (!isWellFormedKey(value)) {
      throw new NfeError(
        'BAD_REQUEST',
        'a chave de acesso has 44 characters (digits; the CNPJ part may hold capital letters)',
      );
    }
    return value;
  }

  // Listing with filters and a cursor over the load order: stable while new invoices arrive.
  router.get('/v1/nfe', async (ctx) => {
    const query = ctx.query as Record<string, string | string[] | undefined>;
    const filters = parseInvoiceFilters(query);
    const { afterId, limit } = pageOf(query);
    const rows = await listInvoices(db, ctx.state.tenantId, filters, afterId, limit + 1);
    const page = rows.slice(0, limit);
    let next: string | null = null;
    if (rows.length > limit) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query))
        if (typeof v === 'string' && k !== 'cursor') params.set(k, v);
      params.set(
        'cursor',
        Buffer.from(`i${String(page[page.length - 1].id)}`).toString('base64url'),
      );
      next = `/v1/nfe?${params.toString()}`;
    }
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { data: page.map(summaryJson), next };
  });

  for (const [path, kind] of [
    ['/v1/nfe/export.csv', 'invoices'],
    ['/v1/items/export.csv', 'items'],
  ] as const) {
    router.get(path, async (ctx) => {
      const query = ctx.query as Record<string, string | string[] | undefined>;
      const filters = parseInvoiceFilters(query);
      ctx.type = 'text/csv; charset=utf-8';
      ctx.set('Content-Disposition', `attachment; filename="${kind}.csv"`);
      ctx.set('Cache-Control', 'private, no-store');
      ctx.body = await exportCsv(db, kind, ctx.state.tenantId, filters);
    });
  }

  router.get('/v1/nfe/:chave', async (ctx) => {
    const chave = chaveOf(ctx.params.chave);
    const tenant = ctx.state.tenantId;
    const invoice = (await db.query('select-invoice', [tenant, chave])).rows[0];
    if (invoice === undefined) throw new NfeError('NOT_FOUND', `no NF-e ${chave} for this tenant`);
    const [items, events] = await Promise.all([
      db.query('select-invoice-items', [tenant, chave]),
      db.query('select-events', [tenant, chave]),
    ]);
    const body = invoiceJson(invoice, items.rows, events.rows);
    // The state changes when a cancellation arrives: clients revalidate, and get 304 when nothing did.
    ctx.set('Cache-Control', 'private, no-cache');
    if (withEtag(ctx, hash(JSON.stringify(body)))) return;
    ctx.body = body;
  });

  router.get('/v1/nfe/:chave/events', async (ctx) => {
    const chave = chaveOf(ctx.params.chave);
    const events = (await db.query('select-events', [ctx.state.tenantId, chave])).rows;
    if (events.length === 0) {
      const invoice = (await db.query('select-invoice', [ctx.state.tenantId, chave])).rows[0];
      if (invoice === undefined)
        throw new NfeError('NOT_FOUND', `no NF-e ${chave} and no event for it for this tenant`);
    }
    ctx.set('Cache-Control', 'private, no-cache');
    ctx.body = { data: events.map(eventJson) };
  });

  router.get('/v1/nfe/:chave/xml', async (ctx) => {
    const chave = chaveOf(ctx.params.chave);
    const row = (
      await db.query<{ content: Buffer }>('select-invoice-xml', [ctx.state.tenantId, chave])
    ).rows[0];
    if (row === undefined) throw new NfeError('NOT_FOUND', `no NF-e ${chave} for this tenant`);
    // The bytes loaded for a chave never change (a different version is a conflict, kept aside).
    ctx.set('Cache-Control', 'private, max-age=86400, immutable');
    if (withEtag(ctx, hash(row.content))) return;
    const charset = declaredEncodingOf(row.content) === 'latin1' ? 'ISO-8859-1' : 'utf-8';
    ctx.type = `application/xml; charset=${charset}`;
    ctx.set('Content-Disposition', `inline; filename="${chave}.xml"`);
    ctx.body = row.content;
  });

  return router;
}
