import type { Result, SavedCommand } from '../../preload/api';
import type { SavedCommandFields, SavedCommandsRepository } from '../store/saved-commands';
import { Emitter } from './emitter';
import { fail, ok } from './errors';

/** The saved commands part of the contract; arguments arrive validated (see command-rules.ts). */
export class SavedCommandsApi {
  private readonly changed = new Emitter<SavedCommand[]>();
  readonly onChanged = this.changed.event;

  constructor(private readonly commands: SavedCommandsRepository) {}

  async listSavedCommands(): Promise<Result<SavedCommand[]>> {
    return ok(this.commands.list());
  }

  async saveCommand(input: { id: string | undefined; fields: SavedCommandFields }): Promise<Result<SavedCommand>> {
    const saved = this.commands.save(input.id, input.fields);
    switch (saved) {
      case 'duplicate-name':
        return fail('DUPLICATE_NAME', `A saved command named "${input.fields.name}" already exists. Choose another name, or edit that command instead.`, {
          name: 'This name is already used by another saved command',
        });
      case 'not-found':
        return savedCommandNotFound(input.id!);
      case 'no-such-server':
        return fail('VALIDATION', 'Please correct the highlighted fields: this server no longer exists (deleted in another window?); choose another server or a group.', {
          target: 'This server no longer exists; choose another server or a group',
        });
      case 'no-such-group':
        return fail('VALIDATION', 'Please correct the highlighted fields: there is no group with this id; choose a group from the list, or a server.', {
          target: 'There is no such group; choose a group from the list, or a server',
        });
      default:
        this.announce();
        return ok(saved);
    }
  }

  async deleteSavedCommand(id: string): Promise<Result<{ id: string }>> {
    if (!this.commands.remove(id)) return savedCommandNotFound(id);
    this.announce();
    return ok({ id });
  }

  get(id: string): SavedCommand | undefined {
    return this.commands.get(id);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private announce(): void {
    if (this.changed.size > 0) this.changed.fire(this.commands.list());
  }
}

export function savedCommandNotFound(id: string): Result<never> {
  return fail('NOT_FOUND', `Saved command ${id} no longer exists; it may have been deleted in another window. Reload the list.`);
}
