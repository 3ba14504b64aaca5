#!/usr/bin/env node
// The `tfjs-probability` command: the CLI compiled by `npm run build` (src/cli/bin.ts → dist/cli.js).
import '../dist/cli.js';
