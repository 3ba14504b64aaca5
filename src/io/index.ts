// tfp.io: model files in Node without tfjs-node (atomic file:// save, validated load).
import {registerFileSystemRouter} from './file_system.js';

export {fileSystem, registerFileSystemRouter, writeFileAtomic} from './file_system.js';
export {loadLayersModel} from './load.js';
export {ModelBeingWrittenError, ModelLockedError} from './errors.js';
export {DEFAULT_MAX_MODEL_JSON_BYTES, DEFAULT_MAX_WEIGHT_BYTES} from './manifest.js';
export type {FileSystemOptions, LoadLayersModelOptions} from './manifest.js';

registerFileSystemRouter();
