import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { postZip } from './testing/upload';
import { Db } from '../engine/db';
import { generateInvoice } from '../engine/testkit/generate-documents';
import { createSigners, hostileCases } from '../engine/testkit/hostile-documents';
import { tenantWithKey, waitFor, waitForBatches, zipOf } from '../engine/testkit/pipeline-fixtures';
import { createTestDatabase, testDb, testConfig } from '../engine/testkit/test-databases';
import { Stack, startStack } from './testing/native-stack';
import {
  PrometheusServer,
  Sample,
  parseExposition,
  startPrometheus,
  total,
} from './testing/prometheus';

const ROOT = path.resolve(__dirname, '..', '..');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Target {
  readonly url: string;
  readonly job: 'nfe-api' | 'nfe-worker' | 'nfe-scheduler';
  readonly process: string;
}

describe('observability of the running stack (metrics, Prometheus, alerts, dashboard, logs)', function () {
  this.timeout(300_000);
  const signers = createSigners();
  const TENANT = 'observability tenant';
  let stack: Stack;
  let db: Db;
  let key: string;
  let targets: Target[];
  let prometheus: PrometheusServer;
  const valid = Array.from({ length: 30 }, (_, k) =>
    generateInvoice(signers.main, { seed: 95_000 + k }),
  );
  const hostile = hostileCases(signers).filter((c) =>
    ['signature-value-tampered', 'key-check-digit', 'not-nfe'].includes(c.name),
  );
  let upload: { reqId: string; batchId: string; zipBytes: number } | null = null;

  const scrape = async (): Promise<Map<string, Sample[]>> => {
    const out = new Map<string, Sample[]>();
    for (const t of targets) {
      const res = await fetch(t.url);
      assert.equal(res.status, 200, t.url);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      out.set(t.url, parseExposition(await res.text()));
    }
    return out;
  };
  const sum = (
    scraped: Map<string, Sample[]>,
    job: Target['job'],
    name: string,
    labels: Record<string, string> = {},
  ): number =>
    targets
      .filter((t) => t.job === job)
      .reduce((s, t) => s + total(scraped.get(t.url) ?? [], name, labels), 0);
  const logLines = (): Json[] =>
    stack.output
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Json];
        } catch {
          return [];
        }
      });

  before(async () => {
    assert.equal(hostile.length, 3);
    const database = await createTestDatabase('observability');
    db = testDb(testConfig(database));
    key = (await tenantWithKey(db, TENANT)).key;
    stack = await startStack(database, { LOG_LEVEL: 'debug', METRICS_SAMPLE_MS: '500' });
    const up = await waitFor('the supervisor to list the addresses', async () =>
      logLines().find((l) => Array.isArray(l.metrics)),
    );
    const apis = (up.apis as string[]).map((u) => `${u}/metrics`);
    const [scheduler, ...workers] = (up.metrics as string[]).filter((u) => !apis.includes(u));
    targets = [
      ...apis.map((url): Target => ({ url, job: 'nfe-api', process: 'api' })),
      { url: scheduler, job: 'nfe-scheduler', process: 'scheduler' },
      ...workers.map((url): Target => ({ url, job: 'nfe-worker', process: 'worker' })),
    ];
    assert.equal(targets.length, 6, 'three APIs, two workers and the scheduler');
    // The supervisor lists the addresses when it starts the processes; each listens once booted.
    for (const t of targets)
      await waitFor(`${t.url} to answer`, async () =>
        fetch(t.url).then(
          (r) => r.ok,
          () => false,
        ),
      );
    const hostOf = (t: Target): string => new URL(t.url).host;
    prometheus = await startPrometheus(
      {
        'nfe-api': targets.filter((t) => t.job === 'nfe-api').map(hostOf),
        'nfe-worker': targets.filter((t) => t.job === 'nfe-worker').map(hostOf),
        'nfe-scheduler': targets.filter((t) => t.job === 'nfe-scheduler').map(hostOf),
      },
      [path.join(ROOT, 'ops', 'prometheus', 'alerts.yml')],
    );
  });
  after(async () => {
    await prometheus?.stop();
    await db?.close();
    if (stack !== undefined) assert.equal(await stack.stop(), 0);
  });

  it('serves /metrics from every process on its own address, with the process defaults labelled by process', async () => {
    const scraped = await scrape();
    for (const t of targets) {
      const samples = scraped.get(t.url) as Sample[];
      for (const name of [
        'process_cpu_user_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_used_bytes',
      ])
        assert.ok(
          samples.some((s) => s.name === name && s.labels.process === t.process),
          `${t.url}: ${name}{process="${t.process}"}`,
        );
    }
    const scheduler = targets.find((t) => t.job === 'nfe-scheduler') as Target;
    await waitFor('the scheduler to sample the dependencies', async () => {
      const s = parseExposition(await (await fetch(scheduler.url)).text());
      return (
        total(s, 'nfe_dependency_up', { dependency: 'postgres' }) === 1 &&
        total(s, 'nfe_dependency_up', { dependency: 'redis' }) === 1 &&
        s.some((x) => x.name === 'nfe_queue_jobs' && x.labels.queue === 'ingest')
      );
    });
    const gauges = parseExposition(await (await fetch(scheduler.url)).text());
    assert.ok(
      !gauges.some((s) => s.name === 'nfe_reconciliation_last_success_timestamp_seconds'),
      'no reconciliation yet: the timestamp is absent, not 0',
    );
  });

  it('moves the counters as documents flow, with no chave, CNPJ or tenant name as a label value', async () => {
    const before = await scrape();
    const entries: [string, Buffer][] = [
      ...valid.map((d, k): [string, Buffer] => [`${k}.xml`, d.bytes]),
      ['again.xml', valid[0].bytes],
      ...hostile.map((c): [string, Buffer] => [`${c.name}.xml`, c.bytes]),
    ];
    const zip = await zipOf(entries);
    const res = await postZip(stack.url, key, zip);
    assert.equal(res.status, 202);
    const batchId = ((await res.json()) as Json).id as string;
    upload = { reqId: res.headers.get('x-request-id') as string, batchId, zipBytes: zip.length };
    await waitForBatches(db, [batchId]);
    const scheduler = targets.find((t) => t.job === 'nfe-scheduler') as Target;
    await waitFor('the scheduler to see nothing pending', async () => {
      const s = parseExposition(await (await fetch(scheduler.url)).text());
      return total(s, 'nfe_documents_pending') === 0;
    });
    const after = await scrape();
    const delta = (job: Target['job'], name: string, labels: Record<string, string> = {}): number =>
      sum(after, job, name, labels) - sum(before, job, name, labels);

    const post = { method: 'POST', route: '/v1/batches', status: '202' };
    assert.equal(delta('nfe-api', 'nfe_http_requests_total', post), 1);
    assert.equal(delta('nfe-api', 'nfe_http_request_duration_seconds_count', post), 1);
    assert.equal(delta('nfe-api', 'nfe_upload_documents_total'), entries.length);
    assert.equal(delta('nfe-api', 'nfe_upload_bytes_total'), zip.length);
    assert.equal(delta('nfe-worker', 'nfe_documents_total', { verdict: 'loaded' }), valid.length);
    assert.equal(delta('nfe-worker', 'nfe_documents_total', { verdict: 'duplicate' }), 1);
    for (const c of hostile)
      assert.equal(
        delta('nfe-worker', 'nfe_documents_total', { verdict: 'rejected', code: c.expected }),
        1,
        c.expected,
      );
    assert.equal(
      delta('nfe-worker', 'nfe_copy_rows_total', { table: 'stage_documents' }),
      entries.length,
    );
    const items = (
      await db.queryText<{ n: number }>('select count(*)::int as n from invoice_items')
    ).rows[0].n;
    assert.ok(delta('nfe-worker', 'nfe_copy_rows_total', { table: 'invoice_items' }) >= items);
    assert.ok(delta('nfe-worker', 'nfe_copy_bytes_total', { table: 'stage_invoices' }) > 0);
    assert.equal(delta('nfe-worker', 'nfe_chunk_documents_count'), 1, 'one chunk of 34');
    assert.equal(delta('nfe-worker', 'nfe_chunk_documents_sum'), entries.length);
    assert.equal(delta('nfe-worker', 'nfe_stage_duration_seconds_count', { stage: 'load' }), 1);
    assert.ok(
      delta('nfe-worker', 'nfe_stage_duration_seconds_count', { stage: 'verify' }) >=
        valid.length + 2,
    );
    assert.ok(delta('nfe-worker', 'nfe_stage_duration_seconds_sum', { stage: 'parse' }) > 0);
    assert.equal(sum(after, 'nfe-scheduler', 'nfe_queue_oldest_waiting_seconds'), 0);

    const chaves = new Set(valid.map((d) => d.chave));
    for (const [url, samples] of after)
      for (const s of samples)
        for (const value of Object.values(s.labels)) {
          assert.ok(!/[0-9]{11}/.test(value), `${url}: ${s.name} has a label value ${value}`);
          assert.ok(!chaves.has(value) && value !== TENANT, `${url}: ${s.name}`);
        }
  });

  it('is scraped by Prometheus: every process up, alert rules evaluating cleanly, every dashboard query valid', async () => {
    await waitFor(
      'Prometheus to scrape all six processes',
      async () => {
        const r = await prometheus.query('sum(up{job=~"nfe-.*"})');
        return Number((r.data?.result[0] as { value: [number, string] } | undefined)?.value[1]) ===
          targets.length
          ? true
          : null;
      },
      30_000,
      500,
    );
    const rules = await waitFor('the rules to be evaluated', async () => {
      const groups = ((await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as Json).data
        .groups as Json[];
      const all = groups.flatMap((g) => g.rules as Json[]);
      return all.length > 0 && all.every((r) => r.lastEvaluation > '2000') ? all : null;
    });
    assert.equal(rules.filter((r) => r.type === 'alerting').length, 12);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError}`);
    const firing = rules.filter((r) => r.type === 'alerting' && r.state === 'firing');
    if (firing.length > 0) {
      const context = await Promise.all(
        [
          'time()',
          'nfe_reconciliation_last_success_timestamp_seconds',
          'process_start_time_seconds',
        ].map(async (q) => `${q} = ${JSON.stringify((await prometheus.query(q)).data)}`),
      );
      assert.fail(
        `nothing fires on a healthy stack, but: ${JSON.stringify(firing.map((r) => r.alerts))}\n${context.join('\n')}`,
      );
    }

    // Wait for two scrapes after the load so that rate() has samples on both sides.
    await new Promise((r) => setTimeout(r, 3000));
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'ops', 'grafana', 'dashboards', 'nfe-ingest.json'), 'utf8'),
    ) as Json;
    const mustHaveData = [
      'Documents per second by verdict',
      'Stage latency per document (verify, parse) and per chunk (load)',
      'Jobs by queue and state',
      'Oldest waiting job',
      'Replicas up',
      'Dependencies',
      'API requests by status',
      'COPY rows per second by table',
      'Resident memory',
      'Event-loop lag p99',
    ];
    const panels = (dashboard.panels as Json[]).filter((p) => p.type !== 'row');
    for (const title of mustHaveData)
      assert.ok(
        panels.some((p) => p.title === title),
        `the dashboard has a panel "${title}"`,
      );
    for (const panel of panels) {
      assert.deepEqual(panel.datasource, { type: 'prometheus', uid: 'prometheus' });
      for (const target of panel.targets as Json[]) {
        const expr = String(target.expr).replace(/\$__rate_interval/g, '1m');
        const r = await prometheus.query(expr);
        assert.equal(r.status, 'success', `${panel.title}: ${expr}: ${r.error}`);
        if (mustHaveData.includes(panel.title))
          assert.ok((r.data?.result.length ?? 0) > 0, `${panel.title}: ${expr} has data`);
      }
    }
  });

  it('logs JSON with one request id from Nginx through the API to every verdict of the upload, without chaves, CNPJ or keys', async () => {
    assert.ok(upload, 'the upload of the previous test');
    const { reqId, batchId } = upload;
    const lookup = await fetch(`${stack.url}/v1/nfe/${valid[1].chave}`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    assert.equal(lookup.status, 200);
    const accessLog = path.join(stack.runtimeDir, 'nginx', 'access.log');
    const access = await waitFor('the access log lines', async () => {
      const lines = readFileSync(accessLog, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Json);
      return lines.some((l) => l.reqId === lookup.headers.get('x-request-id')) ? lines : null;
    });
    const nginxLine = access.find((l) => l.reqId === reqId) as Json;
    assert.equal(nginxLine.path, '/v1/batches');
    assert.equal(nginxLine.status, 202);
    const lookupLine = access.find((l) => l.reqId === lookup.headers.get('x-request-id')) as Json;
    assert.equal(
      lookupLine.path,
      `/v1/nfe/${valid[1].chave.slice(0, 6)}${'*'.repeat(14)}${valid[1].chave.slice(20)}`,
      "the emitter's CNPJ is masked in the access log",
    );

    const documents = (
      await db.queryText<{ id: string; verdict: string; code: string | null }>(
        'select id::text as id, verdict, code from documents where batch_id = $1',
        [batchId],
      )
    ).rows;
    const lines = await waitFor('the verdict of every document in the logs', async () => {
      const mine = logLines().filter((l) => l.reqId === reqId);
      return mine.filter((l) => l.msg === 'document verdict').length === documents.length
        ? mine
        : null;
    });
    const api = lines.filter((l) => l.process === 'api');
    assert.ok(
      api.some((l) => l.msg === 'request' && l.route === '/v1/batches' && l.status === 202),
      'the API request line',
    );
    assert.ok(
      api.some((l) => l.msg === 'batch stored' && l.batchId === batchId),
      'the API names the batch',
    );
    const worker = lines.filter((l) => l.process === 'worker');
    assert.ok(worker.some((l) => l.msg === 'chunk processed' && l.batchId === batchId));
    const verdicts = worker.filter((l) => l.msg === 'document verdict');
    for (const l of verdicts) assert.equal(l.batchId, batchId);
    assert.deepEqual(
      verdicts.map((l) => `${l.documentId} ${l.verdict} ${l.code}`).sort(),
      documents.map((d) => `${d.id} ${d.verdict} ${d.code}`).sort(),
      'each document once, with the verdict PostgreSQL holds',
    );
    for (const l of verdicts.filter((v) => v.chave !== null))
      assert.match(l.chave, /^[0-9]{6}\*{14}[0-9]{24}$/);
    assert.ok(
      verdicts.some((l) => l.level === 20),
      'LOG_LEVEL=debug from the config reaches every process',
    );

    const everything = stack.output.join('') + readFileSync(accessLog, 'utf8');
    for (const d of valid) assert.ok(!everything.includes(d.chave), 'no full chave in any log');
    assert.ok(!everything.includes(signers.main.cnpj), 'no CNPJ in any log');
    assert.ok(!everything.includes(key), 'no API key in any log');
  });
});
