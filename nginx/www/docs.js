'use strict';
// Renders /openapi.json: one section per operation, with parameters, request bodies, responses and
// examples. Plain DOM, no dependencies, nothing loaded from elsewhere (the page's CSP forbids it).

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children.flat())
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function resolve(doc, schema) {
  if (schema && schema.$ref) return doc.components.schemas[schema.$ref.split('/').pop()] || {};
  return schema || {};
}

function schemaName(schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.type === 'array' && schema.items) return `array of ${schemaName(schema.items)}`;
  if (Array.isArray(schema.type)) return schema.type.join(' | ');
  return schema.enum ? `${schema.type} (${schema.enum.join(', ')})` : schema.type || 'object';
}

function renderOperation(doc, path, method, op) {
  const section = el('section', {
    class: 'endpoint',
    id: op.operationId,
    'data-operation': op.operationId,
  });
  section.append(
    el(
      'h3',
      {},
      el('span', { class: `method ${method}` }, method.toUpperCase()),
      ' ',
      el('code', {}, path),
    ),
  );
  section.append(el('p', { class: 'summary' }, op.summary || ''));
  if (op.description) section.append(el('p', {}, op.description));
  if (op.security && op.security.length === 0)
    section.append(el('p', { class: 'note' }, 'No API key needed.'));
  const params = op.parameters || [];
  if (params.length > 0) {
    section.append(el('h4', {}, 'Parameters'));
    section.append(
      el(
        'table',
        {},
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            el('th', {}, 'name'),
            el('th', {}, 'in'),
            el('th', {}, 'type'),
            el('th', {}, 'description'),
          ),
        ),
        el(
          'tbody',
          {},
          params.map((p) =>
            el(
              'tr',
              {},
              el('td', {}, el('code', {}, p.name), p.required ? ' *' : ''),
              el('td', {}, p.in),
              el('td', {}, schemaName(p.schema)),
              el('td', {}, p.description || ''),
            ),
          ),
        ),
      ),
    );
  }
  if (op.requestBody) {
    section.append(el('h4', {}, 'Request body'));
    section.append(
      el(
        'ul',
        {},
        Object.keys(op.requestBody.content).map((t) => el('li', {}, el('code', {}, t))),
      ),
    );
  }
  section.append(el('h4', {}, 'Responses'));
  const list = el('dl', { class: 'responses' });
  for (const [status, response] of Object.entries(op.responses)) {
    const types = Object.entries(response.content || {});
    list.append(el('dt', { class: `status s${status[0]}xx` }, status));
    list.append(
      el(
        'dd',
        {},
        response.description || '',
        types.map(([t, c]) =>
          el('div', {}, el('code', {}, t), c.schema ? ` — ${schemaName(c.schema)}` : ''),
        ),
      ),
    );
    for (const [, c] of types) {
      if (c.example !== undefined)
        list.append(
          el('dd', {}, el('pre', { class: 'example' }, JSON.stringify(c.example, null, 2))),
        );
    }
  }
  section.append(list);
  return section;
}

async function main() {
  const res = await fetch('/openapi.json');
  const doc = await res.json();
  document.title = doc.info.title;
  document.getElementById('description').textContent = doc.info.description;
  const toc = document.getElementById('toc');
  const endpoints = document.getElementById('endpoints');
  for (const tag of doc.tags) {
    const group = el(
      'section',
      { class: 'tag', id: `tag-${tag.name}` },
      el('h2', {}, tag.name),
      el('p', {}, tag.description),
    );
    const links = el('ul', {});
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (!(op.tags || []).includes(tag.name)) continue;
        group.append(renderOperation(doc, path, method, op));
        links.append(
          el('li', {}, el('a', { href: `#${op.operationId}` }, `${method.toUpperCase()} ${path}`)),
        );
      }
    }
    toc.append(el('h2', {}, tag.name), links);
    endpoints.append(group);
  }
  const errors = resolve(doc, resolve(doc, doc.components.schemas.Error).properties.error)
    .properties.code.enum;
  const tbody = document.querySelector('#error-table tbody');
  const statuses = {};
  for (const ops of Object.values(doc.paths))
    for (const op of Object.values(ops))
      for (const [s, r] of Object.entries(op.responses))
        if (s >= '400') statuses[s] = r.description;
  for (const [s, d] of Object.entries(statuses).sort())
    tbody.append(el('tr', {}, el('td', {}, s), el('td', {}, d)));
  tbody.append(el('tr', {}, el('td', {}, 'codes'), el('td', {}, errors.join(', '))));
  document.body.setAttribute('data-ready', 'true');
}

main().catch((err) => {
  document.getElementById('description').textContent =
    `Could not load /openapi.json: ${err.message}`;
});
