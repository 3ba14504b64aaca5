// Optional compute backends (WebGPU from Node, wasm helpers); nothing here loads until called.
export * from './webgpu.js';
export * from './wasm.js';
