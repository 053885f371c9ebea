// npm run db:create-admin -- <username> "<display name>"
// Creates the first administrator of a production database (TAAHIL_DEMO=off) and prints a
// single-use invitation link with which that person sets their password.

import { eq } from 'drizzle-orm';
import { randomString, sha256Hex } from '../server/auth/tokens.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/core/db.ts';
import { invitations, userRoles, users } from './schema.ts';

const [username, displayName] = process.argv.slice(2);
if (!username || !/^[a-z0-9._-]{3,40}$/i.test(username)) {
  console.error('Usage: npm run db:create-admin -- <username> "<display name>"  (username: 3-40 of a-z 0-9 . _ -)');
  process.exit(2);
}
const config = loadConfig();
const db = openDatabase(config.TAAHIL_DB);
if (db.select().from(users).where(eq(users.username, username.toLowerCase())).get()) {
  console.error(`A user named ${username} already exists.`);
  process.exit(1);
}
const token = randomString(32);
db.$client.transaction(() => {
  const id = db
    .insert(users)
    .values({ username: username.toLowerCase(), displayName: displayName ?? username })
    .returning()
    .get().id;
  db.insert(userRoles).values({ userId: id, role: 'admin' }).run();
  db.insert(invitations)
    .values({ tokenHash: sha256Hex(token), userId: id, expiresAt: new Date(Date.now() + 7 * 86_400_000) })
    .run();
})();
db.$client.close();
const base = config.TAAHIL_PUBLIC_URL ?? `http://localhost:${config.PORT}`;
console.log(
  `Administrator ${username} created. Open this link within 7 days to set the password:\n  ${base}/invite/${token}`,
);
