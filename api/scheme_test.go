package api

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-json"
)

// loginSecurity logs in and reports whether the response carried HSTS and
// a Secure session cookie.
func loginSecurity(t *testing.T, resp *http.Response) (hsts, secure bool) {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, sessionCookie+"=") {
			secure = strings.Contains(strings.ToLower(h), "; secure")
		}
	}
	return resp.Header.Get("Strict-Transport-Security") != "", secure
}

// Item 6 of issue 12: X-Forwarded-Proto was believed from any client
// (Fiber's c.Protocol()), so a plain-HTTP client could turn on HSTS for
// the host. Only a TLS connection, or a configured trusted proxy, says
// https.
func TestSchemeFromForwardedProto(t *testing.T) {
	for _, tc := range []struct {
		name        string
		proxyHeader string
		proto       string
		want        bool
	}{
		{"no proxy configured, forged header", "", "https", false},
		{"no proxy configured, no header", "", "", false},
		{"trusted proxy says https", "X-Forwarded-For", "https", true},
		{"trusted proxy says http", "X-Forwarded-For", "http", false},
		{"trusted proxy appended http to a forged https", "X-Forwarded-For", "https, http", false},
		{"trusted proxy, no header", "X-Forwarded-For", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t, func(c *Config) { c.ProxyHeader = tc.proxyHeader })
			cl := &client{header: map[string]string{}}
			if tc.proto != "" {
				cl.header["X-Forwarded-Proto"] = tc.proto
			}
			resp, _ := e.do(cl, "POST", "/api/v1/auth/login", loginRequest{Name: adminName, Password: adminPW})
			hsts, secure := loginSecurity(t, resp)
			if hsts != tc.want || secure != tc.want {
				t.Errorf("HSTS %v, Secure cookie %v; want both %v", hsts, secure, tc.want)
			}
		})
	}
}

func TestSchemeOverTLS(t *testing.T) {
	e := newTestEnv(t)
	cert, pool := selfSignedCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = e.srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}})) }()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()
	body, _ := json.Marshal(loginRequest{Name: adminName, Password: adminPW})
	resp, err := hc.Post("https://"+ln.Addr().String()+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hsts, secure := loginSecurity(t, resp); !hsts || !secure {
		t.Errorf("over TLS: HSTS %v, Secure cookie %v; want both", hsts, secure)
	}
}

func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ccsync test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
