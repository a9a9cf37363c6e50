/**
 * The server subscriptions a bus holds for its patterns, counted: a subject
 * wanted by several patterns (or twice by one) is subscribed once and given
 * up when the last of them goes.
 */
export interface Held {
  unsubscribe(): void;
}

export class Interest<H extends Held> {
  private readonly held = new Map<string, { count: number; handle: H }>();

  constructor(private readonly open: (subject: string) => H) {}

  get size(): number {
    return this.held.size;
  }

  add(subjects: readonly string[]): void {
    for (const s of subjects) {
      const h = this.held.get(s);
      if (h !== undefined) h.count++;
      else this.held.set(s, { count: 1, handle: this.open(s) });
    }
  }

  remove(subjects: readonly string[]): void {
    for (const s of subjects) {
      const h = this.held.get(s);
      if (h === undefined) continue;
      if (--h.count > 0) continue;
      this.held.delete(s);
      try {
        h.handle.unsubscribe();
      } catch {
        // the connection is gone, and the server's subscription with it
      }
    }
  }

  subjects(): string[] {
    return [...this.held.keys()];
  }
}
