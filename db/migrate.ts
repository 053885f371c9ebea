// npm run db:migrate — applies the committed migrations to TAAHIL_DB (start does this too).
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/core/db.ts';

const config = loadConfig();
const db = openDatabase(config.TAAHIL_DB);
db.$client.close();
console.log(`Migrations applied to ${config.TAAHIL_DB}`);
