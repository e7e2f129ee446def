import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..', '..');

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: (string | { type: string; source: string; target: string })[];
  ports?: { target: number; published: number | string }[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string[] | string; disable?: boolean };
  deploy?: { resources?: { limits?: { cpus?: string | number; memory?: string } } };
  container_name?: string;
  environment?: Record<string, string | null>;
};

/** Debian's docker-compose validates and resolves a compose file without a Docker engine. */
type Resolved = { services: Record<string, Service>; volumes: Record<string, unknown> };

function resolve(file: string, envFile?: string): Resolved {
  const args = [...(envFile ? ['--env-file', envFile] : []), '-f', file, 'config'];
  const run = spawnSync('docker-compose', args, { cwd: ROOT, encoding: 'utf8' });
  assert.equal(
    run.status,
    0,
    run.error
      ? `docker-compose: ${run.error.message} (Debian's docker-compose package; .ci/run installs it)`
      : run.stderr,
  );
  assert.doesNotMatch(
    run.stderr,
    /variable is not set/,
    `${file} uses a variable that is not defined`,
  );
  return parse(run.stdout);
}

function seconds(duration: string | undefined): number {
  const m = /^(\d+)(ms|s|m)$/.exec(duration ?? '');
  if (!m) return 0;
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
}

const APP_SERVICES = ['api-1', 'api-2', 'api-3', 'worker', 'scheduler'];

for (const [file, envFile] of [
  ['docker-compose.yml', undefined],
  ['docker-compose.prod.yml', '.env.prod.example'],
] as const) {
  describe(file, () => {
    // Resolved in a hook: a missing docker-compose fails these tests, not the whole run.
    let config: Resolved;
    let services: Record<string, Service>;
    before(() => {
      config = resolve(file, envFile);
      services = config.services;
    });

    it('has the whole topology: nginx on 80, three APIs, workers, scheduler, migrate, PostgreSQL 15, Redis', () => {
      for (const name of ['nginx', ...APP_SERVICES, 'migrate', 'postgres', 'redis'])
        assert.ok(services[name], `service ${name}`);
      assert.ok(services.nginx.ports?.some((p) => p.target === 80 && String(p.published) === '80'));
      assert.match(services.postgres.image ?? '', /^postgres:15/);
      assert.deepEqual(
        services.worker.ports ?? [],
        [],
        'a worker publishes no port, so --scale worker=N works',
      );
      assert.equal(services.worker.container_name, undefined);
    });

    it('references only services and volumes that exist', () => {
      for (const [name, s] of Object.entries(services)) {
        for (const dep of Object.keys(s.depends_on ?? {}))
          assert.ok(services[dep], `${name} depends on a missing service ${dep}`);
        for (const v of s.volumes ?? []) {
          // docker-compose 1.x prints the short form "source:target[:mode]".
          const source = typeof v === 'string' ? v.split(':')[0] : v.source;
          if (source.startsWith('/') || source.startsWith('.'))
            assert.ok(existsSync(source), `${name} mounts a missing path ${source}`);
          else
            assert.ok(
              source in (config.volumes ?? {}),
              `${name} mounts an undeclared volume ${source}`,
            );
        }
      }
    });

    it('starts the applications after the one-shot migrate, with health checks on the dependencies', () => {
      for (const name of APP_SERVICES)
        assert.equal(
          services[name].depends_on?.migrate?.condition,
          'service_completed_successfully',
          name,
        );
      assert.equal(services.migrate.restart, 'no');
      assert.match(JSON.stringify(services.postgres.healthcheck?.test), /pg_isready/);
      assert.match(JSON.stringify(services.redis.healthcheck?.test), /redis-cli.*ping/);
      assert.ok(services.redis.command?.join(' ').includes('--appendonly yes'));
      assert.ok(services.redis.command?.join(' ').includes('--maxmemory-policy noeviction'));
    });

    it('gives the applications more time to stop than their own shutdown deadline', () => {
      for (const name of APP_SERVICES) {
        const deadline = Number(services[name].environment?.SHUTDOWN_TIMEOUT_MS ?? '20000') / 1000;
        assert.ok(
          seconds(services[name].stop_grace_period) > deadline,
          `${name}: stop_grace_period ${services[name].stop_grace_period} vs ${deadline}s`,
        );
        assert.equal(services[name].restart, 'unless-stopped');
      }
    });
  });
}

describe('docker-compose.prod.yml in production terms', () => {
  let config: Resolved;
  before(() => {
    config = resolve('docker-compose.prod.yml', '.env.prod.example');
  });

  it('limits the resources of every long-running service and takes secrets from the env file', () => {
    for (const [name, s] of Object.entries(config.services)) {
      if (name === 'migrate') continue;
      assert.ok(s.deploy?.resources?.limits?.memory, `${name} has no memory limit`);
      assert.ok(s.restart === 'unless-stopped' || s.restart === 'always', `${name} restart policy`);
    }
    const raw = readFileSync(path.join(ROOT, 'docker-compose.prod.yml'), 'utf8');
    const used = new Set([...raw.matchAll(/(?<!\$)\$\{([A-Z_]+)\}/g)].map((m) => m[1]));
    const example = readFileSync(path.join(ROOT, '.env.prod.example'), 'utf8');
    const defined = new Set([...example.matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]));
    for (const v of used) assert.ok(defined.has(v), `${v} is used but not in .env.prod.example`);
    assert.ok(
      !existsSync(path.join(ROOT, '.env.prod')) ||
        spawnSync('git', ['check-ignore', '.env.prod'], { cwd: ROOT }).status === 0,
      '.env.prod is never committed',
    );
  });

  it('adds Prometheus (with the alert rules) and Grafana (datasource and dashboard provisioned) as the optional monitoring profile', () => {
    const { prometheus, grafana } = config.services as Record<
      string,
      Service & { profiles?: string[] }
    >;
    assert.deepEqual(prometheus.profiles, ['monitoring']);
    assert.deepEqual(grafana.profiles, ['monitoring']);
    const mounts = (s: Service): string[] =>
      (s.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    assert.ok(
      mounts(prometheus).some((m) =>
        m.includes('ops/prometheus/prometheus.docker.yml:/etc/prometheus/prometheus.yml'),
      ),
    );
    assert.ok(
      mounts(prometheus).some((m) =>
        m.includes('ops/prometheus/alerts.yml:/etc/prometheus/alerts.yml'),
      ),
      'the rules sit next to the configuration that names them',
    );
    assert.ok(
      mounts(grafana).some((m) => m.includes('ops/grafana/provisioning:/etc/grafana/provisioning')),
    );
    assert.ok(
      mounts(grafana).some((m) => m.includes('ops/grafana/dashboards:/var/lib/grafana/dashboards')),
    );
    const datasource = parse(
      readFileSync(path.join(ROOT, 'ops/grafana/provisioning/datasources/prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string; url: string }[] };
    const provider = parse(
      readFileSync(path.join(ROOT, 'ops/grafana/provisioning/dashboards/nfe-ingest.yml'), 'utf8'),
    ) as { providers: { options: { path: string } }[] };
    assert.equal(provider.providers[0].options.path, '/var/lib/grafana/dashboards');
    assert.equal(datasource.datasources[0].url, 'http://prometheus:9090');
    const dashboard = JSON.parse(
      readFileSync(path.join(ROOT, 'ops/grafana/dashboards/nfe-ingest.json'), 'utf8'),
    ) as { panels: { type: string; datasource?: { uid: string } }[] };
    for (const panel of dashboard.panels.filter((p) => p.type !== 'row'))
      assert.equal(panel.datasource?.uid, datasource.datasources[0].uid);
    // The compose service names are what the Docker scrape configuration resolves.
    const scrape = parse(
      readFileSync(path.join(ROOT, 'ops/prometheus/prometheus.docker.yml'), 'utf8'),
    ) as { scrape_configs: Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const names = JSON.stringify(scrape.scrape_configs);
    for (const service of APP_SERVICES) assert.ok(names.includes(`"${service}`), service);
  });

  it('validates the Prometheus configurations and rules with promtool, and the rules pass their unit tests', () => {
    for (const args of [
      ['check', 'config', 'ops/prometheus/prometheus.yml'],
      ['check', 'config', 'ops/prometheus/prometheus.docker.yml'],
      ['check', 'rules', 'ops/prometheus/alerts.yml'],
      ['test', 'rules', 'ops/prometheus/alerts.test.yml'],
    ]) {
      const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
      assert.equal(run.status, 0, `promtool ${args.join(' ')}: ${run.stdout}${run.stderr}`);
    }
  });

  it('builds a small non-root production image with a health check', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile.prod'), 'utf8');
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2, 'multi-stage');
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK /m);
    const dev = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    assert.match(dev, /--watch/);
  });
});
