// The URIs of the read-only documents that show rescued values: `faultguard-value:/<title>?…`.
// The path is only what the tab shows (the key, then which run it is from: two `job` tabs of
// two runs must be told apart); the query says which autosave, key, extent and page.
// Pure (vscode-uri), so it is tested without an editor.
import { URI } from 'vscode-uri';
import type { ValueParams } from '@faultguard/protocol/recovery-service';

export const VALUE_SCHEME = 'faultguard-value';

/** What a tab says of the run a value is from: `app.js 10:41:07`. */
export interface RunTitle {
  readonly file: string;
  readonly title: string;
}

/** `label`: how the key reads (a key that is not a string is an id that no path may hold). */
export function valueUri(run: RunTitle, key: string, extent: ValueParams['extent'] = 'page', page = 0, label = key): URI {
  const name = (label || '(empty key)').replace(/[/\\]/g, '∕');
  const title = `${name} · ${run.title.replace(/[/\\]/g, '∕')}${page > 0 ? ` · page ${page + 1}` : ''}`;
  return URI.from({ scheme: VALUE_SCHEME, path: `/${title}`, query: JSON.stringify({ file: run.file, key, extent, ...(page > 0 && { page }) }) });
}

/** The value a URI names, or undefined for a URI this extension did not make. */
export function valueOf(uri: { readonly scheme: string; readonly query: string }): ValueParams | undefined {
  if (uri.scheme !== VALUE_SCHEME) return undefined;
  try {
    const { file, key, extent, page = 0 } = JSON.parse(uri.query) as Partial<ValueParams>;
    if (typeof file !== 'string' || typeof key !== 'string' || (extent !== 'page' && extent !== 'whole') || !Number.isInteger(page) || page < 0) return undefined;
    return { file, key, extent, page };
  } catch {
    return undefined;
  }
}
