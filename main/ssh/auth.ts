// ssh2 is CommonJS without named exports that Node's ESM loader can see, hence the default import.
import ssh2, { type AnyAuthMethod, type AuthenticationType, type AuthHandlerMiddleware, type ParsedKey } from 'ssh2';
import { endpointOf, SshError } from './errors';
import { fingerprintOf } from './fingerprint';
import type { ConnectOptions, SshHop } from './target';

export interface AuthHooks {
  readonly prompt: ConnectOptions['prompt'];
  /** A person is answering a prompt: stop the login clock. */
  pause(): void;
  resume(): void;
  /** Ends the login with this error (the user cancelled a prompt, or no one can answer it). */
  cancel(error: SshError): void;
  /** The login already ended: a late answer must not be sent. */
  isOver(): boolean;
}

/** The one method a server's settings name, offered to ssh2, and what to say when it fails. */
export interface LoginAuth {
  readonly handler: AuthHandlerMiddleware;
  /** ssh2 reports agent trouble (no socket, no keys) as an error event and moves on; keep it for the message. */
  noteAgentError(error: Error): void;
  /** AUTH_FAILED naming what was tried and what the server accepts. */
  failure(): SshError;
}

/**
 * Plans the login: first `none`, as OpenSSH does, which learns the methods the server accepts without
 * sending a secret or asking the user anything; then the configured method, only if the server accepts
 * it.
 */
export function prepareAuth(target: SshHop, hooks: AuthHooks): LoginAuth {
  const where = endpointOf(target);
  const method = authMethod(target, hooks);
  const serverName: AuthenticationType = target.auth.kind === 'key' || target.auth.kind === 'agent' ? 'publickey' : target.auth.kind;
  let step: 'none' | 'configured' | 'done' = 'none';
  let accepted: readonly string[] | undefined;
  let partialSuccess = false;
  let tried = false;
  let agentError: Error | undefined;

  const handler: AuthHandlerMiddleware = (methodsLeft, partial, next) => {
    // ssh2 passes null before the first attempt, whatever its types say.
    if (methodsLeft) {
      accepted = methodsLeft;
      partialSuccess = partial;
    }
    if (step === 'none') {
      step = 'configured';
      next({ type: 'none', username: target.user });
    } else if (step === 'configured' && (accepted === undefined || accepted.includes(serverName))) {
      step = 'done';
      tried = true;
      next(method.attempt);
    } else {
      step = 'done';
      next(false as unknown as AuthenticationType); // ssh2 takes `false` for "no more methods"; its types omit it
    }
  };

  const failure = (): SshError => {
    const accepts = accepted && accepted.length > 0 ? accepted.join(', ') : 'nothing it names';
    if (partialSuccess) {
      return new SshError('AUTH_FAILED', `${where} accepted ${method.label} but requires a further method as well (it accepts: ${accepts}). Lifeline logs in with one method per server: ask the server's administrator to allow ${serverName} alone.`);
    }
    if (!tried) {
      return new SshError('AUTH_FAILED', `${where} does not accept ${serverName} logins, so ${method.label} was not tried. The server accepts: ${accepts}. Choose one of those in the server's settings.`);
    }
    const agent = agentError ? ` The ssh-agent could not be used: ${agentError.message}.` : '';
    return new SshError('AUTH_FAILED', `${where} refused the login. Tried: ${method.label}.${agent} The server accepts: ${accepts}. ${method.advice}`);
  };

  return {
    handler,
    noteAgentError(error) {
      agentError ??= error;
    },
    failure,
  };
}

interface PlannedMethod {
  readonly attempt: AnyAuthMethod;
  /** How messages name it, e.g. "publickey (ssh-ed25519 SHA256:…)". */
  readonly label: string;
  readonly advice: string;
}

function authMethod(target: SshHop, hooks: AuthHooks): PlannedMethod {
  const username = target.user;
  const auth = target.auth;
  switch (auth.kind) {
    case 'key': {
      const key = readKey(auth.privateKey, target);
      return {
        attempt: { type: 'publickey', username, key },
        label: `publickey (${key.type} ${fingerprintOf(key.getPublicSSH())})`,
        advice: "Add this key's public key to ~/.ssh/authorized_keys on the server (\"install on server\" in the key vault), or choose another key.",
      };
    }
    case 'agent':
      return {
        attempt: { type: 'agent', username, agent: auth.socket },
        label: `publickey with the keys of the ssh-agent at ${auth.socket}`,
        advice: 'Load a key the server accepts into the ssh-agent (ssh-add), or choose another way to log in.',
      };
    case 'password':
      return {
        attempt: { type: 'password', username, password: auth.password },
        label: 'password',
        advice: `Check the user name (${username}) and the password.`,
      };
    case 'keyboard-interactive':
      return {
        attempt: { type: 'keyboard-interactive', username, prompt: answerPrompts(target, hooks) },
        label: 'keyboard-interactive',
        advice: `Check the user name (${username}) and the answers to the server's questions.`,
      };
  }
}

/** Refuses, before any connection is made, a private key that cannot be used. */
export function checkAuth(target: SshHop): void {
  if (target.auth.kind === 'key') readKey(target.auth.privateKey, target);
}

function readKey(privateKey: Buffer, target: SshHop): ParsedKey {
  const parsed: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(privateKey);
  // An OpenSSH file may hold several keys; ssh2 uses the first, as OpenSSH does.
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key instanceof Error || key === undefined || !key.isPrivateKey()) {
    const reason = key instanceof Error ? key.message : 'it holds no private key';
    throw new SshError('AUTH_FAILED', `The private key for ${endpointOf(target)} cannot be used: ${reason}. Import the key into the vault again, or choose another key.`, { cause: key });
  }
  return key;
}

type PromptCallback = Extract<AnyAuthMethod, { type: 'keyboard-interactive' }>['prompt'];

function answerPrompts(target: SshHop, hooks: AuthHooks): PromptCallback {
  const where = endpointOf(target);
  return (name, instructions, _language, prompts, finish) => {
    const prompt = hooks.prompt;
    if (!prompt) {
      hooks.cancel(new SshError('CANCELLED', `${where} asks questions to log in (keyboard-interactive) and no one is there to answer them. Connect from the app, or choose another way to log in.`));
      return;
    }
    hooks.pause();
    Promise.resolve()
      .then(() => prompt({ name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo === true })) }))
      .then(
        (answers) => {
          hooks.resume();
          if (hooks.isOver()) return;
          if (answers === null) hooks.cancel(new SshError('CANCELLED', `The login to ${where} was cancelled at the server's questions.`));
          else finish(answers);
        },
        (error: unknown) => {
          hooks.resume();
          hooks.cancel(new SshError('CANCELLED', `The login to ${where} stopped: its questions could not be shown (${error instanceof Error ? error.message : String(error)}). Try again.`, { cause: error }));
        },
      );
  };
}
