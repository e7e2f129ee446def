import { dropTestDatabases } from './test-databases';

/** Root hooks (loaded by .mocharc.json): the databases the run created are dropped at the end. */
export const mochaHooks = {
  async afterAll(): Promise<void> {
    await dropTestDatabases();
  },
};
