import { Router } from '@koa/router';
import { NfeError, declaredEncodingOf, isWellFormedKey } from '../../engine/index';
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

export function invoiceRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  const { db } = deps;

  function chaveOf(value: string): string {
    if (!isWellFormedKey(value))
      throw new NfeError(
        'BAD_REQUEST',
        'a chave de acesso has 44 characters (digits; the CNPJ part may hold capital letters)',
      );
    return value;
  }

  router.get('/v1/nfe/:chave', async (ctx) => {
    const chave = chaveOf(ctx.params.chave);
    const tenant = ctx.state.tenantId;
    const invoice = (await db.query('select-invoice', [tenant, chave])).rows[0];
    if (invoice === undefined) throw new NfeError('NOT_FOUND', `no NF-e ${chave} for this tenant`);
    const [items, events] = await Promise.all([
      db.query('select-invoice-items', [tenant, chave]),
      db.query('select-invoice-events', [tenant, chave]),
    ]);
    ctx.body = invoiceJson(invoice, items.rows, events.rows);
  });

  router.get('/v1/nfe/:chave/xml', async (ctx) => {
    const chave = chaveOf(ctx.params.chave);
    const row = (
      await db.query<{ content: Buffer }>('select-invoice-xml', [ctx.state.tenantId, chave])
    ).rows[0];
    if (row === undefined) throw new NfeError('NOT_FOUND', `no NF-e ${chave} for this tenant`);
    const charset = declaredEncodingOf(row.content) === 'latin1' ? 'ISO-8859-1' : 'utf-8';
    ctx.type = `application/xml; charset=${charset}`;
    ctx.set('Content-Disposition', `inline; filename="${chave}.xml"`);
    ctx.body = row.content;
  });

  return router;
}
