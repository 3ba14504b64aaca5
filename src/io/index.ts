// tfp.io: model files in Node without tfjs-node (atomic file:// save, validated load).
import {registerFileSystemRouter} from './file_system.js';

export {fileSystem, registerFileSystemRouter, writeFileAtomic} from './file_system.js';
export {loadLayersModel} from './load.js';

registerFileSystemRouter();
