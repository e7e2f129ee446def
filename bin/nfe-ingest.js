#!/usr/bin/env node
'use strict';
// Entry point of the `nfe-ingest` command: runs the compiled CLI (built by `npm ci` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');

const main = path.join(__dirname, '..', 'dist', 'engine', 'cli', 'main.js');
if (!fs.existsSync(main)) {
  process.stderr.write(
    'nfe-ingest: the project is not built; run `npm ci` (or `npm run build`) first\n',
  );
  process.exit(2);
}
require(main)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
