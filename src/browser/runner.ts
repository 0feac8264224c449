/**
 * The Node side of the GPU backends (webgl, webgpu): bundles src/browser/page.ts — and with it the
 * project's own src/tfjs, src/ops and src/claims — with esbuild, serves it from http://127.0.0.1
 * (WebGPU needs a secure page; about:blank has no navigator.gpu), opens it in headless Chromium
 * (Debian's chromium; CHROMIUM_PATH overrides) through playwright-core, and runs claims there.
 *
 * One browser per run, one page per backend, reused for every claim: WebGPU's first call costs
 * seconds of shader compilation, and the programs stay compiled for the page's lifetime. A page
 * whose flags differ (WEBGL_FORCE_F16_TEXTURES must be set before the backend initialises) is a
 * page of its own.
 *
 * Flags: WebGPU on SwiftShader (the software GPU that runs the same shader programs a hardware GPU
 * would) needs --enable-unsafe-webgpu --enable-features=Vulkan --use-webgpu-adapter=swiftshader,
 * and --no-sandbox when running as root. TRANSFORMER_SPEC_HARDWARE_GPU=1 drops the SwiftShader
 * adapter so that Chromium picks the machine's GPU (README: "On a machine with an NVIDIA GPU").
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { BackendReport } from '../core/backend.js';
import type { GoldenClaim } from '../core/claims.js';
import { HOST_FUNCTIONS } from '../core/host.js';
// The modules that define Node-only functions register them when loaded: load them all here, so that
// Node can answer the page whichever of them this process happened to import.
import '../core/fixtures.js';
import '../core/tutorial.js';
import '../claims/reproduction-evidence.js';
import '../claims/training.js';
import type { ClaimOutcome } from '../claims/verdict.js';
import * as Errors from '../core/errors.js';
import { decode, encode, type ErrorClasses } from './wire.js';

/** The page's errors, rebuilt in Node with their classes (a spec asserts on ShapeError, NonFiniteError …). */
const PAGE_ERRORS: ErrorClasses = Object.fromEntries(Object.entries(Errors).filter(([, v]) => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error)) as ErrorClasses;

export type BrowserBackendName = 'webgl' | 'webgpu';
export const BROWSER_BACKENDS: readonly BrowserBackendName[] = ['webgl', 'webgpu'];

/** The column a browser run reports: a backend, optionally with WebGL's 16-bit textures forced. */
export interface BrowserTarget {
  backend: BrowserBackendName;
  /** WEBGL_FORCE_F16_TEXTURES (webgl only): the half-precision column. */
  f16?: boolean;
}

export const targetLabel = (t: BrowserTarget): string => (t.f16 ? `${t.backend}-f16` : t.backend);

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = () => process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumFlags(): string[] {
  const hardware = process.env.TRANSFORMER_SPEC_HARDWARE_GPU === '1';
  return [
    '--no-sandbox',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    ...(hardware ? ['--ignore-gpu-blocklist', '--enable-gpu', '--use-angle=vulkan'] : ['--use-webgpu-adapter=swiftshader', '--use-angle=swiftshader']),
  ];
}

// ---------------------------------------------------------------------------------------------
// The bundle: Node built-ins become stand-ins. node:path and node:url work (module-level constants
// such as PROJECT_ROOT are computed from them); every other built-in throws if called, because the
// page never reads files — Node-only functions are answered by Node (src/core/host.ts).

const PATH_SHIM = `
const norm = (p) => { const abs = p.startsWith('/'); const out = []; for (const s of p.split('/')) { if (!s || s === '.') continue; if (s === '..') out.pop(); else out.push(s); } return (abs ? '/' : '') + out.join('/'); };
export const sep = '/';
export const join = (...p) => norm(p.filter(Boolean).join('/'));
export const resolve = (...p) => norm(p.reduce((a, b) => (b.startsWith('/') ? b : a + '/' + b), '/'));
export const dirname = (p) => { const i = p.replace(/\\/+$/, '').lastIndexOf('/'); return i <= 0 ? (p.startsWith('/') ? '/' : '.') : p.slice(0, i); };
export const basename = (p, ext) => { const b = p.replace(/\\/+$/, '').split('/').pop() ?? ''; return ext && b.endsWith(ext) ? b.slice(0, -ext.length) : b; };
export const extname = (p) => { const b = basename(p); const i = b.lastIndexOf('.'); return i > 0 ? b.slice(i) : ''; };
export const relative = (a, b) => b.startsWith(a + '/') ? b.slice(a.length + 1) : b;
export const isAbsolute = (p) => p.startsWith('/');
export default { sep, join, resolve, dirname, basename, extname, relative, isAbsolute };
`;
const URL_SHIM = `
export const fileURLToPath = (u) => new URL(String(u)).pathname;
export const pathToFileURL = (p) => new URL('file://' + p);
export default { fileURLToPath, pathToFileURL };
`;
/** Names the project imports from the other built-ins (esbuild needs each named export to exist). */
const BUILTIN_NAMES: Record<string, string[]> = {
  fs: ['closeSync', 'constants', 'existsSync', 'fstatSync', 'fsyncSync', 'linkSync', 'lstatSync', 'mkdirSync', 'mkdtempSync', 'openSync', 'readdirSync', 'readFileSync', 'readSync', 'realpathSync', 'renameSync', 'rmSync', 'statSync', 'unlinkSync', 'writeFileSync', 'writeSync'],
  crypto: ['createHash', 'randomBytes'],
  os: ['availableParallelism', 'cpus', 'tmpdir'],
  module: ['createRequire'],
  http: ['createServer'],
};
const ERRORS_MODULE = JSON.stringify(join(HERE, '..', 'core', 'errors.ts'));
const THROWING_SHIM = (name: string) => {
  const names = BUILTIN_NAMES[name] ?? [];
  return `
import { FileAccessError } from ${ERRORS_MODULE};
const fail = (k) => () => { throw new FileAccessError('node:${name}.' + k + ' is Node-only: the browser page never reads files (src/core/host.ts)'); };
${names.map((k) => (k === 'createRequire' ? `export const createRequire = () => fail('require');` : k === 'constants' ? 'export const constants = {};' : `export const ${k} = fail('${k}');`)).join('\n')}
export default { ${names.join(', ')} };
`;
};

let bundled: Promise<string> | null = null;

/** The page's script: src/browser/page.ts and everything it imports, as one ES module. */
export function buildPageBundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import('esbuild');
    const entry = [join(HERE, 'page.ts'), join(HERE, 'page.js')].find(existsSync);
    if (!entry) throw new Errors.SpecError('BACKEND_UNAVAILABLE', `the browser entry ${join(HERE, 'page.ts')} is missing`);
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      // tfjs-core asks `typeof process` to tell Node from a browser; the project's modules read process.env.
      banner: { js: "globalThis.process ??= { env: {}, platform: 'browser', versions: {}, argv: [], pid: 0, cwd: () => '/' };" },
      plugins: [
        {
          name: 'node-builtins',
          setup(build) {
            build.onResolve({ filter: /^(node:)?(fs|path|url|crypto|os|worker_threads|module|http|net|child_process|util|perf_hooks)$/ }, (a) => ({ path: a.path.replace(/^node:/, ''), namespace: 'node-shim' }));
            build.onLoad({ filter: /.*/, namespace: 'node-shim' }, (a) => ({ contents: a.path === 'path' ? PATH_SHIM : a.path === 'url' ? URL_SHIM : THROWING_SHIM(a.path), loader: 'js', resolveDir: HERE }));
          },
        },
      ],
    });
    return result.outputFiles[0].text;
  })();
  bundled.catch(() => (bundled = null));
  return bundled;
}

function serve(script: string): Promise<{ server: Server; url: string }> {
  const page = '<!doctype html><meta charset="utf-8"><title>transformer-spec GPU backends</title><script type="module" src="/page.js"></script>';
  const server = createServer((req, res) => {
    if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    else res.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://localhost:${(server.address() as AddressInfo).port}/` }));
  });
}

// ---------------------------------------------------------------------------------------------

export interface BrowserBackend {
  target: BrowserTarget;
  label: string;
  report: BackendReport;
  /** One claim, judged in the page on this backend. */
  runClaim(claim: GoldenClaim): Promise<ClaimOutcome>;
  /** A remote call (src/browser/page.ts METHODS): an op, a fixture run; errors come back with their class. */
  call<T>(method: string, payload: unknown, what?: string): Promise<T>;
  /** Live tensors in the page after the last claim (a leak shows as growth). */
  numTensors(): number;
  page: Page;
}

export interface BrowserSession {
  open(target: BrowserTarget): Promise<BrowserBackend>;
  close(): Promise<void>;
}

/** What WebGPU says once its device is gone (after a synchronous read-back, for one). */
const DEVICE_LOST = /valid external Instance reference no longer exists|createBuffer failed|device (was |is )?lost|CONTEXT_LOST/i;

/** Node's answer to a Node-only call the page made: its value, or the error it threw. */
function answerHostCall(name: string, args: unknown[]): { value?: unknown; error?: unknown } {
  const f = HOST_FUNCTIONS.get(name);
  if (!f) return { error: new Errors.SpecError('INTERNAL', `the page asked for ${name}, which is not a Node-only function (src/core/host.ts)`) };
  try {
    return { value: (f as (...a: unknown[]) => unknown)(...args) };
  } catch (e) {
    return { error: e };
  }
}

export async function openBrowserSession(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM())) throw new Errors.SpecError('BACKEND_UNAVAILABLE', `the GPU backends run in Chromium, which is not at ${CHROMIUM()}: apt-get install chromium, or set CHROMIUM_PATH`);
  const script = await buildPageBundle();
  const { server, url } = await serve(script);
  let browser: Browser;
  try {
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM(), args: chromiumFlags(), headless: true });
  } catch (e) {
    server.close();
    throw new Errors.SpecError('BACKEND_UNAVAILABLE', `Chromium did not start: ${(e as Error).message.split('\n')[0]}`);
  }
  return {
    async open(target) {
      const label = targetLabel(target);
      let current = await openPage(target, label);
      let tensors = 0;
      const fresh: [string, unknown][] = []; // host results the page does not hold yet
      const backend: BrowserBackend = {
        target,
        label,
        report: current.report,
        get page() {
          return current.page;
        },
        numTensors: () => tensors,
        call: async <T,>(method: string, payload: unknown, what = method): Promise<T> => {
          for (let attempt = 0; attempt < 32; attempt++) {
            const sent = encode(fresh.splice(0));
            const reply = decode<{ missing?: { key: string; name: string; args: unknown[] }; value?: T; error?: Error; numTensors?: number }>(
              await current.page.evaluate(([m, p, h]) => (globalThis as unknown as { transformerSpec: { call(m: string, p: string, h: string): Promise<string> } }).transformerSpec.call(m, p, h), [method, encode(payload), sent] as const),
              PAGE_ERRORS,
            );
            if (reply.missing) {
              fresh.push([reply.missing.key, answerHostCall(reply.missing.name, reply.missing.args)]);
              continue;
            }
            tensors = reply.numTensors ?? 0;
            const error = reply.error ?? ((reply.value as { error?: string } | undefined)?.error ? new Errors.SpecError('INTERNAL', (reply.value as { error: string }).error) : undefined);
            if (error && DEVICE_LOST.test(error.message)) {
              // The call's error stands; the next call gets a fresh page (a lost device fails everything after it).
              await current.page.close();
              current = await openPage(target, label);
            }
            if (reply.error) throw reply.error;
            return reply.value as T;
          }
          throw new Errors.SpecError('INTERNAL', `${what} on ${label}: the page kept asking for Node-only results`);
        },
        runClaim(claim) {
          return backend.call<ClaimOutcome>('claim', claim, claim.id);
        },
      };
      return backend;
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };

  async function openPage(target: BrowserTarget, label: string): Promise<{ page: Page; report: BackendReport }> {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    try {
      await page.waitForFunction(() => (globalThis as { transformerSpec?: { ready?: boolean } }).transformerSpec?.ready === true, undefined, { timeout: 60_000 });
    } catch {
      throw new Errors.SpecError('BACKEND_UNAVAILABLE', `the page's script did not start on ${label}: ${pageErrors.join('; ') || 'no error reported'}`);
    }
    const init = encode({ backend: target.backend, flags: target.f16 ? { WEBGL_FORCE_F16_TEXTURES: true } : {}, label });
    let report: BackendReport;
    try {
      report = decode<BackendReport>(await page.evaluate((t) => (globalThis as unknown as { transformerSpec: { init(t: string): Promise<string> } }).transformerSpec.init(t), init));
    } catch (e) {
      throw new Errors.SpecError('BACKEND_UNAVAILABLE', `${label} did not start in Chromium: ${(e as Error).message.split('\n')[0]}`);
    }
    return { page, report };
  }
}
