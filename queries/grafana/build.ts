/**
 * Writes `dashboards/*.json` from `spec.ts` and the panel SQL. `--check` writes nothing and exits 1
 * when a committed file is stale (the dashboard test runs the same comparison).
 *
 *   npx tsx queries/grafana/build.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dashboardFile, dashboards, grafanaDir, renderDashboardJson } from './spec.ts';

const check = process.argv.includes('--check');
let stale = 0;
for (const spec of dashboards) {
  const path = join(grafanaDir, 'dashboards', dashboardFile(spec));
  const json = renderDashboardJson(spec);
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // A missing file is stale like any other.
  }
  if (current === json) continue;
  stale++;
  if (check) console.error(`stale: ${path}`);
  else {
    writeFileSync(path, json);
    console.log(`wrote ${path}`);
  }
}
if (check && stale > 0) {
  console.error('run: npx tsx queries/grafana/build.ts');
  process.exit(1);
}
