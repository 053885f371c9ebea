// @ts-check
/**
 * `npm start`: runs the server compiled ahead of time, as one plain JavaScript file without
 * loader hooks (running the TypeScript sources through tsx costs about a second at every start:
 * every module goes through a transform and a round-trip to tsx's worker, and Node resolves and
 * links some 700 files one by one).
 *
 * The compiled file is .build/server-<digest>.cjs, where <digest> is a hash of everything it is
 * made from (every .ts under server/ and db/, this file, tsconfig.json and the installed
 * packages' lock). A start hashes those files (a few ms): the file of that digest exists, so it
 * is run as is; otherwise esbuild bundles server/main.ts with the packages it uses into it first
 * (about a second). A build is never served for other sources than its own, whatever the
 * files' dates say. Beside it, .build/server-<digest>.v8cache keeps the code V8 compiled during
 * the first start (written once the app listens), so later starts skip most of the compiling.
 *
 * This file is JavaScript because it runs before anything is compiled. `npm run dev` and the
 * tests run the TypeScript sources directly (tsx, vitest).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** dot-folder at the top of the project, ignored by git (see .gitignore) */
export const BUILD_DIR = '.build';

/** Packages left out of the bundle: native addons, and pino (its transports run in worker threads by file name). */
const EXTERNAL = ['better-sqlite3', '@node-rs/argon2', 'pino'];

/** The files the compiled server is made from, relative to root, sorted. */
export function buildInputs(root = ROOT) {
  const files = ['server/start.js', 'tsconfig.json', 'package-lock.json', 'node_modules/.package-lock.json'].filter(
    (f) => fs.existsSync(path.join(root, f)),
  );
  /** @param {string} dir */
  const walk = (dir) => {
    // (a walk of our own: readdirSync's `recursive` costs some 15 ms more at start on Node 20)
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(`${dir}/${e.name}`);
      else if (e.name.endsWith('.ts')) files.push(`${dir}/${e.name}`);
    }
  };
  walk('server');
  walk('db');
  return files.sort();
}

/** A hash of the names and contents of every input: a different source gives a different compiled file. */
export function sourceDigest(root = ROOT) {
  const hash = createHash('sha256');
  for (const f of buildInputs(root)) {
    hash.update(`${f}\0`);
    hash.update(fs.readFileSync(path.join(root, f)));
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** esbuild (a dependency), loaded only when a build is needed. */
const loadEsbuild = () => createRequire(import.meta.url)('esbuild');

/** Writes a file under a temporary name then renames it, so a concurrent start never reads half of it.
 * @param {string} file
 * @param {(tmp: string) => unknown} write
 */
async function writeWhole(file, write) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await write(tmp);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Bundles server/main.ts with everything it imports (db/demo.ts, every feature's routes.ts and
 * the packages but EXTERNAL) into one CommonJS file at `outfile` (CommonJS so that
 * run() can hand V8 a code cache). Returns the files it was made of (relative to root).
 * @param {string} outfile
 * @returns {Promise<string[]>}
 */
export async function compile(outfile, root = ROOT) {
  /** @type {import('esbuild')} */
  const esbuild = loadEsbuild();
  /** @type {string[]} */
  let inputs = [];
  await writeWhole(outfile, async (tmp) => {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: [path.join(root, 'server/main.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: EXTERNAL,
      // the sources find their folders from import.meta.url (server/core/paths.ts): run() passes the file's URL
      define: { 'import.meta.url': '__importMetaUrl' },
      logLevel: 'warning',
      metafile: true,
    });
    inputs = Object.keys(result.metafile.inputs);
  });
  return inputs;
}

/**
 * The compiled server for the current sources: builds it when missing, and forgets compiled
 * files of other sources (after a minute, so a start that is reading one is never disturbed).
 * @returns {Promise<{ file: string, built: boolean, buildMs: number }>}
 */
export async function ensureBuilt(root = ROOT) {
  const dir = path.join(root, BUILD_DIR);
  for (;;) {
    const digest = sourceDigest(root);
    const file = path.join(dir, `server-${digest}.cjs`);
    if (fs.existsSync(file)) return { file, built: false, buildMs: 0 };
    fs.mkdirSync(dir, { recursive: true });
    const t0 = performance.now();
    await compile(file, root);
    const buildMs = Math.round(performance.now() - t0);
    // a source saved while esbuild was reading would make this file lie about its digest
    if (sourceDigest(root) !== digest) {
      fs.rmSync(file, { force: true });
      continue;
    }
    for (const old of fs.readdirSync(dir)) {
      const p = path.join(dir, old);
      if (
        !old.startsWith(`server-${digest}.`) &&
        old.startsWith('server-') &&
        Date.now() - fs.statSync(p).mtimeMs > 60_000
      )
        fs.rmSync(p, { force: true });
    }
    return { file, built: true, buildMs };
  }
}

/**
 * How far V8 lets the heap grow past what the last full collection kept, set when the server
 * starts. Left to itself, V8 raised that limit by up to 4 times on this 24 GiB machine: under the
 * benchmark's 10 connections the heap grew to 187 MB while about 40 MB of it was alive, and the
 * server's peak RSS came to 292-297 MB (the goal is 300). At most doubling it, the same benchmark
 * peaked at 225 MB, with the same CPU per request against the bare route. 20 % or 50 % saved more
 * memory (198 MB) but made the 300-member roster page, which keeps its rows, cost 30-50 % more
 * CPU in full collections. V8 reads the flag at each full collection, so setting it here, before
 * the app is loaded, is enough; `npm run dev` and the tests keep V8's default.
 */
const HEAP_GROWTH = '--heap-growing-percent=100';

/**
 * Runs a compiled file as Node runs a CommonJS module, with V8's code cache kept beside it: the
 * first start writes it when the app calls globalThis.taahilStarted() (server/main.ts, once
 * listening), so it holds the code of everything a start runs.
 * @param {string} file
 */
export function run(file) {
  const cacheFile = file.replace(/\.cjs$/, '.v8cache');
  /** @type {Buffer | undefined} */
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // strict like the ES modules it is made of; one line, so the file's line numbers hold in stack traces
  const wrapped = `(function (exports, require, module, __filename, __dirname, __importMetaUrl) {"use strict";${fs.readFileSync(file, 'utf8')}\n})`;
  const script = new vm.Script(wrapped, {
    filename: file,
    cachedData,
    // an import() left in the bundle loads as it would from a file of its own
    importModuleDynamically: vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    /** @type {{ taahilStarted?: () => void }} */ (globalThis).taahilStarted = () => {
      writeWhole(cacheFile, (tmp) => fs.writeFileSync(tmp, script.createCachedData())).catch(() => {
        // no cache (a read-only folder): the next start compiles again
      });
    };
  }
  const module = { exports: {} };
  script.runInThisContext()(
    module.exports,
    createRequire(file),
    module,
    file,
    path.dirname(file),
    pathToFileURL(file).href,
  );
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, built, buildMs } = await ensureBuilt();
  if (built) console.log(`Compiled the server into ${path.relative(ROOT, file)} in ${buildMs} ms`);
  // `npm run build` (--build): compile only, e.g. when the app's user may not write .build/
  if (process.argv.includes('--build')) {
    if (!built) console.log(`${path.relative(ROOT, file)} is up to date`);
  } else {
    v8.setFlagsFromString(HEAP_GROWTH);
    run(file);
  }
}
