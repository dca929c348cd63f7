// Secrets in shown flag values: secret fields of inline YAML configs and URL passwords become <secret>, whatever the
// nesting; unparsable config text is withheld whole; /api/v1/status/flags values come through the same path.
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { FlagReader } from '../../src/cmd/flags.js';
import type { ModeRegistry } from '../../src/cmd/mode.js';
import { buildProgram } from '../../src/cmd/program.js';
import { SECRET_TEXT, displayFlagValue, redactYamlSecrets } from '../../src/runtime/secrets.js';

describe('redactYamlSecrets', () => {
  it.each([
    ['type: S3\nconfig:\n  bucket: b\n  access_key: AKID\n  secret_key: SEKRIT\n  session_token: TOK', ['SEKRIT', 'TOK'], ['AKID', 'bucket: b']],
    ['type: SWIFT\nconfig: {auth_url: "http://k:5000/v3", username: u, password: PW, application_credential_secret: ACS}', ['PW', 'ACS'], ['username: u']],
    ['type: AZURE\nconfig:\n  storage_account: acct\n  storage_account_key: KEY==', ['KEY=='], ['storage_account: acct']],
    ['type: GCS\nconfig:\n  bucket: b\n  service_account: |-\n    {"type": "service_account", "private_key": "PK"}', ['PK'], ['bucket: b']],
    ['basic_auth: {username: u, password: PW}\nbearer_token: BT', ['PW', 'BT'], ['username: u']],
    ['- http_config: {basic_auth: {password: NESTED}}\n  static_configs: [{targets: [a]}]', ['NESTED'], ['targets']],
    ['http_config:\n  basic_auth:\n    password:\n      - listed', ['listed'], []],
  ])('%j', (text, hidden, kept) => {
    const out = redactYamlSecrets(text);
    for (const h of hidden) expect(out).not.toContain(h);
    for (const k of kept) expect(out).toContain(k);
    expect(out).toContain(SECRET_TEXT);
  });

  it('withholds text that does not parse, and keeps empty text', () => {
    expect(redactYamlSecrets('password: [unclosed')).toBe(SECRET_TEXT);
    expect(redactYamlSecrets('')).toBe('');
  });

  it('redacts URL passwords in plain values only', () => {
    expect(displayFlagValue('http://u:pw@prom:9090', false)).toBe('http://u:<secret>@prom:9090');
    expect(displayFlagValue('5m', false)).toBe('5m');
  });
});

describe('FlagReader.display (what /api/v1/status/flags shows)', () => {
  it('shows no secret of inline configs or URLs', () => {
    const registry: ModeRegistry = new Map();
    const program = buildProgram(registry);
    const cmd = program.commands.find((c) => c.name() === 'standalone') as Command;
    cmd.parseOptions([
      '--objstore.config=type: S3\nconfig: {bucket: b, endpoint: e, access_key: AK, secret_key: SK-VALUE}',
      '--prometheus.url=http://admin:URL-PW@127.0.0.1:9090',
      '--prometheus.http-client=bearer_token: BEARER-VALUE',
    ]);
    const reader = new FlagReader(cmd);
    const shown = registry.get('standalone')!.flags.map((spec) => reader.display(spec)).join('\n');
    for (const secret of ['SK-VALUE', 'URL-PW', 'BEARER-VALUE']) expect(shown).not.toContain(secret);
    expect(shown).toContain('access_key: AK');
    expect(shown).toContain('http://admin:<secret>@127.0.0.1:9090');
  });
});
