import type { DocumentNode } from 'graphql';

/**
 * Parsed documents by their text, shared by every operation that sends the same text, and which of them
 * passed validation. A subscription keeps its document for as long as it is open: 1,000 open
 * `sessionEvents` subscriptions held 1,000 copies of one syntax tree with its tokens and locations
 * (about 5 KB each in a heap snapshot), where one copy will do (documents are never changed once parsed).
 * Bounded: at most `maxEntries` texts of at most `maxSourceLength` characters; the oldest goes first.
 */
export class DocumentCache {
  private readonly documents = new Map<string, DocumentNode>();
  private readonly valid = new WeakSet<DocumentNode>();

  constructor(
    private readonly parse: (source: string) => DocumentNode,
    private readonly maxEntries = 500,
    private readonly maxSourceLength = 8 * 1024,
  ) {}

  /** The document for `source`, parsed once (a parse error throws, and nothing is kept). */
  document(source: string): DocumentNode {
    const cached = this.documents.get(source);
    if (cached) return cached;
    const document = this.parse(source);
    if (source.length <= this.maxSourceLength) {
      if (this.documents.size >= this.maxEntries) this.documents.delete(this.documents.keys().next().value!);
      this.documents.set(source, document);
    }
    return document;
  }

  /** `check`'s errors for `document`, run once per document that passes (a failing one is checked again). */
  validate<E>(document: DocumentNode, check: (document: DocumentNode) => readonly E[]): readonly E[] {
    if (this.valid.has(document)) return [];
    const errors = check(document);
    if (errors.length === 0) this.valid.add(document);
    return errors;
  }

  get size(): number {
    return this.documents.size;
  }
}
