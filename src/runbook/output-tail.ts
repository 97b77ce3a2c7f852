/** Keeps the last `limit` bytes of a stream, so a chatty command cannot grow the journal without bound. */
export class OutputTail {
  readonly limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #total = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  push(chunk: Buffer): void {
    this.#total += chunk.byteLength;
    this.#chunks.push(chunk);
    this.#size += chunk.byteLength;
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0]!.byteLength >= this.limit) {
      this.#size -= this.#chunks.shift()!.byteLength;
    }
  }

  /** True when earlier output was dropped. */
  get truncated(): boolean {
    return this.#total > this.limit;
  }

  get totalBytes(): number {
    return this.#total;
  }

  text(): string {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.byteLength - this.limit)).toString('utf8');
  }
}
