// Pages of large values (protocol/src/presentation/value-page.ts): JSON pretty-printed from any
// point as JSON.stringify would print the whole, and pages that never cut a character or an escape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Encoding, indentJson, JSON_START, renderPage, type JsonIndentState } from '@faultguard/protocol';

const VALUE = { name: 'ünïcødé ✓ "quoted" \\ back', list: [1, 2.5, -3e-7, true, false, null], empty: {}, none: [], nested: { deeper: [{ a: 'b' }, []] } };

test('JSON re-indented from the start reads as JSON.stringify(value, null, 2), whatever white space it had', () => {
  for (const text of [JSON.stringify(VALUE), JSON.stringify(VALUE, null, 7), JSON.stringify(VALUE, null, '\t')]) {
    assert.equal(indentJson(text, JSON_START).text, JSON.stringify(VALUE, null, 2));
  }
});

test('JSON re-indented in two pieces, cut anywhere, reads as the whole re-indented', () => {
  const text = JSON.stringify(VALUE);
  const whole = indentJson(text, JSON_START).text;
  for (let cut = 0; cut <= text.length; cut++) {
    const first = indentJson(text.slice(0, cut), JSON_START);
    const second = indentJson(text.slice(cut), first.state as JsonIndentState);
    assert.equal(first.text + second.text, whole, `cut at ${cut}`);
  }
});

test('pages of a JSON string and of UTF-8 text never cut a character or an escape, and together read as the whole', () => {
  const text = 'é\n"ü"\\✓ 🙂 line\n'.repeat(40);
  for (const [encoding, bytes, expected] of [
    [Encoding.Json, Buffer.from(JSON.stringify(text)), text],
    [Encoding.Bytes, Buffer.from(text), text],
  ] as const) {
    // Pages of every size from 7 to 40 bytes: every kind of cut falls on some page boundary.
    for (let page = 7; page <= 40; page++) {
      let shown = '';
      let next = 0;
      for (let start = 0; start < bytes.length; start += page) {
        const end = Math.min(bytes.length, start + page);
        const windowStart = Math.max(0, start - 64);
        const rendered = renderPage(encoding, { bytes: bytes.subarray(windowStart, Math.min(bytes.length, end + 3)), windowStart, start, end, size: bytes.length });
        assert.equal(rendered.start, next, `page at ${start} (of ${page} bytes) begins where the one before ended`);
        assert.equal(rendered.rendering, 'text');
        shown += rendered.text;
        next = rendered.end;
      }
      assert.equal(shown, expected, `pages of ${page} bytes`);
    }
  }
});

test('a page of bytes that are no text is a hex dump whose offsets are those in the value', () => {
  const bytes = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 7) % 32)); // control characters: no text
  const rendered = renderPage(Encoding.Bytes, { bytes: bytes.subarray(0, 51), windowStart: 0, start: 32, end: 48, size: 64 });
  assert.equal(rendered.rendering, 'hex');
  assert.match(rendered.text, /^00000020  00 07 0e 15 /);
  assert.equal(rendered.text.split('\n').length, 2, 'one line of 16 bytes: the page, not the bytes around it');
});
