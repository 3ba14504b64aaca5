#!/usr/bin/env node
// The package test: what a user gets from `npm install tfjs-probability`, checked from the packed
// tarball in a fresh temporary folder that cannot see this repository's node_modules. Run by
// `npm run test:package` and by .ci/run. Every command and its output is printed.
//
//   1. npm pack (after npm run build), tarball size
//   2. npm install @tensorflow/tfjs (+ the wasm backend) and the tarball into an empty folder
//   3. an ES module script and a CommonJS script: train a small Bayesian model, predict with
//      uncertainty, save and load; setWasmBackend from another working directory (CommonJS)
//   4. a strict TypeScript user file under moduleResolution NodeNext and Bundler, skipLibCheck off,
//      with lines that must not compile (@ts-expect-error)
//   5. a browser app bundled by esbuild and by Vite from the installed package, run in Debian's
//      Chromium on the wasm and webgl backends: a prediction with uncertainty on the page, no
//      console error; bundle sizes of a minimal denseFlipout app (minified, gzip)
//   6. the installed bin: --help, --version, a one-epoch fake-data train, predict, report
//   7. are-the-types-wrong on the tarball
//   8. an older @tensorflow/tfjs: npm refuses it (peer range); two copies of tfjs-core forced
//      side by side: a TfjsInstanceError at import
// Tools (TypeScript, esbuild, Vite, attw, playwright-core) come from this repository's devDependencies
// and are run by absolute path; the user folder's node_modules holds only what a user installs.
// Options: --no-build (use the existing dist/), --keep (leave the temporary folder), --skip-browser.
import {spawnSync} from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {gzipSync} from 'node:zlib';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const tool = (name) => path.join(repo, 'node_modules', '.bin', name);
const tfjsVersion = JSON.parse(fs.readFileSync(path.join(repo, 'node_modules/@tensorflow/tfjs/package.json'), 'utf8')).version;
const started = Date.now();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfp-package-'));
const app = path.join(tmp, 'app');
let failures = 0;

// npm run sets npm_config_* / npm_package_* for this process; a nested npm must not inherit them
// (npm_config_prefix and friends would point it back at this repository).
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

function section(title) {
  process.stdout.write(`\n=== ${title} ===\n`);
}

/** Runs a command, prints it and its output; throws unless it exits with `expect` (default 0). */
function run(cmd, argv, {cwd = app, expect = 0, env = {}, quiet = false, timeout = 300_000} = {}) {
  const shown = [cmd, ...argv].map((a) => a.startsWith(tmp) ? a.replace(tmp, '$TMP') : a).join(' ');
  process.stdout.write(`$ ${cwd === app ? '' : `(cd ${cwd.replace(tmp, '$TMP')}) `}${shown}\n`);
  const r = spawnSync(cmd, argv, {cwd, env: {...cleanEnv, ...env}, encoding: 'utf8', timeout,
    maxBuffer: 64 * 1024 * 1024});
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n').filter((l) => !/^=+$|Hi, looks like you are running TensorFlow\.js in Node\.js/.test(l)).join('\n').trim();
  if (!quiet && out) process.stdout.write(`${out}\n`);
  if (quiet && out && expect !== null && r.status !== expect) process.stdout.write(`${out}\n`);
  process.stdout.write(`[exit ${r.status ?? r.signal}]\n`);
  if (expect !== null && r.status !== expect) {
    throw new Error(`${shown}: exit ${r.status ?? r.signal}, expected ${expect}`);
  }
  return out;
}

async function step(title, fn) {
  section(title);
  const t0 = Date.now();
  try {
    await fn();
    process.stdout.write(`ok: ${title} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
  } catch (e) {
    failures++;
    process.stdout.write(`FAILED: ${title}: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), {recursive: true});
  fs.writeFileSync(file, text);
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KiB`;
}

// ---------------------------------------------------------------------------------------------
let tarball = '';
await step('npm pack', async () => {
  if (!args.has('--no-build')) run('npm', ['run', 'build'], {cwd: repo, quiet: true});
  const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {cwd: repo, quiet: true});
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  tarball = path.join(tmp, info.filename);
  process.stdout.write(`${info.filename}: ${kb(info.size)} packed, ${kb(info.unpackedSize)} unpacked, ` +
      `${info.files.length} files\n${info.files.map((f) => `  ${f.path} (${kb(f.size)})`).join('\n')}\n`);
  const shipped = info.files.map((f) => f.path);
  for (const must of ['LICENSE', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts',
    'dist/index.d.cts', 'dist/cli.js', 'data/digits.u8.br', 'data/boston.csv']) {
    if (!shipped.includes(must)) throw new Error(`the tarball must contain ${must}`);
  }
  const stray = shipped.filter((f) => /^(src|assembly|test|bench|docs|examples)\/|\.map$/.test(f));
  if (stray.length > 0) throw new Error(`the tarball must not ship sources, docs or sourcemaps; got ${stray.join(', ')}`);
});

await step('npm install into an empty folder', async () => {
  write(path.join(app, 'package.json'), JSON.stringify({name: 'tfp-user', private: true, type: 'module'}, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `@tensorflow/tfjs@${tfjsVersion}`,
    `@tensorflow/tfjs-backend-wasm@${tfjsVersion}`, tarball]);
  run('npm', ['ls', '--all', '@tensorflow/tfjs-core']);
});

// ---------------------------------------------------------------------------------------------
const TRAIN_AND_PREDICT = `
const N = 64;
const x = tf.linspace(-1, 1, N).reshape([N, 1]);
const y = tf.sin(tf.mul(x, 3));
const kl = tfp.layers.util.klDivergenceFn({weight: 1 / N});
const model = tf.sequential({layers: [
  tfp.layers.denseFlipout({units: 16, activation: 'relu', inputShape: [1], kernelDivergenceFn: kl, seed: 1}),
  tfp.layers.denseFlipout({units: 1, kernelDivergenceFn: kl, seed: 2}),
]});
model.compile({optimizer: tf.train.adam(0.02), loss: 'meanSquaredError'});
const h = await model.fit(x, y, {epochs: 20, batchSize: 16, verbose: 0});
const draws = tfp.predictive.predictMC(model, tf.tensor2d([[0], [3]]), {samples: 30});
const {mean, variance} = tf.moments(draws, 0);
const m = await mean.data();
const s = Array.from(await variance.data(), Math.sqrt);
if (!(s[0] > 0 && s[1] > 0)) throw new Error('no predictive spread');
`;

await step('ES module script (import)', async () => {
  write(path.join(app, 'esm.mjs'), `import * as tf from '@tensorflow/tfjs';
import * as tfp from 'tfjs-probability';
${TRAIN_AND_PREDICT}
const dir = process.argv[2];
await model.save(tfp.io.fileSystem(dir));
const loaded = await tfp.io.loadLayersModel(dir + '/model.json');
const a = tfp.layers.withPosteriorMean(model, () => model.predict(x)).dataSync();
const b = tfp.layers.withPosteriorMean(loaded, () => loaded.predict(x)).dataSync();
if (a.some((v, i) => v !== b[i])) throw new Error('the loaded model predicts differently');
let typed = false;
try { await tfp.backends.setWebGPUBackend(); } catch (e) { typed = e instanceof tfp.util.BackendUnavailableError; }
if (!typed) throw new Error('setWebGPUBackend without the webgpu package must throw BackendUnavailableError');
console.log(\`esm: loss \${h.history.loss[0].toFixed(3)} -> \${h.history.loss.at(-1).toFixed(3)}; \` +
  \`predictive at x=0: \${m[0].toFixed(3)} ± \${s[0].toFixed(3)}, at x=3 (outside the data): \${m[1].toFixed(3)} ± \${s[1].toFixed(3)}; \` +
  \`saved and loaded (same posterior-mean predictions); setWebGPUBackend without 'webgpu': BackendUnavailableError\`);
`);
  run('node', ['esm.mjs', path.join(tmp, 'esm-model')]);
});

await step('CommonJS script (require), setWasmBackend from another working directory', async () => {
  write(path.join(app, 'cjs.cjs'), `const tf = require('@tensorflow/tfjs');
const tfp = require('tfjs-probability');
(async () => {
  const info = await tfp.backends.setWasmBackend();
  ${TRAIN_AND_PREDICT}
  console.log(\`cjs (cwd \${process.cwd()}): backend \${info.backend}, simd \${info.simd}; loss \${h.history.loss[0].toFixed(3)} -> \` +
    \`\${h.history.loss.at(-1).toFixed(3)}; predictive at x=0: \${m[0].toFixed(3)} ± \${s[0].toFixed(3)}, at x=3: \${m[1].toFixed(3)} ± \${s[1].toFixed(3)}\`);
})().catch((e) => { console.error(e); process.exit(1); });
`);
  run('node', [path.join(app, 'cjs.cjs')], {cwd: os.tmpdir()});
});

// ---------------------------------------------------------------------------------------------
await step('TypeScript: strict user file, NodeNext and Bundler, skipLibCheck off', async () => {
  write(path.join(app, 'types/user.ts'), `import * as tf from '@tensorflow/tfjs';
import * as tfp from 'tfjs-probability';

const model = tf.sequential({layers: [
  tfp.layers.denseFlipout({units: 4, activation: 'relu', inputShape: [3], seed: 1}),
  tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, padding: 'same', dataFormat: 'channelsLast'}),
]});
const posterior: tfp.layers.util.DistributionFn = tfp.layers.util.defaultMeanFieldNormalFn({
  locInitializer: tf.initializers.zeros()});
const draws: tf.Tensor = tfp.predictive.predictMC(model, tf.zeros([2, 3]), {samples: 4});
export async function gpu(): Promise<string> {
  try {
    return (await tfp.backends.setWebGPUBackend()).backend;
  } catch (e) {
    if (e instanceof tfp.util.BackendUnavailableError) return 'cpu';
    throw e;
  }
}
// @ts-expect-error: not an argument of denseFlipout
tfp.layers.denseFlipout({units: 2, nonsense: true});
// @ts-expect-error: padding is 'valid' | 'same'
tfp.layers.conv2dFlipout({filters: 2, kernelSize: 3, padding: 'full'});
// @ts-expect-error: an initializer, not a plain object
tfp.layers.util.defaultMeanFieldNormalFn({locInitializer: {nonsense: true}});
// @ts-expect-error: activation is a tfjs activation name
tfp.layers.denseFlipout({units: 2, activation: 'relux'});
export {posterior, draws};
`);
  for (const [name, resolution, module] of [['nodenext', 'NodeNext', 'NodeNext'], ['bundler', 'Bundler', 'ESNext']]) {
    write(path.join(app, 'types', `tsconfig.${name}.json`), JSON.stringify({compilerOptions: {
      strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', module, moduleResolution: resolution,
      lib: ['ES2022', 'DOM'], types: []}, files: ['user.ts']}, null, 2));
    // tfjs's own .d.ts do not compile with skipLibCheck off (tfjs-core's hash_util needs @types/long,
    // tfjs-layers' keras_format types break its index signatures): those errors are counted and
    // shown, and every other error (this package's .d.ts, the user file) fails the check.
    const out = run(tool('tsc'), ['-p', path.join(app, 'types', `tsconfig.${name}.json`)], {expect: null, quiet: true});
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    const tfjsOwn = errors.filter((l) => l.startsWith('node_modules/@tensorflow/'));
    const ours = errors.filter((l) => !l.startsWith('node_modules/@tensorflow/'));
    if (ours.length > 0) throw new Error(`${resolution}: ${ours.length} type errors outside tfjs's own files:\n${ours.join('\n')}`);
    process.stdout.write(`${resolution}: no error in tfjs-probability's .d.ts or the user file; the 4 @ts-expect-error ` +
      `lines are errors as they must be; tfjs's own .d.ts: ${tfjsOwn.length} errors (${[...new Set(tfjsOwn.map((l) =>
        l.replace(/\(.*/, '').replace('node_modules/@tensorflow/', '')))].join(', ')})\n`);
  }
});

// ---------------------------------------------------------------------------------------------
const BROWSER_APP = `import * as tf from '@tensorflow/tfjs';
import {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';
import * as tfp from 'tfjs-probability';

const out = document.getElementById('out');
try {
  const backend = new URLSearchParams(location.search).get('backend') ?? 'wasm';
  if (backend === 'wasm') setWasmPaths(new URL('./wasm/', location.href).href);
  if (!(await tf.setBackend(backend))) throw new Error('backend ' + backend + ' did not start');
  await tf.ready();
  ${TRAIN_AND_PREDICT.replace(/\n/g, '\n  ')}
  window.__result = {backend: tf.getBackend(), mean: Array.from(m), stddev: s};
  out.textContent = \`\${tf.getBackend()}: f(0) = \${m[0].toFixed(3)} ± \${s[0].toFixed(3)}, f(3) = \${m[1].toFixed(3)} ± \${s[1].toFixed(3)}\`;
} catch (e) {
  window.__result = {error: String(e && e.stack || e)};
  out.textContent = 'error: ' + e;
  console.error(e);
}
`;
const MINIMAL_APP = `import * as tf from '@tensorflow/tfjs';
import * as tfp from 'tfjs-probability';
const model = tf.sequential({layers: [tfp.layers.denseFlipout({units: 1, inputShape: [1]})]});
console.log(model.predict(tf.ones([1, 1])).dataSync());
`;
const BASELINE_APP = `import * as tf from '@tensorflow/tfjs';
const model = tf.sequential({layers: [tf.layers.dense({units: 1, inputShape: [1]})]});
console.log(model.predict(tf.ones([1, 1])).dataSync());
`;

function serve(root) {
  const types = {'.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css'};
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {'content-type': types[path.extname(file)] ?? 'application/octet-stream'});
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function runPage(browser, url) {
  const page = await browser.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForFunction(() => window.__result !== undefined, null, {timeout: 120_000});
  const result = await page.evaluate(() => window.__result);
  const text = await page.textContent('#out');
  await page.close();
  return {result, text, errors};
}

const bundles = [];
await step('browser bundles: esbuild and Vite from the installed package', async () => {
  const web = path.join(app, 'web');
  write(path.join(web, 'main.js'), BROWSER_APP);
  write(path.join(web, 'minimal.js'), MINIMAL_APP);
  write(path.join(web, 'baseline.js'), BASELINE_APP);
  const html = (src) => `<!doctype html><html><head><meta charset="utf-8"><title>tfp</title>` +
    `<link rel="icon" href="data:,"></head><body><p id="out">…</p><script type="module" src="${src}"></script></body></html>\n`;
  // esbuild
  const esb = path.join(web, 'esbuild');
  run(tool('esbuild'), ['main.js', '--bundle', '--format=esm', '--platform=browser', '--minify', '--target=es2022',
    `--outfile=${path.join(esb, 'main.js')}`], {cwd: web});
  write(path.join(esb, 'index.html'), html('./main.js'));
  for (const name of ['minimal', 'baseline']) {
    run(tool('esbuild'), [`${name}.js`, '--bundle', '--format=esm', '--platform=browser', '--minify', '--target=es2022',
      `--outfile=${path.join(web, 'sizes', `${name}.js`)}`], {cwd: web, quiet: true});
    const bytes = fs.readFileSync(path.join(web, 'sizes', `${name}.js`));
    bundles.push({name, min: bytes.length, gzip: gzipSync(bytes, {level: 9}).length});
  }
  const [minimal, baseline] = bundles;
  process.stdout.write(`minimal denseFlipout app (esbuild --minify): ${kb(minimal.min)} minified, ${kb(minimal.gzip)} gzip; ` +
    `the same app with tf.layers.dense and no tfjs-probability: ${kb(baseline.min)} / ${kb(baseline.gzip)}; ` +
    `tfjs-probability adds ${kb(minimal.min - baseline.min)} / ${kb(minimal.gzip - baseline.gzip)}\n`);
  // Vite
  write(path.join(web, 'index.html'), html('./main.js'));
  write(path.join(web, 'vite.config.mjs'), `export default {root: ${JSON.stringify(web)}, base: './', logLevel: 'warn',
  build: {outDir: ${JSON.stringify(path.join(web, 'vite'))}, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192}};\n`);
  run(tool('vite'), ['build', '--config', path.join(web, 'vite.config.mjs')], {cwd: web});
  const wasmDir = path.join(app, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const dir of [esb, path.join(web, 'vite')]) {
    fs.mkdirSync(path.join(dir, 'wasm'), {recursive: true});
    for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
      fs.copyFileSync(path.join(wasmDir, f), path.join(dir, 'wasm', f));
    }
  }
  for (const [name, dir] of [['esbuild', esb], ['vite', path.join(web, 'vite')]]) {
    const js = fs.readdirSync(dir, {recursive: true}).filter((f) => String(f).endsWith('.js'));
    const size = js.reduce((n, f) => n + fs.statSync(path.join(dir, String(f))).size, 0);
    process.stdout.write(`${name} bundle of the test app: ${kb(size)} of JavaScript\n`);
  }
});

await step('browser bundles run in Chromium (wasm, webgl)', async () => {
  if (args.has('--skip-browser')) {
    process.stdout.write('skipped (--skip-browser)\n');
    return;
  }
  const chromiumPath = '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing (apt-get install chromium)`);
  const {chromium} = await import(pathToFileURL(path.join(repo, 'node_modules/playwright-core/index.mjs')).href);
  const browser = await chromium.launch({executablePath: chromiumPath, args: ['--headless', '--no-sandbox',
    '--disable-background-networking', '--disable-component-update', '--no-first-run',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader']});
  try {
    for (const bundler of ['esbuild', 'vite']) {
      const server = await serve(path.join(app, 'web', bundler));
      const port = server.address().port;
      try {
        for (const backend of ['wasm', 'webgl']) {
          const {result, text, errors} = await runPage(browser, `http://127.0.0.1:${port}/index.html?backend=${backend}`);
          process.stdout.write(`${bundler} / ${backend}: page shows "${text}"; console errors: ${errors.length}\n`);
          if (result.error) throw new Error(`${bundler} / ${backend}: ${result.error}`);
          if (result.backend !== backend) throw new Error(`${bundler}: backend ${result.backend}, expected ${backend}`);
          if (errors.length > 0) throw new Error(`${bundler} / ${backend}: console errors ${JSON.stringify(errors)}`);
        }
      } finally {
        server.close();
      }
    }
  } finally {
    await browser.close();
  }
});

// ---------------------------------------------------------------------------------------------
await step('the installed bin', async () => {
  const bin = path.join(app, 'node_modules/.bin/tfjs-probability');
  run(bin, ['--help']);
  run(bin, ['-h'], {quiet: true});
  run(bin, ['--version']);
  run(bin, ['trian'], {expect: 2});
  run(bin, ['train', '--fake-data', '--model', 'mlp-flipout', '--epochs', '1', '--samples', '4', '--out', 'run']);
  write(path.join(app, 'digit.json'), JSON.stringify(Array.from({length: 28}, (_, i) =>
    Array.from({length: 28}, (_, j) => (Math.abs(j - 14) < 3 && i > 4 && i < 24 ? 1 : 0)))));
  run(bin, ['predict', '--model-dir', 'run', '--samples', '8', 'digit.json']);
  run(bin, ['report', '--model-dir', 'run', '--fake-data', '--samples', '4']);
  run(bin, ['uci', '--splits', '1', '--epochs', '2', '--samples', '4', '--methods', 'flipout,deterministic']);
  for (const f of ['run/model.json', 'run/history.json', 'run/report/report.html']) {
    if (!fs.existsSync(path.join(app, f))) throw new Error(`${f} was not written`);
  }
});

await step('are-the-types-wrong', async () => {
  run(tool('attw'), [tarball, '--format', 'ascii']);
});

await step('version skew: an older @tensorflow/tfjs, and two copies of tfjs-core', async () => {
  const old = path.join(tmp, 'old');
  write(path.join(old, 'package.json'), JSON.stringify({name: 'tfp-old', private: true, type: 'module'}));
  const refused = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '@tensorflow/tfjs@4.0.0', tarball],
      {cwd: old, expect: 1, quiet: true});
  const line = refused.split('\n').find((l) => /Conflicting peer dependency|ERESOLVE/.test(l));
  if (!line) throw new Error(`npm must refuse @tensorflow/tfjs@4.0.0 with a peer conflict; got ${refused}`);
  process.stdout.write(`npm install @tensorflow/tfjs@4.0.0 tfjs-probability: refused (${refused.split('\n')
      .filter((l) => /ERESOLVE|Conflicting peer|peer.*tfjs-probability/.test(l)).slice(0, 3).join(' | ')})\n`);
  // Two copies side by side (what --legacy-peer-deps can leave): the user's tfjs-core first.
  const dup = path.join(tmp, 'dup');
  fs.cpSync(app, dup, {recursive: true, filter: (src) => !src.includes(`${path.sep}web${path.sep}`)});
  const nested = path.join(dup, 'node_modules/tfjs-probability/node_modules/@tensorflow');
  fs.mkdirSync(nested, {recursive: true});
  for (const p of ['tfjs-core', 'tfjs-layers']) {
    fs.cpSync(path.join(app, 'node_modules/@tensorflow', p), path.join(nested, p), {recursive: true});
  }
  write(path.join(dup, 'dup.mjs'), `import * as tf from '@tensorflow/tfjs';
try {
  await import('tfjs-probability');
  console.log('imported without an error');
  process.exit(1);
} catch (e) {
  console.log(\`\${e.name}: \${e.message}\`);
  process.exit(e.name === 'TfjsInstanceError' ? 0 : 1);
}
`);
  run('node', ['dup.mjs'], {cwd: dup});
});

section('summary');
process.stdout.write(`${failures === 0 ? 'all package checks passed' : `${failures} package check(s) FAILED`} ` +
    `in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
if (!args.has('--keep')) fs.rmSync(tmp, {recursive: true, force: true});
else process.stdout.write(`kept ${tmp}\n`);
process.exit(failures === 0 ? 0 : 1);
