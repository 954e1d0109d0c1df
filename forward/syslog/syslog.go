// Package syslog forwards events as RFC 5424 syslog messages over TCP or
// TLS (RFC 5425), framed by octet counting (RFC 6587 section 3.4.1), the
// framing rsyslog, syslog-ng and the SIEM collectors accept on a stream.
//
// Each message: PRI facility local0 with the severity of the worst
// finding (critical→crit, high→err, medium→warning, low→notice,
// none→info), HOSTNAME the ccsync host, APP-NAME "ccsync", MSGID the event
// type, STRUCTURED-DATA [ccsync@32473 id type origin severity findings
// types, and unless anonymous user message conversation rule], MSG the
// event JSON or, with Format "cef", a CEF line (see cef.go). A message is
// at most MaxMessageSize bytes.
//
// Syslog has no acknowledgements, so "delivered" here means written to
// the socket: Send returns nil once every frame of the batch was written.
// A write error, a timeout or a connection found closed makes Send fail
// and the engine sends the batch again (receivers deduplicate by id). What
// a receiver loses after the kernel took it (it crashed with the batch
// unread) is not seen; before each batch the sender checks the connection
// is still open, so a receiver that restarted between batches costs
// nothing. Client certificates are not supported: a syslog destination
// has no secret.
package syslog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ccsync/ccsync/forward/dest"
	"github.com/ccsync/ccsync/model"
)

// Kind is the syslog destination kind.
var Kind = dest.Kind{
	Validate: Validate,
	New:      New,
	// 200 messages of at most 8000 bytes: 1.6 MB per write at most.
	MaxBatch:       200,
	SecretRequired: false,
}

const (
	NetworkTCP = "tcp"
	NetworkTLS = "tls"
	FormatRFC  = "rfc5424"
	FormatCEF  = "cef"

	defaultTCPPort = "514"
	defaultTLSPort = "6514" // RFC 5425

	dialTimeout  = 10 * time.Second
	writeTimeout = 30 * time.Second
	// probeWait is how long the liveness check waits for the receiver
	// to have closed the connection: a closed one answers at once.
	probeWait  = time.Millisecond
	maxCACert  = 1 << 20
	maxHostLen = 253
)

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", dest.ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Validate checks a syslog destination and fills defaults: Network "tcp",
// Format "rfc5424", the port (514, or 6514 for TLS).
func Validate(d *model.Destination) error {
	d.Network = strings.ToLower(strings.TrimSpace(d.Network))
	switch d.Network {
	case "":
		d.Network = NetworkTCP
	case NetworkTCP, NetworkTLS:
	case "udp":
		return invalid("network", "udp is not supported (no delivery guarantee, long messages dropped); use tcp or tls")
	default:
		return invalid("network", "want tcp or tls, got %q", d.Network)
	}
	d.Format = strings.ToLower(strings.TrimSpace(d.Format))
	switch d.Format {
	case "":
		d.Format = FormatRFC
	case FormatRFC, FormatCEF:
	default:
		return invalid("format", "want rfc5424 or cef, got %q", d.Format)
	}
	port := defaultTCPPort
	if d.Network == NetworkTLS {
		port = defaultTLSPort
	}
	addr, err := normalizeAddr(d.URL, port)
	if err != nil {
		return err
	}
	d.URL = addr
	if d.CACert != "" {
		if d.Network != NetworkTLS {
			return invalid("ca_cert", "only used with network tls")
		}
		if _, err := parseCAs(d.CACert); err != nil {
			return err
		}
	}
	if d.ServerName != "" {
		if d.Network != NetworkTLS {
			return invalid("server_name", "only used with network tls")
		}
		if !validHost(d.ServerName) {
			return invalid("server_name", "not a host name")
		}
	}
	if d.Secret != "" {
		return invalid("secret", "syslog destinations take no secret (client certificates are not supported)")
	}
	return nil
}

// normalizeAddr checks "host:port", adding the default port when there is
// none ("host", "[::1]", "::1").
func normalizeAddr(s, defPort string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalid("url", "required: host:port of the syslog receiver")
	case strings.Contains(s, "://"):
		return "", invalid("url", "want host:port, not a URL")
	case strings.ContainsAny(s, " \t\r\n/?#@"):
		return "", invalid("url", "want host:port")
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		switch {
		case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
			host = s[1 : len(s)-1]
		case net.ParseIP(s) != nil, !strings.Contains(s, ":"):
			host = s
		default:
			return "", invalid("url", "want host:port")
		}
		port = defPort
	}
	if !validHost(host) {
		return "", invalid("url", "%q is not a host name or IP address", host)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", invalid("url", "port %q is not a number from 1 to 65535", port)
	}
	return net.JoinHostPort(host, port), nil
}

func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > maxHostLen || strings.HasPrefix(h, ".") || strings.HasPrefix(h, "-") {
		return false
	}
	for _, c := range []byte(h) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// parseCAs reads a PEM bundle of certificates.
func parseCAs(p string) ([]*x509.Certificate, error) {
	if len(p) > maxCACert {
		return nil, invalid("ca_cert", "larger than %d bytes", maxCACert)
	}
	var certs []*x509.Certificate
	rest := []byte(p)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, invalid("ca_cert", "certificate %d: %v", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, invalid("ca_cert", "no PEM certificate found")
	}
	return certs, nil
}

// sender keeps one connection to the receiver and writes batches to it.
type sender struct {
	addr    string
	tlsConf *tls.Config // nil for plain TCP
	f       formatter
	log     *slog.Logger

	sendMu sync.Mutex // one batch at a time, in order

	// mu guards conn and closed apart from sendMu so that Close can cut
	// a write blocked on a receiver that stopped reading.
	mu     sync.Mutex
	conn   net.Conn
	closed bool
}

// New builds a sender; it connects on the first Send.
func New(cfg dest.Config) (dest.Sender, error) {
	d := cfg.Destination
	d.Secret = ""
	if err := Validate(&d); err != nil {
		return nil, err
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	host := cfg.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &sender{
		addr: d.URL,
		f: formatter{
			hostname:  hostField(host),
			cef:       d.Format == FormatCEF,
			anonymous: d.Anonymous,
			version:   productVersion(),
			now:       now,
		},
		log: log.With("destination", d.ID, "kind", model.DestSyslog, "addr", d.URL),
	}
	if d.Network == NetworkTLS {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		if d.CACert != "" {
			cas, err := parseCAs(d.CACert)
			if err != nil {
				return nil, err
			}
			for _, c := range cas {
				roots.AddCert(c)
			}
		}
		s.tlsConf = &tls.Config{RootCAs: roots, ServerName: d.ServerName, MinVersion: tls.VersionTLS12}
	}
	return s, nil
}

// frames formats events into one buffer of octet-counted frames:
// "<length> <message>" each (RFC 6587 section 3.4.1).
func (s *sender) frames(events []model.ForwardEvent) ([]byte, error) {
	var buf []byte
	for _, ev := range events {
		m, err := s.f.message(ev)
		if err != nil {
			return nil, fmt.Errorf("formatting event %s: %w", ev.ID, err)
		}
		buf = appendFrame(buf, m)
	}
	return buf, nil
}

func appendFrame(buf []byte, msg string) []byte {
	buf = strconv.AppendInt(buf, int64(len(msg)), 10)
	buf = append(buf, ' ')
	return append(buf, msg...)
}

// Send writes the batch. nil means every frame was written to the socket
// (see the package comment for what that guarantees).
func (s *sender) Send(ctx context.Context, events []model.ForwardEvent) error {
	if len(events) == 0 {
		return nil
	}
	buf, err := s.frames(events)
	if err != nil {
		// The builder refused a value the sanitisers let through: a bug
		// that retrying will not fix.
		return dest.Permanent(fmt.Errorf("syslog: %w", err))
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	conn, err := s.connect(ctx)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := conn.SetWriteDeadline(deadline); err != nil {
		s.drop(conn)
		return fmt.Errorf("syslog: %s: %w", s.addr, err)
	}
	// A cancelled context interrupts a write blocked on a receiver that
	// stopped reading.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetWriteDeadline(time.Unix(1, 0)) })
	_, err = conn.Write(buf)
	if !stop() {
		// The deadline was (or is being) pulled in: do not reuse it.
		s.drop(conn)
		if err == nil {
			err = ctx.Err()
		}
	}
	if err != nil {
		s.drop(conn)
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			err = fmt.Errorf("%w (%v)", cerr, err)
		}
		return fmt.Errorf("syslog: writing %d events (%d bytes) to %s: %w", len(events), len(buf), s.addr, err)
	}
	return nil
}

// connect returns the open connection, after checking the receiver has
// not closed it, or dials a new one.
func (s *sender) connect(ctx context.Context) (net.Conn, error) {
	s.mu.Lock()
	conn, closed := s.conn, s.closed
	s.mu.Unlock()
	if closed {
		return nil, errClosed
	}
	if conn != nil {
		err := probe(conn)
		if err == nil {
			return conn, nil
		}
		s.log.Info("syslog receiver closed the connection; reconnecting", "err", err)
		s.drop(conn)
	}
	nd := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	var err error
	if s.tlsConf != nil {
		td := &tls.Dialer{NetDialer: nd, Config: s.tlsConf}
		conn, err = td.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, fmt.Errorf("syslog: connecting to %s over TLS: %w", s.addr, err)
		}
	} else {
		conn, err = nd.DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return nil, fmt.Errorf("syslog: connecting to %s: %w", s.addr, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = conn.Close()
		return nil, errClosed
	}
	s.conn = conn
	return conn, nil
}

// probe reports whether the receiver closed or reset the connection. A
// syslog receiver never writes, so a read that times out means the
// connection is open; through TLS the read also consumes post-handshake
// records (session tickets). Without it the first batch after a receiver
// restart would be written into a dead socket and lost while Write
// succeeds.
func probe(c net.Conn) error {
	if err := c.SetReadDeadline(time.Now().Add(probeWait)); err != nil {
		return err
	}
	var b [512]byte
	for range 128 { // bounded: a receiver that talks is drained a little
		_, err := c.Read(b[:])
		var ne net.Error
		switch {
		case err == nil:
			continue
		case errors.As(err, &ne) && ne.Timeout():
			return nil
		case errors.Is(err, io.EOF):
			return errors.New("closed by the receiver")
		default:
			return err
		}
	}
	return errors.New("receiver keeps sending data")
}

var errClosed = errors.New("syslog: sender closed")

// drop closes conn and forgets it if it is still the current one.
func (s *sender) drop(conn net.Conn) {
	_ = conn.Close()
	s.mu.Lock()
	if s.conn == conn {
		s.conn = nil
	}
	s.mu.Unlock()
}

// Close closes the connection, cutting a write in progress; later Sends
// fail.
func (s *sender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.conn != nil {
		err := s.conn.Close()
		s.conn = nil
		return err
	}
	return nil
}
