import { randomUUID } from 'node:crypto';
import type { PendingPrompt, PromptAnswer, Result } from '../../preload/api';
import type { HostKeyAnswer, HostKeyQuestion } from '../ssh/host-key-policy';
import type { KeyboardInteractiveRequest } from '../ssh/target';
import { Emitter } from './emitter';
import { fail, ok } from './errors';

/** How long a question waits for a person before it counts as cancelled. */
export const PROMPT_TIMEOUT_MS = 5 * 60 * 1000;

// Omit applied to each kind of prompt, so that each keeps its own fields.
type WithoutId<P> = P extends unknown ? Omit<P, 'id'> : never;
type Question = WithoutId<PendingPrompt>;

interface Pending {
  readonly prompt: PendingPrompt;
  readonly timer: ReturnType<typeof setTimeout>;
  /** null: cancelled (timed out, the broker closed). */
  settle(answer: PromptAnswer | null): void;
}

/**
 * The questions the main side asks while connecting: an unknown host key, a password, keyboard-interactive
 * prompts. Each one waits in the pending list (which every window sees) until the first answer from any
 * window, the timeout, or `dispose`; the last two cancel it, so no connection waits forever.
 */
export class PromptBroker {
  private readonly pending = new Map<string, Pending>();
  private readonly changed = new Emitter<PendingPrompt[]>();
  private disposed = false;
  readonly onChanged = this.changed.event;

  constructor(private readonly timeoutMs: number = PROMPT_TIMEOUT_MS) {}

  /** Asks about a host key; `serverId` is the server being connected to, also when the key is a jump host's. */
  askHostKey(question: HostKeyQuestion, serverId: string | null): Promise<HostKeyAnswer> {
    return this.ask(
      {
        kind: 'host-key',
        serverId,
        host: question.host,
        port: question.port,
        keyType: question.keyType,
        fingerprint: question.fingerprint,
        otherKeys: question.otherKeys.map(({ keyType, fingerprint }) => ({ keyType, fingerprint })),
      },
      (answer) => (answer?.kind === 'host-key' ? answer.decision : 'cancel'),
    );
  }

  /** Asks for a password or keyboard-interactive answers, in the order of the prompts; null when cancelled. */
  askCredentials(request: KeyboardInteractiveRequest, serverId: string | null): Promise<string[] | null> {
    return this.ask(
      {
        kind: 'credentials',
        serverId,
        title: request.name,
        instructions: request.instructions,
        prompts: request.prompts.map(({ prompt, echo }) => ({ label: prompt, echo })),
      },
      (answer) => (answer?.kind === 'credentials' ? answer.values : null),
    );
  }

  /** The questions waiting for an answer, oldest first. */
  list(): PendingPrompt[] {
    return [...this.pending.values()].map((entry) => entry.prompt);
  }

  async answerPrompt(id: string, answer: PromptAnswer): Promise<Result<{ id: string }>> {
    const entry = this.pending.get(id);
    if (!entry) {
      return fail('NOT_FOUND', 'This question is no longer waiting: it was answered in another window, timed out, or its connection ended. Nothing more to do here.');
    }
    if (entry.prompt.kind !== answer.kind) {
      return fail('BAD_REQUEST', `Question ${id} asks about ${entry.prompt.kind === 'host-key' ? 'a host key' : 'login credentials'}; answer it with kind "${entry.prompt.kind}".`);
    }
    if (entry.prompt.kind === 'credentials' && answer.kind === 'credentials' && answer.values !== null && answer.values.length !== entry.prompt.prompts.length) {
      return fail('VALIDATION', `The server asked ${entry.prompt.prompts.length} question(s) but ${answer.values.length} answer(s) were given; answer each prompt, in order.`);
    }
    this.settle(id, answer);
    return ok({ id });
  }

  dispose(): void {
    this.disposed = true;
    for (const id of [...this.pending.keys()]) this.settle(id, null);
    this.changed.dispose();
  }

  private ask<T>(question: Question, read: (answer: PromptAnswer | null) => T): Promise<T> {
    if (this.disposed) return Promise.resolve(read(null));
    return new Promise<T>((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => this.settle(id, null), this.timeoutMs);
      this.pending.set(id, { prompt: { ...question, id } as PendingPrompt, timer, settle: (answer) => resolve(read(answer)) });
      this.announce();
    });
  }

  // Removing the entry first is what makes the first answer win: a second one finds nothing.
  private settle(id: string, answer: PromptAnswer | null): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.settle(answer);
    this.announce();
  }

  private announce(): void {
    this.changed.fire(this.list());
  }
}
