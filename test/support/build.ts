import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** e2e global setup: builds `dist/` once, for the specs that run the real process (`node dist/main.js`). */
export default function build(): void {
  const root = join(__dirname, '..', '..');
  execFileSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
}
