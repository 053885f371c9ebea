// npm run backup [-- --out <folder>]
// Writes a consistent copy of the database and the uploads folder while the app keeps running.
// The database goes through SQLite's online backup API (better-sqlite3's db.backup()), which copies
// a single point-in-time snapshot even while other connections write; the copy is then checked with
// PRAGMA integrity_check. Layout of a backup folder:
//   <folder>/taahil.sqlite    the database (a self-contained file, no -wal needed)
//   <folder>/uploads/         a copy of TAAHIL_UPLOADS (when it exists)
//   <folder>/backup.json      what was copied, when, and the row counts of a few tables
// Restore: see README "Backups and restore".

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { loadConfig } from '../server/config.ts';

export interface BackupResult {
  folder: string;
  database: string;
  uploads: string | null;
  files: number;
  bytes: number;
  counts: Record<string, number>;
}

const COUNTED = ['users', 'members', 'activities', 'sessions', 'enrolments', 'attendance', 'certificates', 'audit_log'];

function stamp(d: Date) {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Copies the database (online backup) and the uploads folder into `out` (created; must not hold a backup yet). */
export async function backup(opts: { db: string; uploads: string; out: string }): Promise<BackupResult> {
  const source = path.resolve(opts.db);
  if (!fs.existsSync(source)) throw new Error(`No database at ${source} (TAAHIL_DB).`);
  const folder = path.resolve(opts.out);
  const target = path.join(folder, 'taahil.sqlite');
  if (fs.existsSync(target)) throw new Error(`${target} already exists; choose another --out folder.`);
  fs.mkdirSync(folder, { recursive: true });

  // a connection of our own: the online backup restarts by itself when the app writes meanwhile
  const src = new Database(source, { fileMustExist: true });
  src.pragma('busy_timeout = 5000');
  const tmp = `${target}.partial`;
  fs.rmSync(tmp, { force: true });
  try {
    await src.backup(tmp);
  } finally {
    src.close();
  }
  const copy = new Database(tmp);
  let counts: Record<string, number> = {};
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new Error(`The copy failed its integrity check: ${String(check)}`);
    // a self-contained file: no WAL next to it
    copy.pragma('journal_mode = DELETE');
    const tables = new Set(
      (copy.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    counts = Object.fromEntries(
      COUNTED.filter((t) => tables.has(t)).map((t) => [
        t,
        (copy.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n,
      ]),
    );
  } finally {
    copy.close();
  }
  fs.renameSync(tmp, target);

  let uploads: string | null = null;
  let files = 0;
  let bytes = fs.statSync(target).size;
  const uploadsSource = path.resolve(opts.uploads);
  if (fs.existsSync(uploadsSource)) {
    uploads = path.join(folder, 'uploads');
    fs.cpSync(uploadsSource, uploads, { recursive: true, errorOnExist: true, force: false });
    for (const entry of fs.readdirSync(uploads, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      files++;
      bytes += fs.statSync(path.join(entry.parentPath, entry.name)).size;
    }
  }
  const result: BackupResult = { folder, database: target, uploads, files, bytes, counts };
  fs.writeFileSync(
    path.join(folder, 'backup.json'),
    `${JSON.stringify({ at: new Date().toISOString(), source, uploadsSource, ...result }, null, 2)}\n`,
  );
  return result;
}

function parseArgs(argv: string[]) {
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out' || a === '-o') out = argv[++i];
    else if (a.startsWith('--out=')) out = a.slice(6);
    else if (a === '--help' || a === '-h') return { help: true as const };
    else throw new Error(`Unknown argument ${a}. Usage: npm run backup [-- --out <folder>]`);
  }
  if (out === '') throw new Error('--out needs a folder');
  return { out, help: false as const };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log('Usage: npm run backup [-- --out <folder>]   (default: db/backups/<date-time>/)');
    return;
  }
  const config = loadConfig();
  const out = args.out ?? path.join(path.dirname(path.resolve(config.TAAHIL_DB)), 'backups', stamp(new Date()));
  const r = await backup({ db: config.TAAHIL_DB, uploads: config.TAAHIL_UPLOADS, out });
  console.log(`Backup written to ${r.folder}`);
  console.log(`  database: ${r.database} (integrity ok)`);
  console.log(`  uploads:  ${r.uploads ? `${r.uploads} (${r.files} files)` : 'none'}`);
  console.log(
    `  rows:     ${Object.entries(r.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
