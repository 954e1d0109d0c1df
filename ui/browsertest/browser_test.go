package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// One server and one browser serve the whole suite: starting Chromium and
// seeding the index cost more than any single test.
var (
	setupOnce sync.Once
	setupErr  error
	srv       *server
	browser   context.Context
	stopAll   func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if stopAll != nil {
		stopAll()
	}
	os.Exit(code)
}

// env returns the shared server and browser, skipping the test when
// Chromium is not installed (failing instead under CI=true).
func env(t testing.TB) *server {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("browser tests need %s (apt-get install chromium): %v", chromiumPath, err)
		}
		t.Skipf("skipping browser test: %s not found (apt-get install chromium; CI=true makes this a failure)", chromiumPath)
	}
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		t.Fatal(setupErr)
	}
	return srv
}

func setup() error {
	ctx := context.Background()
	var err error
	if srv, err = startServer(ctx); err != nil {
		return fmt.Errorf("start server: %w", err)
	}
	profile, err := os.MkdirTemp("", "ccsync-chromium-")
	if err != nil {
		return err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("mute-audio", true),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return fmt.Errorf("start chromium: %w", err)
	}
	browser = bctx
	stopAll = func() {
		cancelBrowser()
		cancelAlloc()
		srv.close()
		_ = os.RemoveAll(profile)
	}
	return nil
}

// tab is one browser tab for one test, with a watch on JavaScript dialogs
// and on requests that leave the server's origin.
type tab struct {
	ctx     context.Context
	t       testing.TB
	srv     *server
	mu      sync.Mutex
	dialogs []string
	foreign []string
	errors  []string // uncaught JavaScript exceptions
}

func newTab(t testing.TB) *tab {
	t.Helper()
	s := env(t)
	tctx, cancel := chromedp.NewContext(browser)
	tb := &tab{ctx: tctx, t: t, srv: s}
	origin, _ := url.Parse(s.url)
	err := chromedp.Listen(tctx, func(ev any) {
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, e.Message)
			tb.mu.Unlock()
			// Dismiss from another goroutine: Listen's func must not
			// call into the browser.
			go func() {
				_, _ = chromedp.Call(tctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		case *runtime.EventExceptionThrown:
			tb.mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			tb.errors = append(tb.errors, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber))
			tb.mu.Unlock()
		case *network.EventRequestWillBeSent:
			u, err := url.Parse(e.Request.URL)
			if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != origin.Host) {
				tb.mu.Lock()
				tb.foreign = append(tb.foreign, e.Request.URL)
				tb.mu.Unlock()
			}
		}
	})
	if err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancelT := context.WithTimeout(tctx, 45*time.Second)
	t.Cleanup(func() { cancelT(); cancel() })
	tb.ctx = ctx
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	// Reduced motion: no smooth scrolling, so an element does not move
	// between chromedp reading its position and clicking it.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatalf("emulate reduced motion: %v", err)
	}
	// Record CSP violations in sessionStorage (kept across navigations in
	// the tab), from an isolated world so the page cannot tamper with it.
	// The CSP would block an injected script or inline style, but the UI
	// must never produce one: any violation fails the test.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		WorldName: "ccsync-test",
		Source: `document.addEventListener('securitypolicyviolation', (e) => {
			const a = JSON.parse(sessionStorage.getItem('__csp') || '[]');
			a.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' at ' + (e.sourceFile || '') + ':' + e.lineNumber);
			sessionStorage.setItem('__csp', JSON.stringify(a));
		}, true);`,
	}); err != nil {
		t.Fatalf("install CSP watch: %v", err)
	}
	t.Cleanup(func() {
		tb.mu.Lock()
		if len(tb.errors) > 0 {
			t.Errorf("uncaught JavaScript exceptions: %q", tb.errors)
		}
		tb.mu.Unlock()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => { try { return JSON.parse(sessionStorage.getItem('__csp') || '[]'); } catch { return []; } })()`))
		if err == nil && len(v) > 0 {
			t.Errorf("Content-Security-Policy violations: %q", v)
		}
	})
	tb.do(chromedp.EmulateViewport(1440, 900))
	return tb
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

// js evaluates an expression and decodes its value.
func js[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a JavaScript condition until it is true.
func (tb *tab) waitJS(what, expr string) {
	tb.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) || tb.ctx.Err() != nil {
			state, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`location.href + " :: " + document.getElementById("main").innerText.slice(0, 600)`))
			tb.t.Fatalf("timed out waiting for %s (%s; last error %v; page %s)", what, expr, err, state)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(tb.srv.url + path))
}

// login signs in through the login form.
func (tb *tab) login() {
	tb.t.Helper()
	tb.open("/login")
	tb.do(chromedp.WaitVisible(chromedp.ID("login-name")),
		chromedp.SendKeys(chromedp.ID("login-name"), adminName),
		chromedp.SendKeys(chromedp.ID("login-password"), adminPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=account]`)))
}

// screenshot saves the viewport as PNG under $CCSYNC_SCREENSHOTS.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := os.Getenv("CCSYNC_SCREENSHOTS")
	if dir == "" {
		dir = tb.t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	// Let transitions and smooth scrolling settle.
	time.Sleep(350 * time.Millisecond)
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s", p)
}

func (tb *tab) noDialogsOrForeignRequests() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.dialogs) > 0 {
		tb.t.Errorf("JavaScript dialogs opened: %q", tb.dialogs)
	}
	if len(tb.foreign) > 0 {
		tb.t.Errorf("requests left the server's origin: %s", strings.Join(tb.foreign, ", "))
	}
}
