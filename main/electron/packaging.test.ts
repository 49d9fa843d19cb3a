import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// Packaging itself needs the Electron download, so it cannot run here; what can be checked offline is
// the config, against the schema electron-builder validates it with, and the files it points at.

const root = resolve(__dirname, '../..');
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };

/** A validator for scheme.json, compiled as app-builder-lib's schemaValidator.js compiles it. */
function builderValidator() {
  const require = createRequire(join(root, 'package.json'));
  const schemaPath = require.resolve('app-builder-lib/scheme.json', { paths: [require.resolve('electron-builder')] });
  // strict off because the schema uses ajv-keywords' `typeof` for hook functions, which YAML cannot
  // express anyway; coerceTypes because electron-builder accepts "true" for true.
  const ajv = new Ajv({ allErrors: true, coerceTypes: true, strict: false });
  const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
  // Coercion rewrites the object it checks; the tests' copy of the config stays as read.
  return (data: unknown) => {
    const valid = validate(structuredClone(data));
    return { valid, errors: (validate.errors ?? []).map((e) => `${e.instancePath || '(top)'} ${e.message} ${JSON.stringify(e.params)}`) };
  };
}

// Compiling the schema takes a second or two; once is enough.
const validate = builderValidator();

describe('electron-builder.yml', () => {
  it("passes electron-builder's own JSON schema", () => {
    const { valid, errors } = validate(config);
    expect(errors).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a broken config, so the schema check can fail', () => {
    expect(validate({ ...config, npmRebuild: 'no' }).valid).toBe(false);
    const misspelt = validate({ ...config, linux: { category: 'Development', targt: ['deb'] } });
    expect(misspelt.valid).toBe(false);
    expect(misspelt.errors.join('\n')).toContain('targt');
  });

  it('packages the built app with the settings this project depends on', () => {
    expect(config).toMatchObject({
      appId: 'dev.lifeline.app',
      productName: 'Lifeline',
      npmRebuild: false,
      files: expect.arrayContaining(['out/**', 'package.json']),
      asarUnpack: expect.arrayContaining(['node_modules/better-sqlite3/**']),
      linux: { target: ['AppImage', 'deb'], category: 'Development' },
      mac: { target: ['dmg'], hardenedRuntime: true },
      win: { target: ['nsis'] },
    });
    // Electron starts package.json's main, which must be inside the packaged files.
    expect(packageJson.main).toBe('out/main/electron.js');
  });

  it('has a 512x512 PNG icon in the build resources folder', () => {
    const icon = readFileSync(join(root, (config.directories as { buildResources: string }).buildResources, 'icon.png'));
    expect(icon.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    // IHDR is the first chunk: width and height at bytes 16 and 20.
    expect([icon.readUInt32BE(16), icon.readUInt32BE(20)]).toEqual([512, 512]);
  });
});
