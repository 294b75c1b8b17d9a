// Synthesizes every config variant the tests use into <outdir>/<variant>/ (default: .build/variants).
//   npm run synth:variants -- /tmp/variants
import { rmSync } from 'fs';
import { join, resolve } from 'path';
import { buildApp } from '../lib/app';
import { CONFIG_VARIANTS } from '../test/fixtures/config-variants';

const outdir = resolve(process.argv[2] ?? '.build/variants');
rmSync(outdir, { recursive: true, force: true });
for (const [name, config] of Object.entries(CONFIG_VARIANTS)) {
  buildApp(config, join(outdir, name)).app.synth();
  console.log(`${join(outdir, name)}/`);
}
