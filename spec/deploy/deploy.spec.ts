import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect as request } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Deployment, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { Container, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { parseAllDocuments } from 'yaml';
import { AuthenticationError, Codex, signedBearer } from '../../src/index.js';
import { resolveBundledCodex } from '../../src/transport/codex-binary.js';
import { freePort } from '../../src/transport/free-port.js';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');
const LONG = 90_000;

type Manifest = StatefulSet | Deployment | Service | Secret | NetworkPolicy;

async function manifests(file: string): Promise<Manifest[]> {
  const docs = parseAllDocuments(await readFile(path.join(DEPLOY, 'k8s', file), 'utf8'));
  return (Array.isArray(docs) ? docs : [docs]).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

function find<T extends Manifest>(all: Manifest[], kind: T['kind'], name: string): T {
  const found = all.find((m) => m.kind === kind && m.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found as T;
}

/** The Dockerfile's stages: their FROM, ARGs, ENTRYPOINT and CMD (exec form). */
async function dockerStages(): Promise<
  Map<string, { from: string; entrypoint?: string[]; cmd?: string[]; expose?: number }>
> {
  const stages = new Map<
    string,
    { from: string; entrypoint?: string[]; cmd?: string[]; expose?: number }
  >();
  let current: { from: string; entrypoint?: string[]; cmd?: string[]; expose?: number } | undefined;
  const text = (await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ');
  for (const line of text.split('\n')) {
    const from = /^FROM\s+(\S+)\s+AS\s+(\S+)/i.exec(line);
    if (from) stages.set(from[2]!, (current = { from: from[1]! }));
    const exec = /^(ENTRYPOINT|CMD)\s+(\[.*\])\s*$/.exec(line);
    if (exec && current)
      current[exec[1] === 'CMD' ? 'cmd' : 'entrypoint'] = JSON.parse(exec[2]!) as string[];
    const expose = /^EXPOSE\s+(\d+)/.exec(line);
    if (expose && current) current.expose = Number(expose[1]);
  }
  return stages;
}

function flagValue(args: readonly string[], flag: string): string {
  const i = args.indexOf(flag);
  if (i === -1 || i + 1 >= args.length) throw new Error(`no ${flag} in ${args.join(' ')}`);
  return args[i + 1]!;
}

/** HTTP GET status of `path` on 127.0.0.1:port, or 0 when nothing answers. */
function httpStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve) => {
    const socket = request({ host: '127.0.0.1', port });
    let data = '';
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('connect', () =>
      socket.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', () => resolve(0));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1] ?? 0)));
  });
}

async function untilReady(port: number, urlPath: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await httpStatus(port, urlPath)) === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`nothing answered ${urlPath} on ${port}`);
}

const codex = resolveBundledCodex();
const help = (sub: string): string =>
  execFileSync(codex.path, [sub, '--help'], { encoding: 'utf8' });

describe('deploy/: the container recipe and Kubernetes manifests', () => {
  let all: Manifest[];
  beforeAll(async () => {
    all = [
      ...(await manifests('app-server.yaml')),
      ...(await manifests('exec-server.yaml')),
      ...(await manifests('secrets.yaml')),
      ...(await manifests('network-policy.yaml')),
    ];
  });

  it('the Dockerfile pins the @openai/codex version of package.json on a Node LTS slim image', async () => {
    const pkg = JSON.parse(await readFile(path.resolve(DEPLOY, '../package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const dockerfile = await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    expect(/ARG CODEX_VERSION=(\S+)/.exec(dockerfile)?.[1]).toBe(pkg.dependencies['@openai/codex']);
    const stages = await dockerStages();
    // Even majors from 20 on are LTS lines.
    const node = /^node:(\d+)-slim$/.exec(stages.get('base')!.from);
    expect(node).not.toBeNull();
    expect(Number(node![1]) % 2).toBe(0);
    for (const image of [
      find<StatefulSet>(all, 'StatefulSet', 'codex-app-server').spec!.template.spec!.containers[0]!,
      find<Deployment>(all, 'Deployment', 'codex-exec-server').spec!.template.spec!.containers[0]!,
    ])
      expect(image.image).toBe(
        `${image.name === 'app-server' ? 'codex-app-server' : 'codex-exec-server'}:${pkg.dependencies['@openai/codex']}`,
      );
  });

  it.each([
    ['app-server', 'StatefulSet', 'codex-app-server', 'codex-app-server-auth'],
    ['exec-server', 'Deployment', 'codex-exec-server', 'codex-exec-server-auth'],
  ] as const)(
    '%s: image CMD and manifest args agree, every flag exists in the real --help, and ports, probes, Service, Secret and NetworkPolicy line up',
    async (stage, kind, name, secretName) => {
      const stages = await dockerStages();
      const image = stages.get(stage)!;
      expect(image.entrypoint).toEqual(['codex', stage]);
      const workload = find<StatefulSet | Deployment>(all, kind, name);
      const pod = workload.spec!.template;
      const container: Container = pod.spec!.containers[0]!;
      const args = container.args!;
      expect(args).toEqual(image.cmd);
      const text = help(stage);
      for (const flag of args.filter((a) => a.startsWith('--')))
        expect(text).toContain(`${flag} <`);
      expect(text).toContain('signed-bearer-token');
      expect(flagValue(args, '--ws-auth')).toBe('signed-bearer-token');

      const listen = new URL(flagValue(args, '--listen'));
      expect(listen.hostname).toBe('0.0.0.0');
      const port = Number(listen.port);
      expect(image.expose).toBe(port);
      expect(container.ports).toEqual([{ name: 'ws', containerPort: port }]);
      expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'ws' });
      expect(container.livenessProbe?.httpGet?.port).toBe('ws');

      // The secret file the server reads is the Secret's key, mounted read-only.
      const secretFile = flagValue(args, '--ws-shared-secret-file');
      const mount = container.volumeMounts!.find((m) => secretFile.startsWith(`${m.mountPath}/`))!;
      expect(mount.readOnly).toBe(true);
      const volume = pod.spec!.volumes!.find((v) => v.name === mount.name)!;
      expect(volume.secret?.secretName).toBe(secretName);
      const secret = find<Secret>(all, 'Secret', secretName);
      expect(Object.keys(secret.stringData!)).toEqual([path.basename(secretFile)]);
      // Placeholders only: no real secret is committed.
      expect(Object.values(secret.stringData!)).toEqual(['REPLACE-ME']);

      // CODEX_HOME is the image's and sits on a volume.
      const dockerfile = await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8');
      const home = /ENV CODEX_HOME=(\S+)/.exec(dockerfile)![1];
      expect(container.env).toContainEqual({ name: 'CODEX_HOME', value: home });
      expect(container.volumeMounts!.map((m) => m.mountPath)).toContain(home);

      const service = find<Service>(all, 'Service', name);
      expect(service.spec!.selector).toEqual(
        pod.metadata!.labels && {
          'app.kubernetes.io/name': pod.metadata!.labels['app.kubernetes.io/name'],
        },
      );
      expect(service.spec!.ports).toEqual([{ name: 'ws', port, targetPort: 'ws' }]);
      expect(workload.spec!.selector.matchLabels).toEqual(service.spec!.selector);

      const policy = find<NetworkPolicy>(all, 'NetworkPolicy', `${name}-ingress`);
      expect(policy.spec!.podSelector.matchLabels).toEqual(service.spec!.selector);
      expect(policy.spec!.policyTypes).toEqual(['Ingress']);
      expect(policy.spec!.ingress).toEqual([
        {
          from: [
            {
              podSelector: {
                matchLabels: {
                  'app.kubernetes.io/name':
                    stage === 'app-server' ? 'codex-orchestrator' : 'codex-app-server',
                },
              },
            },
          ],
          ports: [{ port, protocol: 'TCP' }],
        },
      ]);
    },
  );

  it('app-servers: a StatefulSet with a volume per pod for CODEX_HOME behind a headless Service', () => {
    const set = find<StatefulSet>(all, 'StatefulSet', 'codex-app-server');
    const service = find<Service>(all, 'Service', 'codex-app-server');
    expect(set.spec!.serviceName).toBe(service.metadata!.name);
    expect(service.spec!.clusterIP).toBe('None');
    const claim = set.spec!.volumeClaimTemplates![0]!;
    expect(claim.spec!.accessModes).toEqual(['ReadWriteOnce']);
    const container = set.spec!.template.spec!.containers[0]!;
    const home = container.env!.find((e) => e.name === 'CODEX_HOME')!.value;
    expect(container.volumeMounts).toContainEqual({ name: claim.metadata!.name, mountPath: home });
  });

  it.each([
    ['app-server', 'StatefulSet', 'codex-app-server'],
    ['exec-server', 'Deployment', 'codex-exec-server'],
  ] as const)(
    '%s: the real binary, started with the manifest args (on 127.0.0.1), answers both probe paths and takes a token signed as the orchestrator signs it',
    async (stage, kind, name) => {
      const container = find<StatefulSet | Deployment>(all, kind, name).spec!.template.spec!
        .containers[0]!;
      const dir = await mkdtemp(path.join(tmpdir(), 'codex-rx-deploy-'));
      let child: ChildProcess | undefined;
      try {
        const secretFile = path.join(dir, 'shared-secret');
        await writeFile(secretFile, 'a-shared-secret-of-at-least-32-bytes!!', { mode: 0o600 });
        const port = await freePort();
        const manifestArgs = container.args!;
        const args = manifestArgs.map((arg, i) =>
          manifestArgs[i - 1] === '--listen'
            ? `ws://127.0.0.1:${port}`
            : manifestArgs[i - 1] === '--ws-shared-secret-file'
              ? secretFile
              : arg,
        );
        child = spawn(codex.path, [stage, ...args], {
          env: {
            ...process.env,
            CODEX_HOME: dir,
            CODEX_APP_SERVER_DISABLE_MANAGED_CONFIG: '1',
            RUST_LOG: 'warn',
          },
          stdio: ['pipe', 'ignore', 'ignore'],
        });
        await untilReady(port, container.readinessProbe!.httpGet!.path!);
        expect(await httpStatus(port, container.livenessProbe!.httpGet!.path!)).toBe(200);
        if (stage === 'app-server') {
          const claims = {
            secretFile,
            issuer: flagValue(args, '--ws-issuer'),
            audience: flagValue(args, '--ws-audience'),
          };
          const client = await Codex.connect({
            url: `ws://127.0.0.1:${port}`,
            bearer: signedBearer(claims),
          });
          expect(client.metadata.codexHome).toBe(dir);
          await client.close();
          const refused = await Codex.connect({
            url: `ws://127.0.0.1:${port}`,
            bearer: signedBearer({ ...claims, audience: 'someone-else' }),
          }).catch((e: unknown) => e);
          expect(refused).toBeInstanceOf(AuthenticationError);
        }
      } finally {
        child?.kill('SIGKILL');
        await rm(dir, { recursive: true, force: true });
      }
    },
    LONG,
  );
});
