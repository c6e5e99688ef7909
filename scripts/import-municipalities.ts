/**
 * Imports a municipalities CSV from the command line, with a progress bar:
 *   npm run import:municipalities -- path/to/file.csv
 * Uses DATABASE_URL (or the embedded database in DATA_DIR) like the app. All or nothing.
 */
import { readFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { databaseTarget } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { migrateToLatest, openDatabase } from '../src/core/db/database.ts';
import { renameTerritoryInSearch } from '../src/modules/problems/problems.service.ts';
import { importMunicipalities, seedFederalSubjects } from '../src/modules/territories/territories.service.ts';

const file = process.argv[2];
if (!file) {
  console.error(
    'Usage: npm run import:municipalities -- <file.csv>\nColumns: region_oktmo, oktmo, okato, name, kind (municipal_district | municipal_okrug | urban_okrug)',
  );
  process.exit(2);
}
const csv = readFileSync(file, 'utf8');
const config = loadConfig();
const database = await openDatabase(databaseTarget(config));
try {
  await migrateToLatest(database.db);
  await database.db.transaction().execute((trx) => seedFederalSubjects(trx));
  const bar = new SingleBar({ format: 'Importing {bar} {percentage}% | {value}/{total} rows', hideCursor: true, stream: process.stderr });
  let started = false;
  const result = await importMunicipalities({ db: database.db }, csv, {
    actorId: null,
    renamed: renameTerritoryInSearch,
    onProgress(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.update(done);
    },
  });
  if (started) bar.stop();
  if (result.problems.length > 0) {
    console.error(`Nothing imported: ${result.problems.length} problem(s).`);
    for (const problem of result.problems.slice(0, 50)) {
      console.error(`  line ${problem.line}, ${problem.field}: ${problem.rule}${problem.params ? ` ${JSON.stringify(problem.params)}` : ''}`);
    }
    process.exitCode = 1;
  } else {
    console.log(`Imported: ${result.created} created, ${result.updated} updated.`);
  }
} finally {
  await database.close();
}
