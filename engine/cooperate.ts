import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * For long loops on a request path (storing a 1,000-document upload, walking its zip): after each
 * slice of `sliceMs` of work, `pause()` lets the event loop serve other requests (a status read
 * must not wait behind an upload's inflating and hashing). Resolved promises alone never yield:
 * they run as microtasks, before any I/O.
 */
export function cooperative(sliceMs = 4): { pause(): Promise<void> | undefined } {
  let sliceStart = performance.now();
  return {
    pause() {
      if (performance.now() - sliceStart < sliceMs) return undefined;
      return nextTurn().then(() => {
        sliceStart = performance.now();
      });
    },
  };
}
