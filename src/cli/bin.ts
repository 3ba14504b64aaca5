// The `tfjs-probability` command (package.json "bin"): runs the CLI and exits with its code.
// Compiled by the build to dist/cli.js; `npm start` runs this file from source (tsx).
// The CLI needs `@tensorflow/tfjs` (a peer dependency: the user's tfjs); without it, one line
// naming the package to install and exit code 2, not a stack trace.

let main: typeof import('./main.js').main;
try {
  ({main} = await import('./main.js'));
} catch (e) {
  const m = /Cannot find (?:package|module) '([^']+)'/.exec(e instanceof Error ? e.message : String(e));
  if (m === null) throw e;
  const name = m[1]!.startsWith('@') ? m[1]!.split('/').slice(0, 2).join('/') : m[1]!.split('/')[0]!;
  process.stderr.write(`error: tfjs-probability's command line needs the package ${name}; install it with ` +
      `\`npm install ${name}\`.\n`);
  process.exit(2);
}
// exit() rather than exitCode: the threaded wasm backend's workers would keep the process alive.
process.exit(await main(process.argv.slice(2)));
export {};
