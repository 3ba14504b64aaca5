// The errors of tfp.io's file handler that a caller may want to tell apart from a bad file: a load
// that met a model another process kept replacing (retry it), and a save that waited too long for
// the folder's lock. Both are ValueErrors, so code that catches ValueError still catches them.
import {ValueError} from '../util/errors.js';

/**
 * A load met a model folder whose model.json another save kept switching to new weights while it
 * was read. The folder is not damaged: retry the load when the saves pause.
 */
export class ModelBeingWrittenError extends ValueError {
  override name = 'ModelBeingWrittenError';
}

/**
 * A save waited longer than `lockTimeoutMs` for the lock of its folder, which another save (in this
 * or another process) holds. Retry, or remove the lock file if no save is running.
 */
export class ModelLockedError extends ValueError {
  override name = 'ModelLockedError';
}
