import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IstioOperator } from '@kubernetes-models/istio/install.istio.io/v1alpha1/IstioOperator';
import { AuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { RequestAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/RequestAuthentication';
import { Telemetry } from '@kubernetes-models/istio/telemetry.istio.io/v1alpha1/Telemetry';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { loadConfig } from '../collector/src/config/load.ts';

const deployDir = dirname(fileURLToPath(import.meta.url));
const root = join(deployDir, '..');

type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function manifests(): { file: string; doc: Manifest }[] {
  const files = readdirSync(deployDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'));
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(deployDir, file), 'utf8')).map((d) => {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
      return { file, doc: d.toJS() as Manifest };
    }),
  );
}

const validators: Record<string, (doc: Manifest) => void> = {
  'v1/Namespace': (d) => new Namespace(d as never).validate(),
  'v1/ConfigMap': (d) => new ConfigMap(d as never).validate(),
  'v1/Service': (d) => new Service(d as never).validate(),
  'apps/v1/StatefulSet': (d) => new StatefulSet(d as never).validate(),
  'policy/v1/PodDisruptionBudget': (d) => new PodDisruptionBudget(d as never).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (d) => new NetworkPolicy(d as never).validate(),
  'security.istio.io/v1/RequestAuthentication': (d) => new RequestAuthentication(d as never).validate(),
  'security.istio.io/v1/AuthorizationPolicy': (d) => new AuthorizationPolicy(d as never).validate(),
  // The models ship Telemetry only as v1alpha1; v1 (Istio 1.22+) has the same spec.
  'telemetry.istio.io/v1/Telemetry': (d) => new Telemetry({ ...d, apiVersion: 'telemetry.istio.io/v1alpha1' } as never).validate(),
  'install.istio.io/v1alpha1/IstioOperator': (d) => {
    new IstioOperator(d as never).validate();
    checkExtensionProviders(d.spec?.meshConfig?.extensionProviders);
  },
};

// The IstioOperator model does not describe meshConfig, so its extension providers are checked here
// against istio/api mesh/v1alpha1 field names.
const providerFields: Record<string, string[]> = {
  zipkin: ['service', 'port', 'maxTagLength', 'enable64bitTraceId', 'path', 'traceContextOption', 'timeout', 'headers'],
  opentelemetry: ['service', 'port', 'maxTagLength', 'http', 'grpc', 'resourceDetectors', 'dynatraceSampler'],
  envoyOtelAls: ['service', 'port', 'logName', 'logFormat'],
};

function checkExtensionProviders(providers: unknown): void {
  if (!Array.isArray(providers) || providers.length === 0) throw new Error('meshConfig.extensionProviders must be a non-empty list');
  for (const provider of providers as Record<string, any>[]) {
    const kinds = Object.keys(provider).filter((k) => k !== 'name');
    if (typeof provider.name !== 'string' || kinds.length !== 1 || !(kinds[0]! in providerFields)) throw new Error(`bad provider ${JSON.stringify(provider)}`);
    const body = provider[kinds[0]!] as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => !providerFields[kinds[0]!]!.includes(k));
    if (unknown.length > 0) throw new Error(`provider ${provider.name}: unknown fields ${unknown.join(', ')}`);
    if (typeof body.service !== 'string' || !Number.isInteger(body.port)) throw new Error(`provider ${provider.name} needs service and port`);
  }
}

const all = manifests();
const find = (kind: string, name?: string) => {
  const found = all.filter(({ doc }) => doc.kind === kind && (name === undefined || doc.metadata.name === name)).map(({ doc }) => doc);
  if (found.length === 0) throw new Error(`no ${kind} ${name ?? ''} in deploy/`);
  return found;
};

describe('deploy/ manifests', () => {
  it('every YAML document is a known kind that its schema accepts', () => {
    expect(all.length).toBeGreaterThan(8);
    for (const { file, doc } of all) {
      const validate = validators[`${doc.apiVersion}/${doc.kind}`];
      expect(validate, `${file}: ${doc.apiVersion} ${doc.kind} has no validator`).toBeDefined();
      expect(() => validate!(doc), file).not.toThrow();
    }
  });

  it('the validators reject a broken document, so the check above means something', () => {
    const collector = structuredClone(find('StatefulSet', 'seam-collector')[0]!);
    collector.spec.replicas = 'two';
    expect(() => validators['apps/v1/StatefulSet']!(collector)).toThrow();
    const telemetry = structuredClone(find('Telemetry')[0]!);
    telemetry.spec.tracing[0].randomSamplingPercentage = 'all';
    expect(() => validators['telemetry.istio.io/v1/Telemetry']!(telemetry)).toThrow();
    const mesh = structuredClone(find('IstioOperator')[0]!);
    mesh.spec.meshConfig.extensionProviders[0].opentelemetry.endpoint = 'x';
    expect(() => validators['install.istio.io/v1alpha1/IstioOperator']!(mesh)).toThrow(/unknown fields endpoint/);
  });

  it('kustomization.yaml applies every Kubernetes manifest', () => {
    const kustomization = parseYaml(readFileSync(join(deployDir, 'kubernetes/kustomization.yaml'), 'utf8')) as { resources: string[] };
    const onDisk = readdirSync(join(deployDir, 'kubernetes')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(onDisk.sort());
  });

  it('runs at least two probed, resourced, non-root collector replicas that a disruption budget keeps available', () => {
    const collector = find('StatefulSet', 'seam-collector')[0]!;
    expect(collector.spec.replicas).toBeGreaterThanOrEqual(2);
    const pod = collector.spec.template;
    const container = pod.spec.containers[0];
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    const apiPort = container.ports.find((p: { name: string }) => p.name === container.livenessProbe.httpGet.port);
    expect(apiPort.containerPort).toBe(8080);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(container.resources.requests.memory).toBeDefined();
    expect(pod.spec.securityContext.runAsNonRoot).toBe(true);
    const pdb = find('PodDisruptionBudget')[0]!;
    expect(pdb.spec.selector.matchLabels).toEqual(collector.spec.selector.matchLabels);
    expect(pdb.spec.minAvailable).toBeLessThan(collector.spec.replicas);
  });

  it('keeps the write-ahead log on a per-replica PersistentVolume claim, which outlives the pod', () => {
    const collector = find('StatefulSet', 'seam-collector')[0]!;
    const configMap = find('ConfigMap', 'seam-config')[0]!;
    const config = loadConfig({ SEAM_DATA_DIR: (parseYaml(Object.values(configMap.data!)[0]!) as { dataDir: string }).dataDir });
    const container = collector.spec.template.spec.containers[0];
    const dataMount = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === config.dataDir);
    expect(collector.spec.template.spec.volumes.map((v: { name: string }) => v.name)).not.toContain(dataMount.name);
    const claim = collector.spec.volumeClaimTemplates.find((c: { metadata: { name: string } }) => c.metadata.name === dataMount.name);
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    const gib = Number(/^(\d+)Gi$/.exec(claim.spec.resources.requests.storage)![1]);
    expect(gib * 2 ** 30).toBeGreaterThan(config.writer.spoolMaxBytes);
  });

  it('exposes 4317, 4318, 9411 and 8080 on container ports the StatefulSet declares', () => {
    const service = find('Service', 'seam-collector')[0]!;
    const collector = find('StatefulSet', 'seam-collector')[0]!;
    const containerPorts = new Map<string, number>(collector.spec.template.spec.containers[0].ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
    expect(service.spec.selector).toEqual(collector.spec.selector.matchLabels);
    expect(service.spec.ports.map((p: { port: number }) => p.port).sort()).toEqual([4317, 4318, 8080, 9411]);
    for (const port of service.spec.ports) expect(containerPorts.get(port.targetPort)).toBe(port.port);
  });

  it('ships a config file the collector loads, with secrets left to the Secret', () => {
    const configMap = find('ConfigMap', 'seam-config')[0]!;
    const collector = find('StatefulSet', 'seam-collector')[0]!;
    const container = collector.spec.template.spec.containers[0];
    const volume = collector.spec.template.spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap?.name === 'seam-config');
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === volume.name);
    const configArg = container.args[container.args.indexOf('--config') + 1];
    expect(dirname(configArg)).toBe(mount.mountPath);
    const dir = mkdtempSync(join(tmpdir(), 'seam-deploy-'));
    try {
      const file = join(dir, 'seam.yaml');
      writeFileSync(file, configMap.data![configArg.split('/').at(-1)!]!);
      const config = loadConfig({}, file);
      expect(config.host).toBe('0.0.0.0');
      expect(config.ports).toEqual({ otlpHttp: 4318, otlpGrpc: 4317, zipkin: 9411, api: 8080 });
      expect(config.clickhouse.password).toBe('');
      expect(config.tokenHashes).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const secretEnv = Object.fromEntries(container.env.map((e: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }) => [e.name, e.valueFrom?.secretKeyRef?.name]));
    expect(secretEnv).toMatchObject({ CLICKHOUSE_PASSWORD: 'seam-credentials', SEAM_TOKEN_HASHES: 'seam-credentials' });
  });
});

describe('deploy/istio', () => {
  const service = find('Service', 'seam-collector')[0]!;
  const host = `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`;
  const providers = find('IstioOperator')[0]!.spec.meshConfig.extensionProviders as Record<string, any>[];
  const byName = new Map(providers.map((p) => [p.name as string, p]));

  it('points zipkin, OTLP gRPC, OTLP HTTP and the access-log provider at the Seam Service ports', () => {
    const ports = new Map<number, string>(service.spec.ports.map((p: { port: number; name: string }) => [p.port, p.name]));
    const kinds = providers.map((p) => (p.zipkin ? 'zipkin' : p.envoyOtelAls ? 'als' : p.opentelemetry.http ? 'otlp-http' : 'otlp-grpc'));
    expect(kinds.sort()).toEqual(['als', 'otlp-grpc', 'otlp-http', 'zipkin']);
    for (const provider of providers) {
      const body = provider.zipkin ?? provider.opentelemetry ?? provider.envoyOtelAls;
      expect(body.service).toBe(host);
      expect(ports.has(body.port)).toBe(true);
    }
    expect(providers.find((p) => p.zipkin)!.zipkin.port).toBe(9411);
    expect(providers.find((p) => p.opentelemetry?.http)!.opentelemetry).toMatchObject({ port: 4318, http: { path: '/v1/traces' } });
    expect(providers.find((p) => p.opentelemetry && !p.opentelemetry.http)!.opentelemetry.port).toBe(4317);
  });

  it('labels access logs with the response code details and RBAC metadata Seam reads decisions from', () => {
    const labels = providers.find((p) => p.envoyOtelAls)!.envoyOtelAls.logFormat.labels as Record<string, string>;
    expect(labels.response_code_details).toBe('%RESPONSE_CODE_DETAILS%');
    expect(Object.values(labels)).toContain('%DYNAMIC_METADATA(envoy.filters.http.rbac)%');
    expect(labels.cf_ray).toBe('%REQ(CF-RAY)%');
  });

  it('tags spans with the ray id, the claim header and the client address, using defined providers', () => {
    const telemetry = find('Telemetry')[0]!;
    const tracing = telemetry.spec.tracing[0];
    for (const { name } of [...tracing.providers, ...telemetry.spec.accessLogging[0].providers]) expect(byName.has(name)).toBe(true);
    expect(tracing.customTags['cf.ray']).toEqual({ header: { name: 'cf-ray' } });
    expect(tracing.customTags['client.address'].header.name).toBeDefined();
    const claimHeader = tracing.customTags['enduser.id'].header.name;
    // The header the tag reads is the one jwt_authn writes from the verified token's subject.
    for (const requestAuthentication of find('RequestAuthentication')) {
      expect(requestAuthentication.spec.jwtRules[0].outputClaimToHeaders).toContainEqual({ header: claimHeader, claim: 'sub' });
    }
    // The collector reads the subject from this tag by default.
    expect(loadConfig({}).enrich.claimTags).toContain('enduser.id');
  });
});

describe('docker-compose.yml and Dockerfile', () => {
  const compose = parseYaml(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, any> };
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('pins every image it pulls and builds the rest from files that exist', () => {
    const pulled = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!).filter((image) => !/^(runtime|demo)$/.test(image));
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build) {
        expect(existsSync(join(root, service.build.context, service.build.dockerfile)), name).toBe(true);
        expect(dockerfile, name).toMatch(new RegExp(`^FROM .* AS ${service.build.target}$`, 'm'));
      } else pulled.push(service.image);
    }
    expect(pulled.length).toBeGreaterThanOrEqual(3);
    for (const image of pulled) expect(image, image).toMatch(/^[\w./-]+:(?!latest$)[\w.-]*\d[\w.-]*$/);
  });

  it('mounts only files that exist', () => {
    for (const service of Object.values(compose.services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(existsSync(join(root, source)), volume).toBe(true);
      }
    }
  });

  it('health-checks every server and starts each after what it needs is healthy', () => {
    for (const name of ['clickhouse', 'collector', 'grafana']) expect(compose.services[name].healthcheck?.test, name).toBeDefined();
    expect(compose.services.collector.healthcheck.test.join(' ')).toContain('http://127.0.0.1:8080/healthz');
    expect(compose.services.collector.depends_on.clickhouse.condition).toBe('service_healthy');
    expect(compose.services.demo.depends_on.collector.condition).toBe('service_healthy');
  });

  it('configures the collector for ClickHouse on the network, and Grafana with the ClickHouse plugin', () => {
    const env = compose.services.collector.environment;
    expect(env).toMatchObject({ SEAM_HOST: '0.0.0.0', CLICKHOUSE_URL: 'http://clickhouse:8123' });
    // Off loopback the collector refuses to start without tokens unless auth is explicitly off.
    expect(env.SEAM_AUTH === 'off' || Boolean(env.SEAM_TOKEN_HASHES)).toBe(true);
    expect(compose.services.grafana.environment.GF_INSTALL_PLUGINS).toMatch(/^grafana-clickhouse-datasource \d+\.\d+\.\d+$/);
    for (const port of ['4317:4317', '4318:4318', '9411:9411', '8080:8080']) expect(compose.services.collector.ports).toContain(port);
  });

  it('runs the collector as a non-root user and the demo as `npm run demo`', () => {
    const runtime = dockerfile.slice(0, dockerfile.indexOf(' AS demo'));
    expect(runtime).toMatch(/^USER (?!root)\w+$/m);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(dockerfile.slice(dockerfile.indexOf(' AS demo'))).toContain('CMD ["npm", "run", "demo"]');
    expect(compose.services.demo.build.target).toBe('demo');
  });
});
