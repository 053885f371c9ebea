// @ts-check
/**
 * `npm start`: runs the server compiled ahead of time, as one plain JavaScript file without
 * loader hooks (running the TypeScript sources through tsx costs about a second at every start:
 * every module goes through a transform and a round-trip to tsx's worker).
 *
 * The compiled file is .build/server-<digest>.js, where <digest> is a hash of everything it is
 * made from (every .ts under server/ and db/, this file, tsconfig.json and the installed
 * packages' lock). A start hashes those files (a few ms): the file of that digest exists, so it
 * is run as is; otherwise esbuild bundles server/main.ts into it first (about a second). A
 * build can never be served for other sources than its own, whatever the files' dates say.
 *
 * This file is JavaScript because it runs before anything is compiled. `npm run dev` and the
 * tests run the TypeScript sources directly (tsx, vitest).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** dot-folder at the top of the project, ignored by git (see .gitignore) */
export const BUILD_DIR = '.build';

/** Packages left out of the bundle: native addons, and pino (its transports run in worker threads by file name). */
const EXTERNAL = ['better-sqlite3', '@node-rs/argon2', 'pino'];

/** The files the compiled server is made from, relative to root, sorted. */
export function buildInputs(root = ROOT) {
  const files = ['server/start.js', 'tsconfig.json', 'package-lock.json', 'node_modules/.package-lock.json'];
  for (const dir of ['server', 'db']) {
    for (const f of fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.ts')) files.push(path.posix.join(dir, f.split(path.sep).join('/')));
    }
  }
  return files.filter((f) => fs.existsSync(path.join(root, f))).sort();
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

/** esbuild comes with tsx (a dependency); looked up through tsx when it is not at the top of node_modules. */
function loadEsbuild() {
  const require = createRequire(import.meta.url);
  try {
    return require('esbuild');
  } catch {
    return createRequire(require.resolve('tsx/package.json'))('esbuild');
  }
}

/**
 * Bundles server/main.ts (with everything it imports, db/demo.ts and every feature's routes.ts
 * included) into one ES module at `outfile`, written under a temporary name then renamed, so
 * a concurrent start never reads half a file. Returns the files it was made of (relative to root).
 * @param {string} outfile
 * @returns {Promise<string[]>}
 */
export async function compile(outfile, root = ROOT) {
  /** @type {import('esbuild')} */
  const esbuild = loadEsbuild();
  const tmp = `${outfile}.${process.pid}.tmp`;
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'server/main.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // bundled CommonJS packages call require() for Node's own modules
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
    metafile: true,
  });
  fs.renameSync(tmp, outfile);
  return Object.keys(result.metafile.inputs);
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
    const file = path.join(dir, `server-${digest}.js`);
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
      if (p !== file && /^server-/.test(old) && Date.now() - fs.statSync(p).mtimeMs > 60_000)
        fs.rmSync(p, { force: true });
    }
    return { file, built: true, buildMs };
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { file, built, buildMs } = await ensureBuilt();
  if (built) console.log(`Compiled the server into ${path.relative(ROOT, file)} in ${buildMs} ms`);
  await import(pathToFileURL(file).href);
}
