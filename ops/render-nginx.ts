import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { NginxOptions, renderNginxConfig } from './nginx-config';
import { REPO_ROOT } from './system';

/** The Docker configurations, rendered from the same description as the native one. */
export const DOCKER_NGINX: NginxOptions = {
  listenPort: 80,
  upstreams: ['api-1:8000', 'api-2:8000', 'api-3:8000'],
  maxBodyBytes: 512 * 1024 * 1024,
  docsRoot: '/usr/share/nginx/docs',
  runtimeDir: null,
  user: 'nginx',
  tls: null,
};

export const DOCKER_NGINX_TLS: NginxOptions = {
  ...DOCKER_NGINX,
  tls: {
    port: 443,
    certificate: '/etc/nginx/tls/fullchain.pem',
    key: '/etc/nginx/tls/privkey.pem',
  },
};

export const DOCKER_NGINX_FILES: Readonly<Record<string, NginxOptions>> = {
  'nginx/nginx.docker.conf': DOCKER_NGINX,
  'nginx/nginx.docker.tls.conf': DOCKER_NGINX_TLS,
};

/** `node dist/ops/render-nginx.js`: rewrites the committed Docker configurations. */
if (require.main === module) {
  for (const [file, options] of Object.entries(DOCKER_NGINX_FILES)) {
    writeFileSync(path.join(REPO_ROOT, file), renderNginxConfig(options));
    process.stdout.write(`wrote ${file}\n`);
  }
}
