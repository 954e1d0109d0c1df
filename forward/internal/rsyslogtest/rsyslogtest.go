// Package rsyslogtest runs the real rsyslogd as a syslog receiver for
// tests: a TCP or TLS (gtls) input with octet-counted framing on a free
// loopback port, writing every message it receives, re-serialised as RFC
// 5424 (RSYSLOG_SyslogProtocol23Format), one per line, to a file the test
// reads. It needs no root. Tests skip when rsyslogd is missing, unless
// the environment has CI=true, where they fail (.ci/run installs it).
package rsyslogtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Timeout bounds every wait: start, port, lines.
const Timeout = 30 * time.Second

// Binary finds rsyslogd, skipping the test when it is missing outside CI.
func Binary(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"rsyslogd", "/usr/sbin/rsyslogd", "/sbin/rsyslogd"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("rsyslogd not found (CI=true): install rsyslog and rsyslog-gnutls")
	}
	t.Skip("rsyslogd not found; install rsyslog and rsyslog-gnutls to run this test")
	return ""
}

// Server is one rsyslogd. Restart keeps the port and the output file.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// CAPEM is the CA that signed the server certificate (TLS only).
	CAPEM string

	t       testing.TB
	bin     string
	dir     string
	conf    string
	out     string
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	stderr  *lockedBuffer
	running bool
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Start runs rsyslogd with a TCP input, or a TLS one when tls is set, and
// stops it when the test ends.
func Start(t testing.TB, tls bool) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), dir: t.TempDir()}
	s.out = filepath.Join(s.dir, "out.log")
	s.conf = filepath.Join(s.dir, "rsyslog.conf")
	port := freePort(t)
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	var global, module string
	if tls {
		ca, certPEM, keyPEM := certificate(t)
		s.CAPEM = ca
		files := map[string]string{"ca.pem": ca, "cert.pem": certPEM, "key.pem": keyPEM}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(s.dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		global = fmt.Sprintf(`global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile=%q DefaultNetstreamDriverCertFile=%q DefaultNetstreamDriverKeyFile=%q)`,
			filepath.Join(s.dir, "ca.pem"), filepath.Join(s.dir, "cert.pem"), filepath.Join(s.dir, "key.pem"))
		module = `module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.Authmode="anon")`
	} else {
		module = `module(load="imtcp")`
	}
	conf := fmt.Sprintf(`# written by rsyslogtest
global(workDirectory=%q maxMessageSize="8k")
%s
%s
input(type="imtcp" address="127.0.0.1" port="%d" ruleset="fwd" SupportOctetCountedFraming="on")
ruleset(name="fwd") {
  action(type="omfile" file=%q template="RSYSLOG_SyslogProtocol23Format")
}
# rsyslogd's own messages, for diagnosis
action(type="omfile" file=%q)
`, s.dir, global, module, port, s.out, filepath.Join(s.dir, "internal.log"))
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(s.bin, "-N1", "-f", s.conf).CombinedOutput(); err != nil {
		t.Fatalf("rsyslogd -N1 rejects the config: %v\n%s\n%s", err, out, conf)
	}
	s.start()
	t.Cleanup(func() { s.Kill() }) // SIGTERM can take a second with TLS
	return s
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func (s *Server) start() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stderr = &lockedBuffer{}
	cmd := exec.Command(s.bin, "-n", "-f", s.conf, "-i", filepath.Join(s.dir, "rsyslogd.pid"))
	cmd.Stdout, cmd.Stderr = s.stderr, s.stderr
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("starting rsyslogd: %v", err)
	}
	s.cmd, s.exited, s.running = cmd, make(chan struct{}), true
	exited := s.exited
	go func() { _ = cmd.Wait(); close(exited) }()

	deadline := time.Now().Add(Timeout)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if d := s.diagnostics(); strings.Contains(d, "could not load module 'lmnsd_gtls'") {
			s.stopLocked(syscall.SIGKILL)
			if os.Getenv("CI") != "true" {
				s.t.Skipf("rsyslogd has no GnuTLS driver; install rsyslog-gnutls to run this test:\n%s", d)
			}
			s.t.Fatalf("rsyslogd has no GnuTLS driver (CI=true): install rsyslog-gnutls\n%s", d)
		}
		select {
		case <-exited:
			s.running = false
			s.t.Fatalf("rsyslogd exited while starting: %s\n%s", cmd.ProcessState, s.diagnostics())
		case <-time.After(10 * time.Millisecond): // poll interval
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("rsyslogd did not listen on %s within %s: %v\n%s", s.Addr, Timeout, err, s.diagnostics())
		}
	}
}

func (s *Server) diagnostics() string {
	internal, _ := os.ReadFile(filepath.Join(s.dir, "internal.log"))
	return fmt.Sprintf("stderr:\n%s\ninternal.log:\n%s", s.stderr.String(), internal)
}

// Restart starts rsyslogd again on the same port after Stop or Kill.
func (s *Server) Restart() {
	s.t.Helper()
	s.start()
}

// Stop ends rsyslogd gracefully (SIGTERM), which flushes what it received.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

// Kill ends rsyslogd with SIGKILL: what it had not written yet is lost.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(sig)
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if !s.running {
		return
	}
	s.running = false
	_ = s.cmd.Process.Signal(sig)
	select {
	case <-s.exited:
	case <-time.After(Timeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// Lines returns the complete lines written so far.
func (s *Server) Lines() []string {
	b, err := os.ReadFile(s.out)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		s.t.Fatal(err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	} else {
		return nil
	}
	return strings.Split(string(b), "\n")
}

// WaitLines polls the output until done(lines) holds, failing after
// Timeout with what arrived.
func (s *Server) WaitLines(done func(lines []string) bool) []string {
	s.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		lines := s.Lines()
		if done(lines) {
			return lines
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("rsyslogd output not complete after %s; %d lines:\n%s\n%s",
				Timeout, len(lines), strings.Join(lines, "\n"), s.diagnostics())
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
}

// WaitCount waits for at least n lines.
func (s *Server) WaitCount(n int) []string {
	s.t.Helper()
	return s.WaitLines(func(l []string) bool { return len(l) >= n })
}

// certificate makes a CA and a server certificate for 127.0.0.1 and
// localhost signed by it, PEM encoded.
func certificate(t testing.TB) (caPEM, certPEM, keyPEM string) {
	t.Helper()
	caKey, caCert, caDER := NewCA(t, "rsyslogtest CA")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemString("CERTIFICATE", caDER), pemString("CERTIFICATE", der), pemString("PRIVATE KEY", keyDER)
}

// NewCA makes a self-signed CA certificate (tests use a second one to
// check a wrong CA is refused).
func NewCA(t testing.TB, name string) (*ecdsa.PrivateKey, *x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert, der
}

// CAPEMOf encodes a certificate as PEM.
func CAPEMOf(der []byte) string { return pemString("CERTIFICATE", der) }

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}
