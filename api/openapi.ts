import { ERROR_CODES, VERDICT_CODES } from '../engine/index';

/**
 * The OpenAPI 3.1 description of the API, served at GET /openapi.json and rendered by the docs
 * page. api/openapi.test.ts validates real responses against it and checks that every route is
 * described and every described operation exists.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const str: Schema = { type: 'string' };
const nstr: Schema = { type: ['string', 'null'] };
const int: Schema = { type: 'integer' };
const decimal: Schema = {
  type: ['string', 'null'],
  pattern: '^-?[0-9]+(\\.[0-9]+)?$',
  description: 'decimal as a string (exact)',
};
const dateTime: Schema = { type: 'string', format: 'date-time' };
const date: Schema = { type: 'string', format: 'date', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' };
const ndateTime: Schema = { type: ['string', 'null'], format: 'date-time' };
const chave: Schema = {
  type: 'string',
  pattern: '^[0-9]{6}[0-9A-Z]{14}[0-9]{24}$',
  description: 'chave de acesso (44 characters)',
};
const uuid: Schema = { type: 'string', format: 'uuid' };
const object = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
  ...extra,
});

const schemas: Record<string, Schema> = {
  Error: object({
    error: object({
      code: { type: 'string', enum: Object.keys(ERROR_CODES) },
      message: str,
    }),
  }),
  Batch: object({
    id: uuid,
    state: { type: 'string', enum: ['processing', 'completed'] },
    clientReference: nstr,
    callbackUrl: nstr,
    receivedAt: dateTime,
    completedAt: ndateTime,
    documents: int,
    skippedEntries: int,
    counts: object({ pending: int, loaded: int, duplicate: int, conflict: int, rejected: int }),
    links: object({ self: str, documents: str, webhooks: str }),
  }),
  BatchDocument: object({
    id: str,
    seq: int,
    name: nstr,
    size: int,
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    verdict: {
      type: ['string', 'null'],
      enum: ['loaded', 'duplicate', 'conflict', 'rejected', null],
    },
    code: { type: ['string', 'null'], enum: [...Object.keys(VERDICT_CODES), null] },
    message: nstr,
    kind: { type: ['string', 'null'], enum: ['nfe', 'nfce', 'event', 'unknown', null] },
    chave: nstr,
    receivedAt: dateTime,
    processedAt: ndateTime,
  }),
  BatchDocumentPage: object({ data: { type: 'array', items: ref('BatchDocument') }, next: nstr }),
  Party: {
    type: 'object',
    properties: {
      cnpj: nstr,
      cpf: nstr,
      foreignId: nstr,
      name: nstr,
      ie: nstr,
      uf: nstr,
      cityCode: nstr,
      city: nstr,
    },
    required: ['cnpj', 'cpf', 'name'],
  },
  InvoiceSummary: object({
    chave,
    kind: { type: 'string', enum: ['nfe', 'nfce'] },
    model: { type: 'integer', enum: [55, 65] },
    series: int,
    number: int,
    issuedAt: dateTime,
    issuedDate: date,
    state: { type: 'string', enum: ['authorized', 'cancelled', 'denied', 'unknown'] },
    emitter: object({ cnpj: nstr, cpf: nstr, name: nstr, uf: nstr }),
    recipient: object({ cnpj: nstr, cpf: nstr, name: nstr, uf: nstr }),
    vProd: decimal,
    vNF: decimal,
    protocol: object({ status: nstr, number: nstr }),
    batchId: uuid,
    loadedAt: dateTime,
    links: object({ self: str, xml: str }),
  }),
  InvoicePage: object({ data: { type: 'array', items: ref('InvoiceSummary') }, next: nstr }),
  Item: {
    type: 'object',
    properties: {
      number: int,
      code: nstr,
      gtin: nstr,
      description: nstr,
      ncm: nstr,
      cest: nstr,
      cfop: nstr,
      unit: nstr,
      quantity: decimal,
      unitValue: decimal,
      value: decimal,
      countsInTotal: { type: 'boolean' },
      discount: decimal,
      freight: decimal,
      insurance: decimal,
      otherCharges: decimal,
      taxes: {
        type: 'object',
        description:
          'ICMS, IPI, PIS and COFINS groups: group name, CST, base, rate, value, other fields',
      },
      totalTaxes: decimal,
      extra: {
        type: ['object', 'null'],
        description: 'groups not modelled (IBS/CBS, rastro, med, …), as JSON',
      },
    },
    required: ['number', 'code', 'description', 'cfop', 'value', 'taxes'],
  },
  Event: object({
    type: {
      type: 'string',
      enum: ['cancellation', 'cancellation_substitution', 'correction', 'other'],
    },
    tpEvento: str,
    sequence: int,
    description: nstr,
    occurredAt: dateTime,
    author: object({ cnpj: nstr, cpf: nstr }),
    cancelledProtocol: nstr,
    justification: nstr,
    correction: nstr,
    substituteChave: nstr,
    protocol: object({ status: nstr, number: nstr, registeredAt: ndateTime }),
    documentId: str,
    batchId: uuid,
  }),
  EventList: object({ data: { type: 'array', items: ref('Event') } }),
  Invoice: object({
    chave,
    kind: { type: 'string', enum: ['nfe', 'nfce'] },
    state: { type: 'string', enum: ['authorized', 'cancelled', 'denied', 'unknown'] },
    cancelledAt: ndateTime,
    model: { type: 'integer', enum: [55, 65] },
    layoutVersion: nstr,
    series: int,
    number: int,
    issuedAt: dateTime,
    issuedDate: date,
    operationType: nstr,
    operationNature: nstr,
    environment: nstr,
    emissionType: nstr,
    purpose: nstr,
    ufCode: nstr,
    emitter: ref('Party'),
    recipient: nullable(ref('Party')),
    totals: {
      type: 'object',
      description: 'every ICMSTot field as written (decimal strings or null)',
      additionalProperties: { type: ['string', 'null'] },
    },
    payments: { type: 'array', items: { type: 'object' } },
    installments: { type: 'array', items: { type: 'object' } },
    protocol: object({ status: nstr, reason: nstr, number: nstr, receivedAt: ndateTime }),
    signature: object({
      digestAlgorithm: str,
      digestValue: str,
      certificate: object({
        cnpj: nstr,
        serialNumber: nstr,
        notBefore: ndateTime,
        notAfter: ndateTime,
        validAtSigning: { type: ['boolean', 'null'] },
      }),
    }),
    items: { type: 'array', items: ref('Item') },
    events: { type: 'array', items: ref('Event') },
    extra: {
      type: ['object', 'null'],
      description: 'groups not modelled (transp, infAdic, IBSCBSTot, …), as JSON',
    },
    documentId: str,
    batchId: uuid,
    loadedAt: dateTime,
    links: object({ self: str, xml: str }),
  }),
  WebhookDelivery: object({
    eventId: uuid,
    type: { type: 'string', enum: ['batch.completed'] },
    url: str,
    state: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: int,
    nextAttemptAt: ndateTime,
    lastStatus: { type: ['integer', 'null'] },
    lastError: nstr,
    createdAt: dateTime,
    deliveredAt: ndateTime,
    attemptLog: {
      type: 'array',
      items: object({ at: str, status: { type: ['integer', 'null'] }, error: nstr, ms: int }),
    },
  }),
  WebhookDeliveryList: object({ data: { type: 'array', items: ref('WebhookDelivery') } }),
  ReconciliationRun: object({
    id: uuid,
    state: { type: 'string', enum: ['queued', 'running', 'completed', 'failed'] },
    trigger: { type: 'string', enum: ['schedule', 'api'] },
    periodStart: date,
    periodEnd: date,
    ledger: { type: 'boolean' },
    createdAt: dateTime,
    startedAt: ndateTime,
    finishedAt: ndateTime,
    error: nstr,
    summary: {
      type: ['object', 'null'],
      description:
        'findings per kind; documents received in the period by verdict; invoices of the period (count, vNF), by state and, for those not cancelled, item values by CFOP',
    },
    links: object({ self: str, findings: str }),
  }),
  Finding: object({
    kind: {
      type: 'string',
      enum: [
        'numbering_gap',
        'stuck_work',
        'failed_work',
        'totals_mismatch',
        'no_protocol',
        'certificate_not_valid_at_signing',
        'cancellation_without_invoice',
        'cancelled_after_export',
        'ledger_missing',
        'ledger_unexpected',
        'ledger_value_mismatch',
        'ledger_date_mismatch',
        'ledger_cancelled',
      ],
    },
    issuer: nstr,
    model: { type: ['integer', 'null'] },
    series: { type: ['integer', 'null'] },
    rangeStart: { type: ['integer', 'null'] },
    rangeEnd: { type: ['integer', 'null'] },
    chaves: { type: 'array', items: str },
    explanation: str,
    details: { type: ['object', 'null'] },
  }),
  ReconciliationReport: {
    allOf: [
      ref('ReconciliationRun'),
      object({
        findings: { type: 'array', items: ref('Finding') },
        findingsTruncated: { type: 'boolean' },
      }),
    ],
  },
  ReconciliationList: object({ data: { type: 'array', items: ref('ReconciliationRun') } }),
  ScheduleList: object({
    data: {
      type: 'array',
      items: object({
        id: str,
        cron: str,
        tz: str,
        task: str,
        recentRuns: {
          type: 'array',
          items: object({
            tick: dateTime,
            startedAt: dateTime,
            finishedAt: ndateTime,
            outcome: nstr,
            details: {},
          }),
        },
      }),
    },
  }),
  Health: object({ status: { type: 'string', enum: ['ok'] } }),
  Ready: object({
    status: { type: 'string', enum: ['ready', 'unavailable'] },
    checks: { type: 'object', additionalProperties: str },
  }),
};

const json = (schema: Schema, example?: unknown): Schema => ({
  'application/json': { schema, ...(example !== undefined ? { example } : {}) },
});

const ERROR_STATUS_TEXT: Record<number, string> = {
  400: 'Malformed parameter, header or body part (BAD_REQUEST).',
  401: 'No API key, or an unknown one (UNAUTHORIZED).',
  403: 'The API key was revoked (FORBIDDEN).',
  404: 'Not found for this tenant (NOT_FOUND).',
  413: 'Body, document or entry count over its limit (PAYLOAD_TOO_LARGE).',
  415: 'Unsupported Content-Type (UNSUPPORTED_MEDIA_TYPE).',
  422: 'IDEMPOTENCY_KEY_REUSED, ZIP_BOMB, ARCHIVE_INVALID or EMPTY_UPLOAD.',
  429: 'Too many requests for this key; see Retry-After (RATE_LIMITED).',
  503: 'PostgreSQL or Redis unavailable, or the process is shutting down (UNAVAILABLE).',
  507: 'No room left to receive the upload; nothing was stored; retry later (INSUFFICIENT_STORAGE).',
};

function errors(...statuses: number[]): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const s of statuses) {
    const code = Object.entries(ERROR_CODES).find(([, e]) => e.status === s)?.[0] ?? 'INTERNAL';
    out[String(s)] = {
      description: ERROR_STATUS_TEXT[s],
      content: json(ref('Error'), {
        error: { code, message: ERROR_CODES[code as keyof typeof ERROR_CODES].summary },
      }),
    };
  }
  return out;
}

const AUTH_ERRORS = [401, 403, 429, 503];
const param = (
  name: string,
  where: 'query' | 'path' | 'header',
  schema: Schema,
  description: string,
  required = where === 'path',
): Schema => ({ name, in: where, required, schema, description });
const id = param('id', 'path', uuid, 'batch id');
const chaveParam = param('chave', 'path', chave, 'chave de acesso');
const FILTERS = [
  param('issuer', 'query', str, 'emitente CNPJ (14 characters) or CPF (11 digits)'),
  param('recipient', 'query', str, 'destinatário CNPJ or CPF'),
  param('model', 'query', { type: 'string', enum: ['55', '65'] }, 'modelo: 55 NF-e, 65 NFC-e'),
  param('series', 'query', { type: 'string', pattern: '^[0-9]{1,3}$' }, 'série'),
  param(
    'issuedFrom',
    'query',
    { type: 'string', format: 'date' },
    'issue date from (inclusive, YYYY-MM-DD)',
  ),
  param('issuedTo', 'query', { type: 'string', format: 'date' }, 'issue date to (inclusive)'),
  param(
    'state',
    'query',
    { type: 'string', enum: ['authorized', 'cancelled', 'denied', 'unknown'] },
    'current state',
  ),
  param(
    'cfop',
    'query',
    { type: 'string', pattern: '^[1-7][0-9]{3}$' },
    'invoices with at least one item of this CFOP (exports of items: the items of this CFOP)',
  ),
  param('batch', 'query', uuid, 'loaded from this batch'),
  param('receivedFrom', 'query', { type: 'string' }, 'loaded at or after (ISO date or date-time)'),
  param('receivedTo', 'query', { type: 'string' }, 'loaded before (ISO date or date-time)'),
];
const csv = (description: string): Schema => ({
  200: {
    description,
    content: {
      'text/csv': { schema: { type: 'string' }, example: 'chave,model,series,number,...\r\n' },
    },
  },
  ...errors(400, ...AUTH_ERRORS),
});

const EXAMPLE_BATCH = {
  id: '5b6c1c9e-0f0e-4b3a-9d59-7f5a1c2b3d4e',
  state: 'processing',
  clientReference: 'lote-2026-08',
  callbackUrl: null,
  receivedAt: '2026-08-15T12:00:00.000Z',
  completedAt: null,
  documents: 1000,
  skippedEntries: 0,
  counts: { pending: 1000, loaded: 0, duplicate: 0, conflict: 0, rejected: 0 },
  links: {
    self: '/v1/batches/5b6c1c9e-0f0e-4b3a-9d59-7f5a1c2b3d4e',
    documents: '/v1/batches/5b6c1c9e-0f0e-4b3a-9d59-7f5a1c2b3d4e/documents',
    webhooks: '/v1/batches/5b6c1c9e-0f0e-4b3a-9d59-7f5a1c2b3d4e/webhooks',
  },
};

export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'nfe-ingest API',
    version: '1.0.0',
    description:
      'Post NF-e / NFC-e batches; every document is verified on the exact bytes received (XMLDSig), parsed and loaded, and gets a verdict: loaded, duplicate, conflict or rejected with a code. Read back batches, invoices with items and events, the original XML, listings and CSV exports. Errors are `{ "error": { "code", "message" } }`.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }],
  tags: [
    { name: 'batches', description: 'Upload documents and follow their verdicts' },
    {
      name: 'invoices',
      description: 'Parsed invoices, events, the original XML, listings and exports',
    },
    {
      name: 'reconciliation',
      description: 'What was received, loaded and expected, compared; the scheduled runs',
    },
    { name: 'operations', description: 'Health, readiness and this document' },
  ],
  paths: {
    '/v1/batches': {
      post: {
        tags: ['batches'],
        operationId: 'createBatch',
        summary: 'Upload a batch of documents',
        description:
          'A zip (zips inside are expanded), a multipart form with one or many files (zips among them are expanded) or one XML document. Answers 202 once every document is durably stored; verdicts follow asynchronously. Non-XML zip entries are skipped and counted.',
        parameters: [
          param(
            'Idempotency-Key',
            'header',
            { type: 'string', maxLength: 200 },
            'the same key with the same documents returns the same batch; with other documents, 422',
          ),
          param(
            'clientReference',
            'query',
            { type: 'string', maxLength: 200 },
            'your reference for the batch',
          ),
          param(
            'callbackUrl',
            'query',
            { type: 'string', format: 'uri' },
            'POSTed a signed batch.completed event when every document has a verdict (overrides the tenant default)',
          ),
        ],
        requestBody: {
          required: true,
          content: {
            'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } },
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: {
                  file: {
                    type: 'array',
                    items: { type: 'string', contentMediaType: 'application/octet-stream' },
                  },
                },
              },
            },
            'application/xml': { schema: { type: 'string', contentMediaType: 'application/xml' } },
          },
        },
        responses: {
          202: {
            description:
              'Stored; verdicts follow. The same answer for an idempotent replay (with Idempotent-Replayed: true).',
            headers: { Location: { schema: str, description: 'the batch status URL' } },
            content: json(ref('Batch'), EXAMPLE_BATCH),
          },
          ...errors(400, 413, 415, 422, 507, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/batches/{id}': {
      get: {
        tags: ['batches'],
        operationId: 'getBatch',
        summary: 'Batch state and counts',
        parameters: [id],
        responses: {
          200: { description: 'The batch', content: json(ref('Batch'), EXAMPLE_BATCH) },
          ...errors(404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/batches/{id}/documents': {
      get: {
        tags: ['batches'],
        operationId: 'listBatchDocuments',
        summary: 'Per-document verdicts, codes and messages',
        parameters: [
          id,
          param(
            'verdict',
            'query',
            { type: 'string', enum: ['loaded', 'duplicate', 'conflict', 'rejected', 'pending'] },
            'only documents with this verdict',
          ),
          param(
            'limit',
            'query',
            { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            'page size',
          ),
          param('cursor', 'query', str, 'from the `next` link of the previous page'),
        ],
        responses: {
          200: {
            description: 'One page, in upload order',
            content: json(ref('BatchDocumentPage')),
          },
          ...errors(400, 404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/batches/{id}/webhooks': {
      get: {
        tags: ['batches'],
        operationId: 'listBatchWebhooks',
        summary: 'Webhook deliveries of the batch, with every attempt',
        parameters: [id],
        responses: {
          200: { description: 'Deliveries', content: json(ref('WebhookDeliveryList')) },
          ...errors(404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/nfe': {
      get: {
        tags: ['invoices'],
        operationId: 'listInvoices',
        summary: 'Invoices, filtered, in load order',
        description:
          'Cursor pagination over the load order: pages stay stable while new invoices arrive.',
        parameters: [
          ...FILTERS,
          param(
            'limit',
            'query',
            { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            'page size',
          ),
          param('cursor', 'query', str, 'from the `next` link'),
        ],
        responses: {
          200: { description: 'One page', content: json(ref('InvoicePage')) },
          ...errors(400, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/nfe/export.csv': {
      get: {
        tags: ['invoices'],
        operationId: 'exportInvoices',
        summary: 'Invoices as CSV (same filters), streamed',
        parameters: FILTERS,
        responses: csv('RFC 4180 CSV, UTF-8, header row, decimal point'),
      },
    },
    '/v1/items/export.csv': {
      get: {
        tags: ['invoices'],
        operationId: 'exportItems',
        summary: 'Items of the filtered invoices as CSV, streamed',
        parameters: FILTERS,
        responses: csv('RFC 4180 CSV, UTF-8, header row, decimal point'),
      },
    },
    '/v1/nfe/{chave}': {
      get: {
        tags: ['invoices'],
        operationId: 'getInvoice',
        summary: 'The parsed invoice with items, events and current state',
        parameters: [chaveParam, param('If-None-Match', 'header', str, 'ETag of a copy you hold')],
        responses: {
          200: {
            description: 'The invoice (ETag, Cache-Control: no-cache)',
            content: json(ref('Invoice')),
          },
          304: { description: 'Not modified' },
          ...errors(400, 404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/nfe/{chave}/events': {
      get: {
        tags: ['invoices'],
        operationId: 'listInvoiceEvents',
        summary: 'Events of a chave (also before its invoice arrives)',
        parameters: [chaveParam],
        responses: {
          200: { description: 'Events, oldest first', content: json(ref('EventList')) },
          ...errors(400, 404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/nfe/{chave}/xml': {
      get: {
        tags: ['invoices'],
        operationId: 'getInvoiceXml',
        summary: 'The original document, byte for byte',
        parameters: [chaveParam, param('If-None-Match', 'header', str, 'ETag of a copy you hold')],
        responses: {
          200: {
            description: 'The exact bytes received (charset as declared)',
            content: { 'application/xml': { schema: { type: 'string' } } },
          },
          304: { description: 'Not modified' },
          ...errors(400, 404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/reconciliations': {
      post: {
        tags: ['reconciliation'],
        operationId: 'createReconciliation',
        summary: 'Reconcile a period, optionally against your ledger',
        description:
          'JSON `{ periodStart, periodEnd, ledger?: [{ chave, issuedDate, total }] }`, or the ledger as CSV (`chave,issued_date,total` with a decimal point; or `chave;issued_date;total` with a decimal comma; dates YYYY-MM-DD or DD/MM/YYYY) with periodStart and periodEnd in the query. Runs in a worker; follow the returned run.',
        parameters: [
          param('periodStart', 'query', { type: 'string', format: 'date' }, 'with a CSV ledger'),
          param('periodEnd', 'query', { type: 'string', format: 'date' }, 'with a CSV ledger'),
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: object(
                { periodStart: date, periodEnd: date },
                {
                  properties: {
                    periodStart: date,
                    periodEnd: date,
                    ledger: {
                      type: 'array',
                      items: object({
                        chave,
                        issuedDate: date,
                        total: { type: ['string', 'number'] },
                      }),
                    },
                  },
                },
              ),
              example: {
                periodStart: '2026-08-01',
                periodEnd: '2026-08-31',
                ledger: [
                  {
                    chave: '35260811222333000181550010000000011000000010',
                    issuedDate: '2026-08-14',
                    total: '1234.50',
                  },
                ],
              },
            },
            'text/csv': {
              schema: { type: 'string' },
              example:
                'chave,issued_date,total\n35260811222333000181550010000000011000000010,2026-08-14,1234.50\n',
            },
          },
        },
        responses: {
          202: {
            description: 'Queued',
            headers: { Location: { schema: str } },
            content: json(ref('ReconciliationRun')),
          },
          ...errors(400, 413, 415, ...AUTH_ERRORS),
        },
      },
      get: {
        tags: ['reconciliation'],
        operationId: 'listReconciliations',
        summary: 'Recent runs (scheduled and on demand)',
        responses: {
          200: { description: 'Runs, newest first', content: json(ref('ReconciliationList')) },
          ...errors(...AUTH_ERRORS),
        },
      },
    },
    '/v1/reconciliations/{id}': {
      get: {
        tags: ['reconciliation'],
        operationId: 'getReconciliation',
        summary: 'A run with its report and findings (at most 1000; all of them in findings.csv)',
        parameters: [param('id', 'path', uuid, 'run id')],
        responses: {
          200: { description: 'The report', content: json(ref('ReconciliationReport')) },
          ...errors(404, ...AUTH_ERRORS),
        },
      },
    },
    '/v1/reconciliations/{id}/findings.csv': {
      get: {
        tags: ['reconciliation'],
        operationId: 'exportReconciliationFindings',
        summary: 'Every finding as CSV',
        parameters: [param('id', 'path', uuid, 'run id')],
        responses: {
          ...csv('kind, issuer, model, series, range, chaves, explanation'),
          ...errors(404),
        },
      },
    },
    '/v1/schedules': {
      get: {
        tags: ['reconciliation'],
        operationId: 'listSchedules',
        summary: 'The schedules and their recent runs (start, end, outcome)',
        responses: {
          200: { description: 'Schedules', content: json(ref('ScheduleList')) },
          ...errors(...AUTH_ERRORS),
        },
      },
    },
    '/health': {
      get: {
        tags: ['operations'],
        operationId: 'health',
        summary: 'Liveness of an API process',
        security: [],
        responses: { 200: { description: 'Alive', content: json(ref('Health')) } },
      },
    },
    '/ready': {
      get: {
        tags: ['operations'],
        operationId: 'ready',
        summary: 'Readiness: PostgreSQL and Redis answer',
        security: [],
        responses: {
          200: { description: 'Ready', content: json(ref('Ready')) },
          503: { description: 'Not ready', content: json(ref('Ready')) },
        },
      },
    },
    '/openapi.json': {
      get: {
        tags: ['operations'],
        operationId: 'openapi',
        summary: 'This document',
        security: [],
        responses: { 200: { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'API key: `Authorization: Bearer nfe_…`',
      },
    },
    schemas,
  },
} as const;
