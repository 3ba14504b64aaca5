// What both demo pages share: backend start-up with the selector, the status line, and the
// `window.__demo` object through which tests (and curious users) read the page's state.
import * as tf from '@tensorflow/tfjs-core';

import {requestedBackend, startBackend, wireSelector, type BackendName} from './backend.js';

/** State every page exposes on `window.__demo`. */
export interface DemoStateBase {
  page: 'regression' | 'digits';
  backend: BackendName | 'starting';
  /** Optimizer steps taken so far. */
  steps: number;
  /** Set once the page has drawn its first prediction. */
  ready: boolean;
}

declare global {
  interface Window {
    /** The page's state (a RegressionState or DigitsState), for tests and curious users. */
    __demo?: DemoStateBase;
  }
}

/** Returns the element with `id`, typed, or throws naming it. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`demo: element #${id} is missing or not a ${type.name}`);
  return el;
}

/** Writes one line into the page's status bar. */
export function setStatus(text: string): void {
  const el = document.getElementById('status');
  if (el !== null) el.textContent = text;
}

/** Starts a backend (see backend.ts), wires the selector, and resolves to the backend in use. */
export async function startPage(): Promise<BackendName> {
  setStatus('starting backend…');
  const backend = await startBackend(requestedBackend());
  wireSelector(byId('backend', HTMLSelectElement), backend);
  setStatus(`backend ${tf.getBackend()} ready`);
  return backend;
}
