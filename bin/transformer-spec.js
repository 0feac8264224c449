#!/usr/bin/env node
// Launcher for the transformer-spec CLI: registers tsx's ESM loader, then runs the TypeScript
// entry (src/cli/main.ts). Paths resolve from this file, so it works from any working directory
// and through an `npm link` symlink. Same commands as `npm run cli -- <args>`.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli(process.argv.slice(2));
