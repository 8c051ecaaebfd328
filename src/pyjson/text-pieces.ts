/**
 * Text written as a list of pieces instead of one string.
 *
 * V8 keeps `a + b` as a tree of its parts and copies it into one new string
 * the first time the whole is read, an encoder's read included. For a
 * document of hundreds of kilobytes that copy is the costliest step left
 * between the writer and the file: a fresh string that large is allocated
 * outside V8's young generation, page by page. Kept as pieces, the text can
 * be encoded piece by piece straight into the bytes written (`asciiBytes`),
 * and the whole never exists as one string.
 *
 * Short pieces are still joined by `+` as they come (one encoder call each
 * would cost more than the copy); a piece at least `LONG_PIECE` long, or a
 * run of short ones that grows that long, is kept apart.
 */
export const LONG_PIECE = 4096;

let encoder: TextEncoder | undefined;

export class TextPieces {
  /** The pieces before `#short`, each at least `LONG_PIECE` long, or a run of short ones. */
  readonly #kept: string[] = [];
  /** Short pieces since the last long one, joined. */
  #short = '';
  /** Characters in all pieces. */
  length = 0;

  add(text: string): void {
    this.length += text.length;
    if (text.length >= LONG_PIECE) {
      this.#keepShortRun();
      this.#kept.push(text);
      return;
    }
    this.#short += text;
    if (this.#short.length >= LONG_PIECE) this.#keepShortRun();
  }

  /** The pieces, in order; their concatenation is the text. */
  pieces(): string[] {
    this.#keepShortRun();
    return this.#kept;
  }

  /** The whole text as one string. */
  text(): string {
    if (this.#kept.length === 0) return this.#short;
    this.#keepShortRun();
    return this.#kept.length === 1 ? (this.#kept[0] as string) : this.#kept.join('');
  }

  /**
   * The text's bytes, each piece encoded straight into one array. Only for
   * ASCII text, as every text waymark's writers make is: one byte per character.
   */
  asciiBytes(): Uint8Array<ArrayBuffer> {
    const bytes = new Uint8Array(this.length);
    encoder ??= new TextEncoder();
    let at = 0;
    for (const piece of this.pieces()) {
      const { read, written } = encoder.encodeInto(piece, bytes.subarray(at));
      // Only ASCII takes one byte a character; anything else would also push the rest out of the array.
      if (read !== piece.length || written !== piece.length) {
        throw new RangeError(`asciiBytes: the text is not ASCII (a piece of ${piece.length} characters is not ${piece.length} bytes)`);
      }
      at += written;
    }
    return bytes;
  }

  #keepShortRun(): void {
    if (this.#short === '') return;
    this.#kept.push(this.#short);
    this.#short = '';
  }
}
