import type { LifelineApi, PendingPrompt, PromptAnswer, Result } from '../../../preload/api';
import type { StateCreator } from 'zustand/vanilla';

export interface PromptsSlice {
  /** The main side's questions waiting for an answer, oldest first. */
  prompts: PendingPrompt[];
  answerPrompt(id: string, answer: PromptAnswer): Promise<Result<{ id: string }>>;
  receivePrompts(prompts: PendingPrompt[]): void;
}

export const createPromptsSlice = (api: LifelineApi): StateCreator<PromptsSlice> => (set) => ({
  prompts: [],
  answerPrompt: async (id, answer) => {
    const result = await api.answerPrompt(id, answer);
    // Answered here or elsewhere first: either way the question is settled for this window too.
    if (result.ok || result.code === 'NOT_FOUND') set((state) => ({ prompts: state.prompts.filter((prompt) => prompt.id !== id) }));
    return result;
  },
  receivePrompts: (prompts) => set({ prompts }),
});
