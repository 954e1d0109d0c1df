package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Page-side helpers for the hidden-characters tests (issue 12, from a pen
// test: an RLO showed an auditor a card number reversed).
//
// hiddenJS matches a character that must never reach the page as itself:
// bidi controls and marks, zero-width and other invisible characters, tags.
// It is written from the list in the issue, not from reveal.js.
const hiddenJS = `/[\u00AD\u034F\u061C\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u{E0000}-\u{E007F}]/u`

// storedJS reads a node's text as stored: a marker counts as the character
// its data-cp names.
const storedJS = `const stored = (n) => n.nodeType === Node.TEXT_NODE ? n.nodeValue : (n.classList && n.classList.contains('ctl')) ? String.fromCodePoint(parseInt(n.dataset.cp, 16)) : [...n.childNodes].map(stored).join('');`

// labelledJS reads a node's text with each marker as [LABEL], the way a
// reader sees it.
const labelledJS = `const labelled = (n) => n.nodeType === Node.TEXT_NODE ? n.nodeValue : (n.classList && n.classList.contains('ctl')) ? '[' + n.textContent + ']' : [...n.childNodes].map(labelled).join('');`

// visualOrderJS checks, for every text node under sel holding rloCard, that
// the card's characters are drawn left to right in stored order (no
// override left in force): each character on the same line as the next is
// left of it. It returns how many pairs it compared, or -1 at the first
// pair drawn out of order.
const visualOrderJS = `(sel, card) => {
	let pairs = 0;
	for (const el of document.querySelectorAll(sel)) {
		const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			const at = n.nodeValue.indexOf(card);
			if (at < 0) continue;
			const r = document.createRange();
			const box = (k) => { r.setStart(n, k); r.setEnd(n, k + 1); return r.getBoundingClientRect(); };
			for (let k = at; k < at + card.length - 1; k++) {
				const a = box(k), b = box(k + 1);
				if (Math.abs(a.top - b.top) > 2 || a.width === 0 || b.width === 0) continue;
				if (!(a.left < b.left)) return -1;
				pairs++;
			}
		}
	}
	return pairs;
}`

// pageHidden lists where the page still carries a hidden character: in
// the text of #main, in a tooltip or label, or in the document title.
func pageHidden(tb *tab) []string {
	tb.t.Helper()
	return js[[]string](tb, `(() => {
		const re = `+hiddenJS+`;
		const out = [];
		const main = document.getElementById('main');
		const w = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) if (re.test(n.nodeValue)) out.push('text in <' + n.parentElement.tagName.toLowerCase() + '.' + n.parentElement.className + '>: ' + JSON.stringify(n.nodeValue.slice(0, 60)));
		for (const el of main.querySelectorAll('[title], [aria-label], [alt], [placeholder]'))
			for (const a of ['title', 'aria-label', 'alt', 'placeholder'])
				if (re.test(el.getAttribute(a) || '')) out.push(a + ' of <' + el.tagName.toLowerCase() + '>: ' + JSON.stringify(el.getAttribute(a).slice(0, 60)));
		if (re.test(document.title)) out.push('document title');
		return out;
	})()`)
}

// markersIn returns "CP|LABEL|TITLE" for each marker under sel.
func markersIn(tb *tab, sel string) []string {
	tb.t.Helper()
	return js[[]string](tb, fmt.Sprintf(`[...document.querySelectorAll(%q)].flatMap(e => [...e.querySelectorAll('.ctl')]).map(m => m.dataset.cp + '|' + m.textContent + '|' + m.title)`, sel))
}

// wantMarkers checks that sel shows each code point as a marker naming it.
func wantMarkers(t *testing.T, tb *tab, where, sel string, want map[string]string) {
	t.Helper()
	got := markersIn(tb, sel)
	for cp, label := range want {
		found := false
		for _, m := range got {
			parts := strings.SplitN(m, "|", 3)
			if len(parts) == 3 && parts[0] == cp && parts[1] == label && strings.HasPrefix(parts[2], "U+"+cp+" ") {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s: no marker %s for U+%s (markers: %q)", where, label, cp, got)
		}
	}
}

func wantVisualOrder(t *testing.T, tb *tab, where, sel string) {
	t.Helper()
	n := js[int](tb, fmt.Sprintf(`(%s)(%q, %q)`, visualOrderJS, sel, rloCard))
	switch {
	case n < 0:
		t.Errorf("%s: the digits of %q are drawn out of their stored order (a bidi override is in force)", where, rloCard)
	case n < 10:
		t.Errorf("%s: compared %d pairs of the card's digits; want the card shown whole in one text node", where, n)
	}
}

// TestHiddenCharactersShown: invisible and bidi characters in chat content
// are shown as markers naming them, wherever chat text is shown, so what is
// drawn is what was stored; findings across them stay exactly marked, with
// highlighting toggled off and on and in the Raw view.
func TestHiddenCharactersShown(t *testing.T) {
	tb := newTab(t)
	tb.login()
	first := "#m-" + bidiConvID + "-m0000"
	tb.open("/conversations/" + bidiConvID + "?highlight=1")
	tb.waitJS("thread", fmt.Sprintf(`document.querySelectorAll('#thread .msg').length === 2 && !!document.querySelector('%s mark.hl')`, first))
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`))

	if bad := pageHidden(tb); len(bad) > 0 {
		t.Errorf("conversation page shows hidden characters as themselves: %q", bad)
	}
	textMarkers := map[string]string{"202E": "RLO", "202C": "PDF", "2066": "LRI", "2069": "PDI", "200B": "ZWSP", "200D": "ZWJ", "00AD": "SHY", "FEFF": "BOM"}
	wantMarkers(t, tb, "rendered message", first+" .block.text", textMarkers)
	wantMarkers(t, tb, "conversation title", ".conv-head h1", map[string]string{"202E": "RLO", "202C": "PDF", "200B": "ZWSP"})
	wantMarkers(t, tb, "file name", first+" .file-name", map[string]string{"202E": "RLO"})
	wantMarkers(t, tb, "file text", first+" pre.file-text", map[string]string{"00AD": "SHY", "2067": "RLI", "2069": "PDI", "E0068": "h", "E0069": "i"})
	second := "#m-" + bidiConvID + "-m0001"
	wantMarkers(t, tb, "tool input", second+" pre.json", map[string]string{"202E": "RLO", "202C": "PDF"})
	wantMarkers(t, tb, "tool result", second+" pre.result", map[string]string{"202E": "RLO", "202C": "PDF", "200B": "ZWSP"})
	wantMarkers(t, tb, "tool name", second+" summary code", map[string]string{"200B": "ZWSP"})

	// What the reader sees reads in stored order, with the markers where
	// the characters are; and the characters are drawn that way.
	labelled := js[string](tb, `(() => { `+labelledJS+` return labelled(document.querySelector('`+first+` .block.text')); })()`)
	for _, want := range []string{"card [RLO]" + rloCard + "[PDF],", "isolate [LRI]abc[PDI],", "zero[ZWSP]width", "join[ZWJ]er", "soft[SHY]hyphen", "[BOM]bom", "[ZWSP]" + bidiEmail + "[ZWJ]", `"hunter2[RLO]Zq9xW7!kP"`} {
		if !strings.Contains(labelled, want) {
			t.Errorf("rendered message reads %q; want it to contain %q", labelled, want)
		}
	}
	if got := js[string](tb, `(() => { `+labelledJS+` return labelled(document.querySelector('`+first+` .file-name')); })()`); got != "invoice[RLO]fdp.exe" {
		t.Errorf("file name reads %q, want invoice[RLO]fdp.exe", got)
	}
	for where, sel := range map[string]string{"rendered message": first + " .block.text", "title": ".conv-head h1", "tool input": second + " pre.json", "tool result": second + " pre.result"} {
		wantVisualOrder(t, tb, where, sel)
	}
	tb.screenshot("hidden-characters")

	// The finding spanning the RLO and the one between zero-width
	// characters are marked exactly; toggling highlights off and on keeps
	// the markers and marks the same text again.
	marked := func() map[string]string {
		return js[map[string]string](tb, `(() => { `+storedJS+`
			const out = {};
			for (const m of document.querySelectorAll('`+first+` mark.hl')) out[m.dataset.finding] = (out[m.dataset.finding] || '') + stored(m);
			return out;
		})()`)
	}
	before := marked()
	if !hasValue(before, bidiPassword) || !hasValue(before, bidiEmail) {
		t.Fatalf("marks %q; want %q and %q marked", before, bidiPassword, bidiEmail)
	}
	nMarkers := js[int](tb, `document.querySelectorAll('#thread .ctl').length`)
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)))
	tb.waitJS("marks gone", `document.querySelectorAll('#thread mark').length === 0`)
	if n := js[int](tb, `document.querySelectorAll('#thread .ctl').length`); n != nMarkers {
		t.Errorf("unmarking changed the markers: %d, was %d", n, nMarkers)
	}
	if got := js[string](tb, `(() => { `+storedJS+` return stored(document.querySelector('`+first+` .block.text')); })()`); !strings.Contains(got, bidiText[:40]) {
		t.Errorf("unmarking changed the text: %q", got)
	}
	tb.do(chromedp.Click(chromedp.CSS(`label[for=hl-toggle]`)))
	tb.waitJS("marks again", `document.querySelectorAll('#thread mark.hl').length > 0`)
	if after := marked(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after toggling, marks %q; before %q", after, before)
	}

	// The Raw view shows the markers too, and marks the finding there.
	tb.do(chromedp.Click(chromedp.CSS(first + ` .raw-toggle`)))
	tb.waitJS("raw view", `!!document.querySelector('`+first+` pre.raw')`)
	wantMarkers(t, tb, "raw view", first+" pre.raw", textMarkers)
	if bad := pageHidden(tb); len(bad) > 0 {
		t.Errorf("raw view shows hidden characters as themselves: %q", bad)
	}
	if got := marked(); !hasValue(got, bidiPassword) {
		t.Errorf("raw view marks %q; want %q", got, bidiPassword)
	}
	wantVisualOrder(t, tb, "raw view", first+" pre.raw")

	// Search: snippets and titles, messages and conversations.
	for _, path := range []string{"/logs?q=bidiprobe", "/logs?kind=conversation&q=bidiprobe"} {
		tb.open(path)
		tb.waitJS("hits", `document.querySelectorAll('#results .hit').length > 0`)
		if bad := pageHidden(tb); len(bad) > 0 {
			t.Errorf("%s shows hidden characters as themselves: %q", path, bad)
		}
		wantMarkers(t, tb, path+" title", "#results .hit-title", map[string]string{"202E": "RLO", "200B": "ZWSP"})
		wantVisualOrder(t, tb, path+" title", "#results .hit-title")
	}
	tb.open("/logs?q=bidiprobe")
	tb.waitJS("hits", `document.querySelectorAll('#results .snippet mark').length > 0`)
	wantMarkers(t, tb, "search snippet", "#results .snippet", map[string]string{"202E": "RLO", "202C": "PDF", "2066": "LRI"})
	wantVisualOrder(t, tb, "search snippet", "#results .snippet")

	// The single-message view.
	tb.open("/messages/" + bidiConvID + "-m0000")
	tb.waitJS("message", `document.querySelectorAll('.msg mark.hl').length > 0`)
	tb.do(chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('details').forEach(d => d.open = true)`))
	if bad := pageHidden(tb); len(bad) > 0 {
		t.Errorf("message page shows hidden characters as themselves: %q", bad)
	}
	wantMarkers(t, tb, "message page title", ".conv-head h1", map[string]string{"202E": "RLO"})
	wantMarkers(t, tb, "message page", ".msg .block.text", textMarkers)
	wantVisualOrder(t, tb, "message page", ".msg .block.text")
}

func hasValue(m map[string]string, v string) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}

// TestRevealUnit runs reveal.js and highlight.js in the page on their own:
// every character of the class becomes one marker naming it and reads back
// as itself; ordinary text (variation selectors, emoji, RTL letters, the
// Arabic number sign, which draws a glyph) is left alone; a finding across
// markers is marked exactly and unmarking restores the text.
func TestRevealUnit(t *testing.T) {
	tb := newTab(t)
	tb.open("/login")
	tb.waitJS("login page", `!!document.getElementById('login-name')`)
	fails, err := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`(async () => {
		const r = await import('/js/reveal.js');
		const hl = await import('/js/highlight.js');
		const fails = [];
		const expect = (what, got, want) => { if (JSON.stringify(got) !== JSON.stringify(want)) fails.push(what + ': got ' + JSON.stringify(got) + ', want ' + JSON.stringify(want)); };
		const hex = (ch) => ch.codePointAt(0).toString(16).toUpperCase().padStart(4, '0');

		const hidden = [...'\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\u200E\u200F\u061C\u200B\u200C\u200D\u2060\u2061\u2062\u2063\u2064\uFEFF\u00AD\u180E\u034F'];
		for (let cp = 0xE0000; cp <= 0xE007F; cp++) hidden.push(String.fromCodePoint(cp));
		for (const ch of hidden) {
			const cp = hex(ch);
			const div = document.createElement('div');
			div.append(...r.revealParts('a' + ch + 'b'));
			const m = div.querySelectorAll('.ctl');
			expect('U+' + cp + ' markers', m.length, 1);
			if (m.length === 1) {
				expect('U+' + cp + ' data-cp', m[0].dataset.cp, cp);
				expect('U+' + cp + ' title names it', m[0].title.startsWith('U+' + cp + ' '), true);
				expect('U+' + cp + ' label is visible text', /^[\x21-\x7e\u2420]+$/.test(m[0].textContent), true);
			}
			expect('U+' + cp + ' shown text', (`+hiddenJS+`).test(div.textContent), false);
			expect('U+' + cp + ' stored text', r.storedText(div), 'a' + ch + 'b');
			expect('U+' + cp + ' text form', (`+hiddenJS+`).test(r.revealString('a' + ch + 'b')), false);
		}
		for (const [ch, label] of [['\u202E', 'RLO'], ['\u2066', 'LRI'], ['\u200B', 'ZWSP'], ['\uFEFF', 'BOM'], ['\u00AD', 'SHY'], ['\u{E0041}', 'A']])
			expect('label of U+' + hex(ch), r.describe(ch).label, label);
		expect('text form', r.revealString('a\u202Eb'), 'a\u27E8RLO\u27E9b');
		for (const s of ['plain text', 'ok\uFE0F', '\u2764\uFE0F', '\u0600\u0661\u0662', '\u05E9\u05DC\u05D5\u05DD', 'a\u00A0b', 'e\u0301', '\u{1F468}'])
			expect('left alone: ' + JSON.stringify(s), r.revealParts(s), [s]);

		// Highlighting counts a marker as its character.
		const raw = 'x \u200Beve@a.io\u200D pw: hunter2\u202EZq9 \u200Beve@a.io';
		const enc = new TextEncoder();
		const bytes = (i) => enc.encode(raw.slice(0, i)).length;
		const pre = document.createElement('pre');
		pre.append(...r.revealParts(raw));
		for (const [lit, from] of [['eve@a.io', 0], ['hunter2\u202EZq9', 0], ['\u200Beve@a.io\u200D', 0], ['\u202E', 0], ['eve@a.io', 10]]) {
			const at = raw.indexOf(lit, from);
			const marks = hl.markFinding(pre, raw, { part_start: bytes(at), part_end: bytes(at + lit.length) }, () => document.createElement('mark'));
			expect('marked ' + JSON.stringify(lit) + ' from ' + from, marks.map((m) => r.storedText(m)).join(''), lit);
			// The k-th occurrence is the one marked: count markers before it.
			const before = document.createRange();
			before.setStart(pre, 0);
			if (marks.length) before.setEndBefore(marks[0]);
			expect('place of ' + JSON.stringify(lit) + ' from ' + from, marks.length ? r.storedText(before.cloneContents()).length : -1, at);
			for (const m of marks) m.replaceWith(...m.childNodes);
			pre.normalize();
			expect('unmarked', r.storedText(pre), raw);
		}

		// revealIn: nested elements and tooltips of a rendered tree.
		const md = document.createElement('div');
		const p = document.createElement('p');
		const em = document.createElement('em');
		em.append('in\u200Bside');
		const a = document.createElement('a');
		a.title = 'see \u202Efdp.exe';
		a.append('link');
		p.append('one\u2066two', em, a);
		md.append(p);
		r.revealIn(md);
		expect('revealIn markers', [...md.querySelectorAll('.ctl')].map((m) => m.dataset.cp), ['2066', '200B']);
		expect('revealIn title', a.title, 'see \u27E8RLO\u27E9fdp.exe');
		expect('revealIn stored', r.storedText(md), 'one\u2066twoin\u200Bsidelink');
		return fails;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run the unit in the page: %v", err)
	}
	for _, f := range fails {
		t.Error(f)
	}
}
