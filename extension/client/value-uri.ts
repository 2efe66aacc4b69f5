// The URIs of the read-only documents that show rescued values: `faultguard-value:/<key>?…`.
// The path is only what the tab shows (the key); the query says which autosave, key and extent.
// Pure (vscode-uri), so it is tested without an editor.
import { URI } from 'vscode-uri';
import type { ValueParams } from '@faultguard/protocol/recovery-service';

export const VALUE_SCHEME = 'faultguard-value';

/** `label`: how the key reads (a key that is not a string is an id that no path may hold). */
export function valueUri(file: string, key: string, extent: ValueParams['extent'] = 'page', label = key): URI {
  const name = label.replace(/[/\\]/g, '∕') || '(empty key)';
  return URI.from({ scheme: VALUE_SCHEME, path: `/${name}`, query: JSON.stringify({ file, key, extent }) });
}

/** The value a URI names, or undefined for a URI this extension did not make. */
export function valueOf(uri: { readonly scheme: string; readonly query: string }): ValueParams | undefined {
  if (uri.scheme !== VALUE_SCHEME) return undefined;
  try {
    const { file, key, extent } = JSON.parse(uri.query) as Partial<ValueParams>;
    if (typeof file !== 'string' || typeof key !== 'string' || (extent !== 'page' && extent !== 'whole')) return undefined;
    return { file, key, extent };
  } catch {
    return undefined;
  }
}
