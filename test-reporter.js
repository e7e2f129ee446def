'use strict';
// Mocha's spec output, then the totals line CI reads ("N passed, N failed"), also saved for .ci/run.
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class TotalsReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures } = runner.stats;
      const line = `${passes} passed, ${failures} failed`;
      const dir = path.join(__dirname, '.tmp');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'test-totals'), `${line}\n`);
      process.stdout.write(`\n${line}\n`);
    });
  }
}

module.exports = TotalsReporter;
