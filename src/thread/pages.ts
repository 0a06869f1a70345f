import { EMPTY, concatMap, defer, expand } from 'rxjs';
import type { Observable } from 'rxjs';

/** One page of a cursor-paged list, as the server's `…/list` methods answer. */
export interface Page<T> {
  readonly data: readonly T[];
  readonly nextCursor: string | null;
}

/** Fetches the page after `cursor` (the first page for `undefined`). */
export type FetchPage<T> = (cursor: string | undefined) => Promise<Page<T>>;

/** Every entry of every page, fetched page by page as the consumer iterates (none ahead). */
export async function* pagedEntries<T>(fetch: FetchPage<T>): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const page = await fetch(cursor);
    yield* page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * Every entry of every page as a cold Observable: each subscription starts from the first page,
 * the next page is fetched once the previous one is in (`expand` over the cursors), and
 * unsubscribing stops the fetching.
 */
export function pagedEntries$<T>(fetch: FetchPage<T>): Observable<T> {
  return defer(() => fetch(undefined)).pipe(
    expand((page) => (page.nextCursor ? defer(() => fetch(page.nextCursor!)) : EMPTY)),
    concatMap((page) => page.data),
  );
}
