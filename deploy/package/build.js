#!/usr/bin/env node
// Builds the publishable `cdp360` npm package from the workspaces (see docs/adr/0002-one-npm-package.md):
//
//   node deploy/package/build.js [--out DIR] [--no-pack]
//
// 1. esbuild bundles the TypeScript sources of services/cli (src/main.ts) and of every @cdp360/*
//    workspace it reaches (each one's `types` entry, src/index.ts) into one file, dist/cdp.js; the
//    swc build is not needed. Third-party packages stay outside the bundle and become real
//    `dependencies` (with the ranges the workspaces declare).
// 2. The files the code reads at run time (migrations, Lua scripts, the batch SQL, event schemas, ...)
//    are copied to the same place relative to the package root as relative to the repository root. Each
//    module's `__dirname` is rewritten to the folder it had in the repository, inside the package, so
//    `path.resolve(__dirname, '../lua')` finds the same file in the checkout and in the package.
// 3. npm-shrinkwrap.json pins the dependency tree to the versions of package-lock.json (the ones CI
//    tested), and `npm pack` writes DIR/cdp360-<version>.tgz. The tarball's path is the last line printed.
//
// Stage and tarball go to dist/ at the repository root by default (git-ignored).

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const { builtinModules } = require('node:module');
const path = require('node:path');
const esbuild = require('esbuild');

const ROOT = path.resolve(__dirname, '../..');

/**
 * Files and folders the bundled code reads at run time, relative to the repository root, and the
 * workspace whose code reads them: copied when that workspace is part of the CLI, and then required.
 */
const RUNTIME_FILES = [
  { path: 'schemas/sql', workspace: '@cdp360/postgres' },
  { path: 'packages/postgres/src/batch-customer-360.sql', workspace: '@cdp360/postgres' },
  { path: 'packages/redis/lua', workspace: '@cdp360/redis' },
  { path: 'schemas/events', workspace: '@cdp360/cli' },
  // The dashboard's own files, next to its source.
  { path: 'services/serve/src/dashboard/static', workspace: '@cdp360/serve' },
];

/** Workspace folders the package may contain code from (node_modules/@cdp360/* link here). */
const WORKSPACE_DIRS = ['packages', 'services', 'bench'];

function fail(message) {
  process.stderr.write(`deploy/package/build.js: ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function parseArgs(argv) {
  const opts = { out: path.join(ROOT, 'dist'), pack: true };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) opts.out = path.resolve(argv[++i]);
    else if (argv[i] === '--no-pack') opts.pack = false;
    else fail(`unknown argument ${argv[i]} (expected --out DIR, --no-pack)`);
  }
  return opts;
}

/** name -> { dir, manifest } for every workspace. */
function workspaces() {
  const found = new Map();
  for (const top of WORKSPACE_DIRS) {
    const base = path.join(ROOT, top);
    const dirs = fs.existsSync(path.join(base, 'package.json'))
      ? [base]
      : fs.readdirSync(base).map((d) => path.join(base, d));
    for (const dir of dirs) {
      const file = path.join(dir, 'package.json');
      if (!fs.existsSync(file)) continue;
      const manifest = readJson(file);
      found.set(manifest.name, { dir, manifest });
    }
  }
  return found;
}

/**
 * Third-party dependencies of the CLI's workspace closure: name -> range. Two workspaces asking for
 * different ranges of one package is an error (the bundle can hold only one).
 */
function thirdPartyDependencies(all, from, seen = new Set()) {
  const ranges = new Map();
  const visit = (name, via) => {
    if (seen.has(name)) return;
    seen.add(name);
    const ws = all.get(name);
    if (!ws) fail(`${via} depends on ${name}, which is not a workspace`);
    for (const [dep, range] of Object.entries(ws.manifest.dependencies ?? {})) {
      if (dep.startsWith('@cdp360/')) {
        visit(dep, name);
        continue;
      }
      const prev = ranges.get(dep);
      if (prev && prev.range !== range) {
        fail(`${dep} is declared as ${prev.range} by ${prev.by} and as ${range} by ${name}; make them agree`);
      }
      ranges.set(dep, { range, by: name });
    }
  };
  visit(from, 'the package');
  return new Map([...ranges].map(([name, { range }]) => [name, range]));
}

function packageName(request) {
  const parts = request.split('/');
  return request.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * esbuild plugin: @cdp360/* resolve to their TypeScript entry points; third-party imports stay external
 * (and are recorded); our modules get their own __dirname.
 */
function cdpPlugin(all, imported) {
  const builtins = new Set(builtinModules);
  return {
    name: 'cdp360',
    setup(build) {
      build.onResolve({ filter: /^@cdp360\// }, (args) => {
        const ws = all.get(args.path);
        if (!ws?.manifest.types)
          throw new Error(`${args.path} (imported by ${args.importer}) is not a workspace with "types"`);
        return { path: path.join(ws.dir, ws.manifest.types) };
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:') || builtins.has(args.path)) return { path: args.path, external: true };
        imported.add(packageName(args.path));
        return { path: args.path, external: true };
      });
      build.onLoad({ filter: /\.[jt]s$/ }, (args) => {
        const rel = path.relative(ROOT, args.path);
        if (rel.startsWith('..') || rel.split(path.sep).includes('node_modules')) return undefined;
        let contents = fs.readFileSync(args.path, 'utf8');
        if (/\b__filename\b/.test(contents)) {
          throw new Error(`${rel} uses __filename; teach deploy/package/build.js to map it as it maps __dirname`);
        }
        const dir = path.dirname(rel).split(path.sep).join('/');
        contents = contents.replace(/\b__dirname\b/g, `__cdpDir(${JSON.stringify(dir)})`);
        return { contents, loader: args.path.endsWith('.ts') ? 'ts' : 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
}

/** The runtime files of the workspaces in the bundle, copied to the stage; their paths. */
function copyRuntimeFiles(stage, bundled) {
  const copied = [];
  for (const { path: rel, workspace } of RUNTIME_FILES) {
    if (!bundled.has(workspace)) continue;
    const from = path.join(ROOT, rel);
    if (!fs.existsSync(from)) fail(`${rel} (read at run time by ${workspace}) is missing`);
    fs.cpSync(from, path.join(stage, rel), { recursive: true });
    copied.push(rel);
  }
  return copied;
}

/** npm-shrinkwrap.json from package-lock.json: the same versions CI installed, pruned to this package. */
function shrinkwrap(stage) {
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(stage, 'package-lock.json'));
  execFileSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: stage, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  fs.renameSync(path.join(stage, 'package-lock.json'), path.join(stage, 'npm-shrinkwrap.json'));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rootManifest = readJson(path.join(ROOT, 'package.json'));
  const all = workspaces();
  const cli = all.get('@cdp360/cli');
  if (!cli) fail('services/cli (@cdp360/cli) not found');
  if (cli.manifest.version !== rootManifest.version) {
    fail(`services/cli is at ${cli.manifest.version} but the root package.json at ${rootManifest.version}`);
  }
  const entry = path.join(cli.dir, 'src/main.ts');

  const stage = path.join(opts.out, 'npm');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(path.join(stage, 'dist'), { recursive: true });

  const imported = new Set();
  await esbuild.build({
    entryPoints: [entry],
    outfile: path.join(stage, 'dist/cdp.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Error classes and the like keep their names (as swc's keepClassNames does for the workspaces).
    keepNames: true,
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    banner: {
      js: [
        // The V8 flags of services/updater/src/node-flags.ts (a shebang cannot import them).
        '#!/usr/bin/env -S node --max-semi-space-size=128',
        '// cdp360 command line, bundled by deploy/package/build.js. Each module of the repository sees',
        '// __dirname as its folder in the repository, inside this package.',
        'const __cdpDir = (rel) => require("node:path").join(__dirname, "..", rel);',
      ].join('\n'),
    },
    plugins: [cdpPlugin(all, imported)],
  });

  const bundled = new Set();
  const declared = thirdPartyDependencies(all, '@cdp360/cli', bundled);
  const undeclared = [...imported].filter((name) => !declared.has(name)).sort();
  if (undeclared.length > 0) {
    fail(`the bundle imports ${undeclared.join(', ')}, which no workspace of the CLI declares as a dependency`);
  }
  const runtimeFiles = copyRuntimeFiles(stage, bundled);
  fs.copyFileSync(path.join(ROOT, 'LICENSE'), path.join(stage, 'LICENSE'));
  fs.copyFileSync(path.join(ROOT, 'README.md'), path.join(stage, 'README.md'));

  const manifest = {
    name: rootManifest.name,
    version: rootManifest.version,
    description: rootManifest.description,
    license: rootManifest.license,
    engines: rootManifest.engines,
    bin: { cdp: 'dist/cdp.js' },
    files: ['dist', 'LICENSE', 'README.md', 'npm-shrinkwrap.json', ...runtimeFiles],
    dependencies: Object.fromEntries([...declared].sort(([a], [b]) => a.localeCompare(b))),
  };
  if (rootManifest.repository) manifest.repository = rootManifest.repository;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  shrinkwrap(stage);

  if (!opts.pack) {
    process.stdout.write(`${stage}\n`);
    return;
  }
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', opts.out], {
    cwd: stage,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [{ filename }] = JSON.parse(out);
  process.stdout.write(`${path.join(opts.out, filename)}\n`);
}

main().catch((err) => fail(err instanceof Error ? err.message : String(err)));
