import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dashboard, DataSourceRef, Panel, VariableModel } from '@grafana/schema';

/**
 * The dashboards' layout. Each panel's SQL lives in `panels/<dashboard>/<file>.sql` (its leading comment
 * becomes the panel description); `build.ts` turns this and the SQL into `dashboards/*.json`.
 */

export const grafanaDir = dirname(fileURLToPath(import.meta.url));

/** Must match `provisioning/datasources/seam.yaml`. */
export const datasource: DataSourceRef = { type: 'grafana-clickhouse-datasource', uid: 'seam-clickhouse' };

export type PanelType = 'timeseries' | 'stat' | 'table' | 'barchart' | 'traces';

export interface PanelSpec {
  file: string;
  title: string;
  type: PanelType;
  width: number;
  height: number;
  unit?: string;
  /** Series drawn stacked to 100 %. */
  percentStack?: boolean;
  /** Table columns holding trace ids, linked to the trace view. */
  traceColumns?: string[];
}

export type VariableName = 'service' | 'subject' | 'layer' | 'rotation_hours' | 'trace_id';

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  folder: string;
  variables: VariableName[];
  panels: PanelSpec[];
}

const agreementUid = 'seam-agreement';
const traceSql = 'panels/agreement/05_trace.sql';

export const dashboards: DashboardSpec[] = [
  {
    uid: 'seam-authorization',
    title: 'Seam / Authorization decisions',
    description: 'Every authorization decision at the edge and in the mesh: rates, who is denied, why, by which policy, and what dry-run policies would deny.',
    folder: 'authorization',
    variables: ['service', 'subject', 'layer'],
    panels: [
      { file: '01_decision_rate.sql', title: 'Decisions per second by layer', type: 'timeseries', width: 18, height: 8, unit: 'reqps' },
      { file: '02_deny_share.sql', title: 'Deny share', type: 'stat', width: 6, height: 4, unit: 'percentunit' },
      { file: '08_dry_run_would_deny_total.sql', title: 'Dry-run would deny', type: 'stat', width: 6, height: 4, unit: 'short' },
      { file: '03_denied_subjects.sql', title: 'Top denied subjects', type: 'table', width: 12, height: 9 },
      { file: '04_denied_groups.sql', title: 'Top denied groups', type: 'table', width: 12, height: 9 },
      { file: '05_deny_reasons.sql', title: 'Deny reasons', type: 'barchart', width: 12, height: 9, unit: 'short' },
      { file: '06_denying_policies.sql', title: 'Policies that deny most', type: 'table', width: 12, height: 9 },
      { file: '07_dry_run_would_deny.sql', title: 'Dry-run policies: would deny', type: 'table', width: 24, height: 7 },
    ],
  },
  {
    uid: agreementUid,
    title: 'Seam / Edge ↔ mesh agreement',
    description: 'Where the edge (Workers) and the mesh (Istio) disagree about the same caller, and traffic that reached the mesh without the edge.',
    folder: 'agreement',
    variables: ['service', 'subject', 'trace_id'],
    panels: [
      { file: '01_mismatches_by_kind.sql', title: 'Mismatches by kind', type: 'timeseries', width: 16, height: 8, unit: 'short' },
      { file: '02_edge_bypass.sql', title: 'Edge bypass (mesh without edge)', type: 'stat', width: 8, height: 4, unit: 'short' },
      { file: '03_edge_allow_mesh_deny.sql', title: 'Edge allowed, mesh denied', type: 'stat', width: 8, height: 4, unit: 'short' },
      { file: '04_mismatch_list.sql', title: 'Mismatches', type: 'table', width: 24, height: 10, traceColumns: ['Edge trace', 'Mesh trace'] },
      { file: '05_trace.sql', title: 'Trace ${trace_id}', type: 'traces', width: 24, height: 14 },
    ],
  },
  {
    uid: 'seam-continuity',
    title: 'Seam / Trace continuity',
    description: 'How edge requests were tied to their mesh requests: by one trace id, by a fallback key (ray id, request id, identity and time), or not at all.',
    folder: 'continuity',
    variables: ['service', 'subject'],
    panels: [
      { file: '01_link_methods_over_time.sql', title: 'Edge requests by link method', type: 'timeseries', width: 16, height: 8, unit: 'short', percentStack: true },
      { file: '02_trace_id_share.sql', title: 'Linked by trace id', type: 'stat', width: 8, height: 4, unit: 'percentunit' },
      { file: '03_unlinked_share.sql', title: 'Unlinked', type: 'stat', width: 8, height: 4, unit: 'percentunit' },
      { file: '04_per_worker.sql', title: 'Per Worker', type: 'table', width: 12, height: 8 },
      { file: '05_per_gateway.sql', title: 'Per gateway', type: 'table', width: 12, height: 8 },
      { file: '06_fallback_links.sql', title: 'Links that needed a fallback', type: 'table', width: 24, height: 10, traceColumns: ['Edge trace', 'Mesh trace'] },
    ],
  },
  {
    uid: 'seam-keys',
    title: 'Seam / Keys and rotation',
    description: 'Token signing keys (kid) in use at the edge, their age, and requests signed by keys past the rotation window.',
    folder: 'keys',
    variables: ['service', 'subject', 'rotation_hours'],
    panels: [
      { file: '02_keys_in_use_count.sql', title: 'Keys in use', type: 'stat', width: 6, height: 4, unit: 'short' },
      { file: '03_requests_past_window.sql', title: 'Requests past rotation window (${rotation_hours} h)', type: 'stat', width: 6, height: 4, unit: 'short' },
      { file: '04_requests_by_key.sql', title: 'Edge requests by signing key', type: 'timeseries', width: 12, height: 8, unit: 'short' },
      { file: '01_keys_in_use.sql', title: 'Signing keys', type: 'table', width: 24, height: 8 },
    ],
  },
  {
    uid: 'seam-latency',
    title: 'Seam / Latency split',
    description: 'Where a request spends its time: edge, gateway, sidecars and application, per route (self time of each layer\'s spans).',
    folder: 'latency',
    variables: ['service', 'subject', 'layer'],
    panels: [
      { file: '02_self_time_over_time.sql', title: 'Time per request by layer', type: 'timeseries', width: 18, height: 8, unit: 'ms' },
      { file: '03_edge_share.sql', title: 'Share of time at the edge', type: 'stat', width: 6, height: 4, unit: 'percentunit' },
      { file: '01_self_time_by_route.sql', title: 'Time per request by route and layer (ms)', type: 'table', width: 24, height: 10 },
    ],
  },
];

const variableModels: Record<VariableName, VariableModel> = {
  service: {
    name: 'service',
    label: 'Service',
    type: 'query',
    datasource,
    query: readSql('panels/variables/service.sql'),
    refresh: 2,
    multi: true,
    includeAll: true,
    current: { text: 'All', value: '$__all' },
    description: 'Workers, gateways and workloads (ServiceName).',
  },
  subject: {
    name: 'subject',
    label: 'Subject',
    type: 'textbox',
    query: '',
    current: { text: '', value: '' },
    description: 'One caller (the token\'s sub claim); empty for everyone.',
  },
  layer: {
    name: 'layer',
    label: 'Layer',
    type: 'custom',
    query: 'edge,gateway,sidecar,app',
    multi: true,
    includeAll: true,
    current: { text: 'All', value: '$__all' },
  },
  rotation_hours: {
    name: 'rotation_hours',
    label: 'Rotation window (h)',
    type: 'custom',
    query: '24,48,72,168,720',
    allowCustomValue: true,
    current: { text: '24', value: '24' },
    description: 'A key first seen longer ago than this is past its rotation window.',
  },
  trace_id: {
    name: 'trace_id',
    label: 'Trace id',
    type: 'textbox',
    query: '',
    current: { text: '', value: '' },
    description: 'Set by the trace links in the tables.',
  },
};

export function readSql(relative: string): string {
  return readFileSync(join(grafanaDir, relative), 'utf8').trimEnd() + '\n';
}

/** The leading `--` comment of a panel's SQL, as one sentence for the panel description. */
export function sqlDescription(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, ''));
  }
  return lines.join(' ');
}

const queryTypes: Record<PanelType, { queryType: string; format: number }> = {
  // The plugin's Format enum: 0 time series, 1 table, 3 trace.
  timeseries: { queryType: 'timeseries', format: 0 },
  stat: { queryType: 'table', format: 1 },
  table: { queryType: 'table', format: 1 },
  barchart: { queryType: 'table', format: 1 },
  traces: { queryType: 'traces', format: 3 },
};

function traceLinks(): unknown[] {
  return [
    {
      title: 'Open in this dashboard\'s trace panel',
      url: `/d/${agreementUid}/?var-trace_id=\${__value.raw}&\${__url_time_range}`,
    },
    {
      title: 'Open trace in Explore',
      url: '',
      internal: {
        datasourceUid: datasource.uid,
        datasourceName: 'Seam ClickHouse',
        query: {
          refId: 'A',
          datasource,
          editorType: 'sql',
          queryType: 'traces',
          format: 3,
          rawSql: readSql(traceSql).replace('${trace_id}', '${__value.raw}'),
        },
      },
    },
  ];
}

function buildPanel(spec: DashboardSpec, panel: PanelSpec, id: number, x: number, y: number): Panel {
  const sql = readSql(`panels/${spec.folder}/${panel.file}`);
  const { queryType, format } = queryTypes[panel.type];
  const custom: Record<string, unknown> = {};
  if (panel.percentStack) Object.assign(custom, { stacking: { mode: 'percent', group: 'A' }, fillOpacity: 60, drawStyle: 'line' });
  const overrides = (panel.traceColumns ?? []).map((column) => ({
    matcher: { id: 'byName', options: column },
    properties: [{ id: 'links', value: traceLinks() }],
  }));
  const options: Record<string, unknown> = {
    timeseries: { legend: { displayMode: 'table', placement: 'right', calcs: ['mean', 'max'] }, tooltip: { mode: 'multi' } },
    stat: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' },
    table: { showHeader: true, cellHeight: 'sm' },
    barchart: { orientation: 'horizontal', showValue: 'auto', legend: { showLegend: false } },
    traces: {},
  }[panel.type] as Record<string, unknown>;
  return {
    id,
    type: panel.type,
    title: panel.title,
    description: sqlDescription(sql),
    datasource,
    gridPos: { x, y, w: panel.width, h: panel.height },
    fieldConfig: { defaults: { ...(panel.unit ? { unit: panel.unit } : {}), ...(Object.keys(custom).length ? { custom } : {}) }, overrides },
    options,
    targets: [{ refId: 'A', datasource, editorType: 'sql', queryType, format, rawSql: sql }],
  };
}

export function buildDashboard(spec: DashboardSpec): Dashboard {
  const panels: Panel[] = [];
  // Left to right, wrapping at Grafana's 24 columns; a row is as tall as its tallest panel.
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const [index, panel] of spec.panels.entries()) {
    if (x + panel.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    panels.push(buildPanel(spec, panel, index + 1, x, y));
    x += panel.width;
    rowHeight = Math.max(rowHeight, panel.height);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ['seam'],
    editable: true,
    schemaVersion: 41,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: 'browser',
    graphTooltip: 1,
    links: [{ title: 'Seam dashboards', type: 'dashboards', tags: ['seam'], asDropdown: true, icon: 'external link', includeVars: true, keepTime: true, targetBlank: false, tooltip: '', url: '' }],
    templating: { list: spec.variables.map((name) => variableModels[name]) },
    panels,
  };
}

/** File name under `dashboards/` for a dashboard. */
export function dashboardFile(spec: DashboardSpec): string {
  return `${spec.folder}.json`;
}

export function renderDashboardJson(spec: DashboardSpec): string {
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`;
}
