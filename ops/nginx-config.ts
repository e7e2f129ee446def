/**
 * The Nginx configuration, rendered from one description for both places it runs: natively under
 * the supervisor (`npm start`) and in Docker (nginx/nginx.docker.conf, kept equal to this output by
 * a test). nginx/README.md explains each choice.
 */
export interface NginxOptions {
  readonly listenPort: number;
  /** API replicas as host:port. */
  readonly upstreams: readonly string[];
  /** Request body limit, equal to the API's UPLOAD_MAX_BYTES. */
  readonly maxBodyBytes: number;
  readonly docsRoot: string;
  /** Native runs keep pid, temp files and the like in a runtime folder; Docker uses the image's. */
  readonly runtimeDir: string | null;
  /** Worker process user when the master runs as root (null: leave Nginx's default). */
  readonly user: string | null;
  readonly tls: {
    readonly port: number;
    readonly certificate: string;
    readonly key: string;
  } | null;
}

const SECURITY_HEADERS = [
  'add_header X-Frame-Options "DENY" always;',
  'add_header X-Content-Type-Options "nosniff" always;',
  'add_header Referrer-Policy "no-referrer" always;',
];
/** The API echoes the request id itself; what Nginx answers alone carries it from here. */
const REQUEST_ID = 'add_header X-Request-Id $request_id always;';
const API_CSP = `add_header Content-Security-Policy "default-src 'none'; frame-ancestors 'none'" always;`;
const DOCS_CSP = `add_header Content-Security-Policy "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" always;`;
const HSTS = 'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;';

function indent(lines: readonly string[], depth: number): string {
  return lines.map((l) => (l === '' ? '' : `${'    '.repeat(depth)}${l}`)).join('\n');
}

function jsonError(
  status: number,
  code: string,
  message: string,
  headers: readonly string[],
): string[] {
  return [
    `location = /.errors/${status} {`,
    '    internal;',
    ...[...headers, REQUEST_ID].map((h) => `    ${h}`),
    '    default_type application/json;',
    `    return ${status} '{"error":{"code":"${code}","message":"${message}"}}\\n';`,
    '}',
  ];
}

/** The locations of the public server (HTTP, or HTTPS when TLS is on). */
function locations(options: NginxOptions, tls: boolean): string[] {
  // add_header in a location replaces the server's, so every location states all of its headers.
  const headers = (csp: string): string[] => [...SECURITY_HEADERS, csp, ...(tls ? [HSTS] : [])];
  return [
    '# Headers for responses of locations that set none of their own.',
    ...headers(API_CSP),
    REQUEST_ID,
    '',
    "# Errors Nginx answers itself, in the API's JSON shape (the API's own errors pass through).",
    '# Internal locations, not named ones: a request too malformed to have a URI can still use them.',
    'error_page 400 /.errors/400;',
    'error_page 494 =431 /.errors/431;',
    'error_page 413 /.errors/413;',
    'error_page 502 504 =503 /.errors/503;',
    ...jsonError(400, 'BAD_REQUEST', 'the request is malformed', headers(API_CSP)),
    ...jsonError(
      431,
      'HEADERS_TOO_LARGE',
      'the request headers are over the limit (16 KiB per line)',
      headers(API_CSP),
    ),
    ...jsonError(
      413,
      'PAYLOAD_TOO_LARGE',
      `the body is over ${options.maxBodyBytes} bytes`,
      headers(API_CSP),
    ),
    ...jsonError(503, 'UNAVAILABLE', 'no API replica answered in time; retry', [
      ...headers(API_CSP),
      'add_header Retry-After 5 always;',
    ]),
    '',
    '# Liveness answered by Nginx itself.',
    'location = /health/ {',
    ...[...headers(API_CSP), REQUEST_ID].map((h) => `    ${h}`),
    '    default_type application/json;',
    `    return 200 '{"status":"ok"}\\n';`,
    '}',
    '',
    '# Metrics are scraped from each process directly, never through the public entry.',
    'location ^~ /metrics {',
    '    return 404;',
    '}',
    '',
    '# The API documentation page: static, bundled, nothing from a CDN.',
    'location = /docs {',
    '    return 301 /docs/;',
    '}',
    'location /docs/ {',
    ...[...headers(DOCS_CSP), REQUEST_ID].map((h) => `    ${h}`),
    `    alias ${options.docsRoot}/;`,
    '    index index.html;',
    '    expires 5m;',
    '}',
    '',
    'location / {',
    ...headers(API_CSP).map((h) => `    ${h}`),
    '    proxy_pass http://api;',
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection "";',
    '    proxy_set_header Host $host;',
    '    proxy_set_header X-Request-Id $request_id;',
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $scheme;',
    '    # Uploads stream to the API as they arrive (no full buffering on disk).',
    '    proxy_request_buffering off;',
    '    proxy_connect_timeout 2s;',
    '    proxy_send_timeout 300s;',
    '    proxy_read_timeout 300s;',
    '    # A dead replica costs a client nothing: see nginx/README.md for which requests move on.',
    '    proxy_next_upstream error timeout http_502 http_503 http_504 non_idempotent;',
    '    proxy_next_upstream_tries 3;',
    '    proxy_next_upstream_timeout 15s;',
    '}',
  ];
}

export function renderNginxConfig(options: NginxOptions): string {
  const rt = options.runtimeDir;
  const main = [
    '# Rendered by ops/nginx-config.ts; do not edit by hand.',
    ...(options.user !== null ? [`user ${options.user};`] : []),
    'worker_processes auto;',
    ...(rt !== null ? [`pid ${rt}/nginx.pid;`] : []),
    'error_log stderr warn;',
    '',
    'events {',
    '    worker_connections 2048;',
    '}',
    '',
  ].join('\n');
  const upstream = [
    'upstream api {',
    ...options.upstreams.map((u) => `    server ${u} max_fails=2 fail_timeout=5s;`),
    '    keepalive 32;',
    '}',
  ];
  const httpServer =
    options.tls === null
      ? [
          'server {',
          `    listen ${options.listenPort} default_server;`,
          indent(locations(options, false), 1),
          '}',
        ]
      : [
          'server {',
          `    listen ${options.listenPort} default_server;`,
          indent(
            [
              ...SECURITY_HEADERS,
              REQUEST_ID,
              'location = /health/ {',
              ...[...SECURITY_HEADERS, REQUEST_ID].map((h) => `    ${h}`),
              '    default_type application/json;',
              `    return 200 '{"status":"ok"}\\n';`,
              '}',
            ],
            1,
          ),
          `    location / {`,
          `        return 301 https://$host:${options.tls.port}$request_uri;`,
          '    }',
          '}',
        ];
  const tlsServer =
    options.tls === null
      ? []
      : [
          '',
          'server {',
          `    listen ${options.tls.port} ssl http2 default_server;`,
          `    ssl_certificate ${options.tls.certificate};`,
          `    ssl_certificate_key ${options.tls.key};`,
          '    ssl_protocols TLSv1.2 TLSv1.3;',
          '    ssl_prefer_server_ciphers off;',
          '    ssl_session_cache shared:SSL:10m;',
          '    ssl_session_timeout 1h;',
          indent(locations(options, true), 1),
          '}',
        ];
  const http = [
    'http {',
    indent(
      [
        'server_tokens off;',
        'types {',
        '    text/html html;',
        '    text/css css;',
        '    application/javascript js mjs;',
        '    application/json json;',
        '    image/svg+xml svg;',
        '    image/png png;',
        '    font/woff2 woff2;',
        '}',
        'default_type application/octet-stream;',
        '# The access log names the path without its query (filters may carry a CNPJ) and with the',
        "# emitter's CNPJ inside a chave masked, as the application logs do.",
        'map $uri $log_path {',
        '    "~^(?<head>/v1/nfe/[0-9A-Z]{6})[0-9A-Z]{14}(?<tail>.*)$" "${head}**************${tail}";',
        '    default $uri;',
        '}',
        `log_format json escape=json '{"time":"$time_iso8601","process":"nginx","reqId":"$request_id","method":"$request_method","path":"$log_path","status":$status,"bytesSent":$body_bytes_sent,"requestLength":$request_length,"ms":$request_time,"upstream":"$upstream_addr","upstreamStatus":"$upstream_status","upstreamMs":"$upstream_response_time"}';`,
        // Natively (under the supervisor, whose pipes are sockets Nginx cannot open as /dev/stdout)
        // the access log is a file in the runtime folder; in Docker it is the container's stdout.
        `access_log ${rt !== null ? `${rt}/access.log` : '/dev/stdout'} json;`,
        ...(rt !== null
          ? [
              `client_body_temp_path ${rt}/client_body;`,
              `proxy_temp_path ${rt}/proxy;`,
              `fastcgi_temp_path ${rt}/fastcgi;`,
              `uwsgi_temp_path ${rt}/uwsgi;`,
              `scgi_temp_path ${rt}/scgi;`,
            ]
          : []),
        'sendfile on;',
        'tcp_nopush on;',
        'keepalive_timeout 65s;',
        '',
        '# Uploads: the same limit as the API, generous timeouts for slow links, small headers.',
        `client_max_body_size ${options.maxBodyBytes};`,
        'client_body_buffer_size 256k;',
        'client_body_timeout 60s;',
        'client_header_timeout 30s;',
        'large_client_header_buffers 4 16k;',
        'send_timeout 60s;',
        '',
        'gzip on;',
        'gzip_types application/json text/css application/javascript image/svg+xml;',
        'gzip_min_length 1024;',
        'gzip_proxied any;',
        'gzip_vary on;',
        '',
        ...upstream,
        '',
        ...httpServer,
        ...tlsServer,
      ],
      1,
    ),
    '}',
  ].join('\n');
  return `${main}${http}\n`;
}
