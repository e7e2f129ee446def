import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createThrowawaySigner } from '../engine/testkit/throwaway-signer';
import { cnpjFrom } from '../engine/testkit/generate-documents';
import { NginxOptions, renderNginxConfig } from './nginx-config';
import { DOCKER_NGINX_FILES } from './render-nginx';

const ROOT = path.resolve(__dirname, '..', '..');

function nginxTest(options: NginxOptions): { status: number | null; stderr: string } {
  const dir = options.runtimeDir as string;
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
    mkdirSync(path.join(dir, sub), { recursive: true });
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, renderNginxConfig(options));
  const run = spawnSync('nginx', ['-t', '-p', dir, '-c', conf, '-e', 'stderr'], {
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('the Nginx configuration', () => {
  let dir: string;
  const base = (): NginxOptions => ({
    listenPort: 18_080,
    upstreams: ['127.0.0.1:18001', '127.0.0.1:18002', '127.0.0.1:18003'],
    maxBodyBytes: 512 * 1024 * 1024,
    docsRoot: path.join(ROOT, 'nginx', 'www'),
    runtimeDir: dir,
    user: process.getuid?.() === 0 ? 'nobody nogroup' : null,
    tls: null,
  });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nfe-nginx-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes nginx -t as rendered for the native stack', () => {
    const r = nginxTest(base());
    assert.equal(r.status, 0, r.stderr);
  });

  it('passes nginx -t with the TLS server block enabled (HTTP redirects to HTTPS, HSTS)', () => {
    const signer = createThrowawaySigner({ cnpj: cnpjFrom('112223330001'), modulusLength: 2048 });
    writeFileSync(path.join(dir, 'cert.pem'), signer.certificatePem);
    writeFileSync(path.join(dir, 'key.pem'), signer.privateKeyPem);
    const options = {
      ...base(),
      tls: {
        port: 18_443,
        certificate: path.join(dir, 'cert.pem'),
        key: path.join(dir, 'key.pem'),
      },
    };
    const r = nginxTest(options);
    assert.equal(r.status, 0, r.stderr);
    const text = renderNginxConfig(options);
    assert.match(text, /return 301 https:\/\/\$host:18443\$request_uri;/);
    assert.match(text, /Strict-Transport-Security/);
  });

  it('keeps the committed Docker configurations equal to the renderer, and they pass nginx -t', () => {
    for (const [file, options] of Object.entries(DOCKER_NGINX_FILES)) {
      assert.equal(
        readFileSync(path.join(ROOT, file), 'utf8'),
        renderNginxConfig(options),
        `${file} is stale: run node dist/ops/render-nginx.js`,
      );
      // Same configuration with resolvable upstreams and local paths, so nginx -t can run here.
      const local = {
        ...options,
        upstreams: ['127.0.0.1:8000'],
        runtimeDir: dir,
        user: base().user,
        tls: null,
      };
      const r = nginxTest(local);
      assert.equal(r.status, 0, r.stderr);
    }
  });

  it('streams uploads, limits the body like the API, blocks /metrics, retries only where safe', () => {
    const text = renderNginxConfig(base());
    assert.match(text, /server_tokens off;/);
    assert.match(text, /proxy_request_buffering off;/);
    assert.match(text, /client_max_body_size 536870912;/);
    assert.match(text, /location \^~ \/metrics \{\s*return 404;/);
    assert.match(
      text,
      /proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;/,
    );
    assert.match(text, /max_fails=2 fail_timeout=5s/);
    assert.match(text, /proxy_set_header X-Request-Id \$request_id;/);
    assert.match(text, /gzip_types application\/json/);
  });
});
