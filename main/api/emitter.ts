import type { Unsubscribe } from '../../preload/api';

/** A typed event source: the owner fires, everyone else subscribes through `event`. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Unsubscribe => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch (error) {
        // One failing subscriber (a closed socket, a destroyed window) must not starve the others.
        console.error('lifeline: event listener failed:', error);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}
