// @vitest-environment node
import { describe, expect, it } from 'vitest';
import type { Server } from '../../../../preload/api';
import {
  agentProblems,
  agentTokenChange,
  EMPTY_FORM,
  firstInvalidField,
  formErrors,
  formMessage,
  formValuesOf,
  opensAgentSection,
  jumpServerChoices,
  moveLayer,
  toServerInput,
  type LayerChoice,
} from './form-values';
import { testServer } from '../../testing/server-fixture';

describe('toServerInput', () => {
  it('splits comma-separated tags, dropping blanks, and reads the port as a number', () => {
    const input = toServerInput({ ...EMPTY_FORM, name: ' web-1 ', host: 'h', port: ' 2222 ', user: 'u', group: 'prod', tags: 'web, , db ,web,' });
    expect(input).toMatchObject({ name: ' web-1 ', host: 'h', port: 2222, user: 'u', group: 'prod', tags: ['web', 'db', 'web'] });
  });

  it('leaves an empty port out so the default (22) applies, and sends other text for the main side to judge', () => {
    expect(toServerInput({ ...EMPTY_FORM, port: '' }).port).toBeUndefined();
    expect(toServerInput({ ...EMPTY_FORM, port: '70000' }).port).toBe(70000);
    expect(toServerInput({ ...EMPTY_FORM, port: '22.5' }).port).toBe(22.5);
    for (const text of ['ssh', '0x16', '1e3', '22 23']) expect(toServerInput({ ...EMPTY_FORM, port: text }).port).toBeNaN();
  });

  it('sends a new server\'s SSH choices and leaves what the form does not show to the main side\'s defaults', () => {
    expect(toServerInput(EMPTY_FORM)).toEqual({
      name: '',
      host: '',
      port: 22,
      user: '',
      group: '',
      tags: [],
      auth: 'agent',
      jumpServerId: null,
      strictHostKeyChecking: 'ask',
      tmuxSession: '',
      agentForwarding: false,
      sessionLog: false,
      link: { agent: null, agentCommand: null, triggerDir: null, tmuxSocket: null, layers: ['bridge', 'tmux', 'trigger', 'exec'] },
    });
    const chosen = toServerInput({
      ...EMPTY_FORM,
      auth: 'password',
      jumpServerId: 'bastion-id',
      strictHostKeyChecking: 'yes',
      tmuxSession: 'main',
      agentForwarding: true,
      sessionLog: true,
    });
    expect(chosen).toMatchObject({ auth: 'password', jumpServerId: 'bastion-id', strictHostKeyChecking: 'yes', tmuxSession: 'main', agentForwarding: true, sessionLog: true });
  });
});

describe('formValuesOf', () => {
  it('round-trips a stored server through the form', () => {
    const values = formValuesOf(testServer('db-1', { host: '::1', port: 2200, user: 'root', tags: ['db', 'eu'] }));
    expect(values).toMatchObject({ name: 'db-1', host: '::1', port: '2200', user: 'root', group: '', tags: 'db, eu', jumpServerId: '', tmuxSession: '' });
    expect(toServerInput(values)).toMatchObject({ name: 'db-1', host: '::1', port: 2200, user: 'root', group: '', tags: ['db', 'eu'] });
  });

  it('carries every setting of the edited server, shown or not, so saving changes only what was edited', () => {
    const stored = testServer('web-1', {
      port: 2222,
      tags: ['web'],
      group: 'prod',
      auth: 'key',
      keyId: 'key-7',
      jumpServerId: 'bastion-id',
      agentForwarding: true,
      strictHostKeyChecking: 'accept-new',
      keepaliveInterval: 45,
      keepaliveCountMax: 9,
      tmuxSession: 'ops',
      sessionLog: true,
    });
    // groupId follows group; whether a token is saved is the vault's business, not the server's fields.
    const { id, createdAt, updatedAt, groupId, link, ...everyField } = stored;
    const { agentTokenSaved, ...linkFields } = link;
    expect(toServerInput(formValuesOf(stored))).toEqual({ ...everyField, link: linkFields });

    // Editing one field leaves the others, the hidden ones included, as they were.
    const edited = toServerInput({ ...formValuesOf(stored), host: 'web-1.internal' });
    expect(edited).toEqual({ ...everyField, host: 'web-1.internal', link: linkFields });
  });
});

const FINGERPRINT = `SHA256:${'A1b2+/'.repeat(7)}x`;
const LINKED: Server['link'] = {
  agent: { host: '10.0.0.5', port: 9443, tlsFingerprint: FINGERPRINT },
  agentTokenSaved: true,
  agentCommand: ['/opt/lifeline/bin/lifeline', 'agent', 'run-command'],
  triggerDir: '/var/lib/lifeline/trigger',
  tmuxSocket: 'ops',
  layers: ['exec', 'bridge'],
};

describe('the agent link', () => {
  it('round-trips a server\'s link, listing left-out layers after the chosen ones', () => {
    const values = formValuesOf(testServer('app-1', { link: LINKED }));
    expect(values).toMatchObject({
      agentHost: '10.0.0.5',
      agentPort: '9443',
      agentFingerprint: FINGERPRINT,
      agentToken: '',
      tokenEdit: 'keep',
      triggerDir: '/var/lib/lifeline/trigger',
      tmuxSocket: 'ops',
      agentCommand: '/opt/lifeline/bin/lifeline\nagent\nrun-command',
    });
    expect(values.layers).toEqual([
      { layer: 'exec', included: true },
      { layer: 'bridge', included: true },
      { layer: 'tmux', included: false },
      { layer: 'trigger', included: false },
    ]);
    const { agentTokenSaved, ...sent } = LINKED;
    expect(toServerInput(values).link).toEqual(sent);
  });

  it('reads the typed text: one argument per line, blanks trimmed, empty fields as none', () => {
    const link = toServerInput({
      ...EMPTY_FORM,
      agentHost: ' [::1] ',
      agentPort: ' 8899 ',
      agentFingerprint: '  ',
      triggerDir: '  ',
      tmuxSocket: ' ',
      agentCommand: '\n  /usr/bin/env \r\nLIFELINE_HOME=/srv/agent\n\n lifeline\nagent\nrun-command  \n',
    }).link;
    expect(link).toEqual({
      agent: { host: '[::1]', port: 8899, tlsFingerprint: null },
      agentCommand: ['/usr/bin/env', 'LIFELINE_HOME=/srv/agent', 'lifeline', 'agent', 'run-command'],
      triggerDir: null,
      tmuxSocket: null,
      layers: ['bridge', 'tmux', 'trigger', 'exec'],
    });
    // Without a host there is no bridge, whatever the port says.
    expect(toServerInput({ ...EMPTY_FORM, agentPort: '1234' }).link?.agent).toBeNull();
    // A port that is not a number goes as NaN for the main side to refuse, as the SSH port does.
    expect(toServerInput({ ...EMPTY_FORM, agentHost: 'h', agentPort: 'web' }).link?.agent?.port).toBeNaN();
  });

  it('keeps the chosen order and leaves out the layers that are not included', () => {
    const layers: LayerChoice[] = [
      { layer: 'trigger', included: true },
      { layer: 'bridge', included: false },
      { layer: 'exec', included: true },
      { layer: 'tmux', included: false },
    ];
    expect(toServerInput({ ...EMPTY_FORM, layers }).link?.layers).toEqual(['trigger', 'exec']);
  });

  it('moves a layer one place up or down, and not past either end', () => {
    const layers = EMPTY_FORM.layers;
    const names = (choices: LayerChoice[]) => choices.map((choice) => choice.layer);
    expect(names(moveLayer(layers, 2, -1))).toEqual(['bridge', 'trigger', 'tmux', 'exec']);
    expect(names(moveLayer(layers, 0, 1))).toEqual(['tmux', 'bridge', 'trigger', 'exec']);
    expect(names(moveLayer(layers, 0, -1))).toEqual(['bridge', 'tmux', 'trigger', 'exec']);
    expect(names(moveLayer(layers, 3, 1))).toEqual(['bridge', 'tmux', 'trigger', 'exec']);
    // A move returns a new list: the form's state is never changed in place.
    expect(moveLayer(layers, 1, 1)).not.toBe(layers);
    expect(names(layers)).toEqual(['bridge', 'tmux', 'trigger', 'exec']);
  });

  it('folds the section away only for a server with nothing of a link', () => {
    expect(opensAgentSection(testServer('bare').link)).toBe(false);
    expect(opensAgentSection(LINKED)).toBe(true);
    const bare = testServer('bare').link;
    expect(opensAgentSection({ ...bare, agentTokenSaved: true })).toBe(true);
    expect(opensAgentSection({ ...bare, triggerDir: '/t' })).toBe(true);
    expect(opensAgentSection({ ...bare, layers: ['tmux', 'bridge', 'trigger', 'exec'] })).toBe(true);
  });
});

describe('agentTokenChange', () => {
  it('saves a typed token without its surrounding blanks, and changes nothing when none is typed', () => {
    expect(agentTokenChange({ ...EMPTY_FORM, agentToken: ' 0123456789abcdef0123\n' }, false)).toBe('0123456789abcdef0123');
    expect(agentTokenChange({ ...EMPTY_FORM, agentToken: '   ' }, false)).toBeUndefined();
  });

  it('keeps, replaces or forgets a saved token as the user chose', () => {
    const typed = { ...EMPTY_FORM, agentToken: 'a-new-token-of-enough-length' };
    expect(agentTokenChange({ ...typed, tokenEdit: 'keep' }, true)).toBeUndefined();
    expect(agentTokenChange({ ...typed, tokenEdit: 'replace' }, true)).toBe('a-new-token-of-enough-length');
    expect(agentTokenChange({ ...typed, tokenEdit: 'clear' }, true)).toBeNull();
    // Nothing saved: there is nothing to clear, and a typed token is simply saved.
    expect(agentTokenChange({ ...typed, tokenEdit: 'clear' }, false)).toBe('a-new-token-of-enough-length');
  });
});

describe('agentProblems', () => {
  const linked = { ...EMPTY_FORM, agentHost: '127.0.0.1' };

  it('finds nothing wrong with a new server, or with a complete link', () => {
    expect(agentProblems(EMPTY_FORM, false)).toEqual({});
    expect(agentProblems({ ...linked, agentFingerprint: FINGERPRINT, agentToken: 'x'.repeat(32) }, false)).toEqual({});
  });

  it('puts each problem on its own field, saying what to do', () => {
    expect(agentProblems({ ...linked, agentPort: '' }, false).agentPort).toMatch(/whole number from 1 to 65535/);
    for (const port of ['0', '65536', '88.5', 'web']) expect(agentProblems({ ...linked, agentPort: port }, false)).toHaveProperty('agentPort');
    expect(agentProblems({ ...EMPTY_FORM, agentFingerprint: FINGERPRINT }, false).agentHost).toMatch(/clear the fingerprint/);
    expect(agentProblems({ ...linked, agentToken: 'too-short' }, false).agentToken).toMatch(/bridge\.token/);
    expect(agentProblems({ ...linked, agentToken: 'has a space inside it' }, false)).toHaveProperty('agentToken');
    expect(agentProblems({ ...linked, tokenEdit: 'replace' }, true).agentToken).toMatch(/keep the saved one/);
    const none = EMPTY_FORM.layers.map((choice) => ({ ...choice, included: false }));
    expect(agentProblems({ ...EMPTY_FORM, layers: none }, false).layers).toMatch(/at least one layer/);
  });

  it('does not judge a token the user is not saving', () => {
    expect(agentProblems({ ...linked, agentToken: 'short', tokenEdit: 'keep' }, true)).toEqual({});
    expect(agentProblems({ ...linked, tokenEdit: 'clear' }, true)).toEqual({});
  });
});

describe('jumpServerChoices', () => {
  const bastion = testServer('bastion');
  const inner = testServer('inner', { jumpServerId: 'bastion' });
  const deep = testServer('deep', { jumpServerId: 'inner' });
  const lone = testServer('lone');

  it('offers every server to a new one', () => {
    expect(jumpServerChoices([bastion, deep, inner, lone], null)).toEqual([
      { id: 'bastion', label: 'bastion (ops@bastion.example.com)' },
      { id: 'deep', label: 'deep (ops@deep.example.com)' },
      { id: 'inner', label: 'inner (ops@inner.example.com)' },
      { id: 'lone', label: 'lone (ops@lone.example.com)' },
    ]);
  });

  it('leaves out the server itself and those that already go through it', () => {
    expect(jumpServerChoices([bastion, deep, inner, lone], bastion).map((choice) => choice.id)).toEqual(['lone']);
    expect(jumpServerChoices([bastion, deep, inner, lone], inner).map((choice) => choice.id)).toEqual(['bastion', 'lone']);
    expect(jumpServerChoices([bastion, deep, inner, lone], deep).map((choice) => choice.id)).toEqual(['bastion', 'inner', 'lone']);
  });

  it('keeps a jump server that is gone as a choice, so the select shows what is stored', () => {
    const orphan = testServer('orphan', { jumpServerId: 'deleted-id' });
    expect(jumpServerChoices([orphan, lone], orphan)).toEqual([
      { id: 'lone', label: 'lone (ops@lone.example.com)' },
      { id: 'deleted-id', label: 'A server that no longer exists' },
    ]);
  });
});

describe('firstInvalidField', () => {
  it('picks the first wrong field in screen order, whatever order the errors came in', () => {
    expect(firstInvalidField({ tags: 'x', port: 'y', user: 'z' })).toBe('port');
    expect(firstInvalidField({ tmuxSession: 'x', keyId: 'y' })).toBe('keyId');
    expect(firstInvalidField({ layers: 'x', agentPort: 'y', tmuxSession: 'z' })).toBe('tmuxSession');
    expect(firstInvalidField({ layers: 'x', agentToken: 'y' })).toBe('agentToken');
    expect(firstInvalidField({ unknown: 'x' })).toBeUndefined();
    expect(firstInvalidField(undefined)).toBeUndefined();
  });
});

describe('formErrors', () => {
  it('puts a problem inside the link on its own field, and drops the section-wide copy of it', () => {
    const fields = { link: 'The TLS fingerprint is…', 'link.agent.tlsFingerprint': 'The TLS fingerprint is…', 'link.layers.1': 'Name each layer once' };
    expect(formErrors(fields)).toEqual({ agentFingerprint: 'The TLS fingerprint is…', layers: 'Name each layer once' });
    expect(formErrors({ link: 'x', 'link.agent': 'Give host and port' })).toEqual({ agentHost: 'Give host and port' });
    expect(formErrors({ 'link.agentCommand.0': 'empty argument', name: 'Name is required' })).toEqual({ agentCommand: 'empty argument', name: 'Name is required' });
  });

  it('keeps the section-wide message when no path says where, and leaves out what the form does not show', () => {
    expect(formErrors({ link: 'Choose at least one layer' })).toEqual({ link: 'Choose at least one layer' });
    expect(formErrors({ keepaliveCountMax: 'x', 'link.unknown': 'y' })).toEqual({});
    expect(formErrors(undefined)).toEqual({});
  });
});

describe('formMessage', () => {
  it('shortens a validation message whose every problem is shown under its field', () => {
    const fields = { port: 'Port must be a number', tags: 'At most 20 tags' };
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Please correct the highlighted fields: Port must be a number; At most 20 tags.', fields })).toBe(
      'Please correct the 2 highlighted fields.',
    );
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { port: 'x' } })).toBe('Please correct the highlighted field.');
    // The main side names a wrong link by its section, which the form shows too.
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { link: 'Choose at least one layer' } })).toBe('Please correct the highlighted field.');
    // A problem inside the link comes named twice (section and path) and is shown once.
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { link: 'x', 'link.agent.port': 'x' } })).toBe('Please correct the highlighted field.');
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'long', fields: { jumpServerId: 'x', keyId: 'y' } })).toBe(
      'Please correct the 2 highlighted fields.',
    );
  });

  it('keeps the main side\'s message when it says more than the fields do', () => {
    const duplicate = { ok: false, code: 'DUPLICATE_NAME', message: 'A server named "a" already exists.', fields: { name: 'Used' } } as const;
    expect(formMessage(duplicate)).toBe(duplicate.message);
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Unknown field "colour".', fields: { colour: 'x' } })).toBe('Unknown field "colour".');
    // Settings the form does not show cannot be highlighted, so the full message stays.
    expect(formMessage({ ok: false, code: 'VALIDATION', message: 'Keepalive count must be…', fields: { keepaliveCountMax: 'x' } })).toBe('Keepalive count must be…');
    expect(formMessage({ ok: false, code: 'DISCONNECTED', message: 'Not connected.' })).toBe('Not connected.');
  });
});
