package evaluation

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
)

// AWS access key ids: the unique-id prefixes AWS documents for credentials
// (AKIA long-term, ASIA temporary, ABIA STS bearer, ACCA context-specific)
// followed by 16 base32 characters.
var awsKeyID = &Format{
	Name: "aws-access-key-id", Type: "aws_access_key",
	Gen: func(r *rand.Rand) string {
		return pick(r, []string{"AKIA", "AKIA", "AKIA", "ASIA", "ASIA", "ABIA", "ACCA"}) + tmpl(r, "{2:16}")
	},
	Valid: reValid(`(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}`),
	Keys:  []string{"aws_access_key_id", "AWS_ACCESS_KEY_ID", "AccessKeyId", "Access key ID", "id"},
	Place: anyShape,
}

// AWS secret access keys: 40 characters of the base64 alphabet, recognisable
// only next to their key id or key name.
var awsSecret = &Format{
	Name: "aws-secret-access-key", Type: "aws_secret_key",
	Gen:   func(r *rand.Rand) string { return tmpl(r, "{b:40}") },
	Valid: reValid(`[A-Za-z0-9/+]{40}`),
	Keys:  []string{"aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "SecretAccessKey", "Secret access key", "secret"},
	Place: pairShape,
}

// JWT (RFC 7519): base64url JSON header with "alg", JSON claims, signature
// of the size the algorithm produces.
var jwtFormat = &Format{
	Name: "jwt", Type: "jwt", Gen: genJWT, Valid: validJWT,
	Keys:  []string{"access_token", "id_token", "Authorization", "session", "SUPABASE_SERVICE_ROLE_KEY", "jwt"},
	Place: anyShape,
}

func genJWT(r *rand.Rand) string {
	alg := pick(r, []string{"HS256", "HS512", "RS256", "ES256", "PS256", "EdDSA"})
	sigLen := map[string]int{"HS256": 32, "HS512": 64, "RS256": 256, "ES256": 64, "PS256": 256, "EdDSA": 64}[alg]
	var header string
	switch r.IntN(4) {
	case 0:
		header = fmt.Sprintf(`{"alg":"%s","typ":"JWT"}`, alg)
	case 1:
		header = fmt.Sprintf(`{"typ":"JWT","alg":"%s"}`, alg)
	case 2:
		header = fmt.Sprintf(`{"alg":"%s","kid":"%s","typ":"JWT"}`, alg, tmpl(r, "{w:20-43}"))
	default:
		header = fmt.Sprintf(`{"kid":"%s","alg":"%s","x5t":"%s"}`, tmpl(r, "{h:8}-{h:4}"), alg, tmpl(r, "{w:27}"))
	}
	iat := 1_600_000_000 + r.IntN(200_000_000)
	var claims string
	switch r.IntN(3) {
	case 0:
		claims = fmt.Sprintf(`{"sub":"%s","name":"%s","iat":%d}`, digits(r, 10), pick(r, firstNames), iat)
	case 1:
		claims = fmt.Sprintf(`{"iss":"https://auth.%s.io/","sub":"auth0|%s","aud":"api","iat":%d,"exp":%d,"scope":"read:messages"}`,
			pick(r, companies), tmpl(r, "{h:24}"), iat, iat+3600)
	default:
		claims = fmt.Sprintf(`{"iss":"supabase","ref":"%s","role":"service_role","iat":%d,"exp":%d}`, tmpl(r, "{l:20}"), iat, iat+315_360_000)
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString(randBytes(r, sigLen))
}

func validJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	var head map[string]any
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(raw, &head) != nil || head["alg"] == nil {
		return false
	}
	var claims map[string]any
	raw, err = base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return false
	}
	_, err = base64.RawURLEncoding.DecodeString(parts[2])
	return err == nil && len(parts[2]) > 0
}

// PEM private keys (RFC 7468 labels). Ed25519 keys are real (a seeded key
// in PKCS #8); RSA, EC and OpenSSH bodies have the real DER/wire framing with
// random content of the real size, since the standard library no longer
// takes a seeded source for RSA and ECDSA key generation.
var pemFormat = &Format{
	Name: "private-key", Type: "private_key", Gen: genPEM, Valid: validPEM,
	Keys:  []string{"private_key", "PRIVATE_KEY", "ssh_key", "tls.key", "signing_key"},
	Place: multiline,
}

func genPEM(r *rand.Rand) string {
	var label string
	var der []byte
	switch r.IntN(5) {
	case 0:
		label = "RSA PRIVATE KEY"
		der = derFramed(r, []byte{0x30, 0x82, 0x04, 0xa4, 0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00}, 1192)
	case 1:
		label = "PRIVATE KEY"
		der = derFramed(r, []byte{0x30, 0x82, 0x04, 0xbe, 0x02, 0x01, 0x00, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00}, 1218)
	case 2:
		label = "EC PRIVATE KEY"
		var b bytes.Buffer
		b.Write([]byte{0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20})
		b.Write(randBytes(r, 32))
		b.Write([]byte{0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04})
		b.Write(randBytes(r, 64))
		der = b.Bytes()
	case 3:
		label = "PRIVATE KEY"
		key := ed25519.NewKeyFromSeed(randBytes(r, ed25519.SeedSize))
		var err error
		der, err = x509.MarshalPKCS8PrivateKey(key)
		must(err == nil, "evaluation: marshal ed25519: %v", err)
	default:
		label = "OPENSSH PRIVATE KEY"
		der = opensshEd25519(r)
	}
	if label == "OPENSSH PRIVATE KEY" {
		// OpenSSH wraps at 70 columns, not 64.
		body := base64.StdEncoding.EncodeToString(der)
		var b strings.Builder
		b.WriteString("-----BEGIN OPENSSH PRIVATE KEY-----\n")
		for len(body) > 70 {
			b.WriteString(body[:70] + "\n")
			body = body[70:]
		}
		b.WriteString(body + "\n-----END OPENSSH PRIVATE KEY-----")
		return b.String()
	}
	return strings.TrimSuffix(string(pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der})), "\n")
}

func derFramed(r *rand.Rand, head []byte, total int) []byte {
	return append(append([]byte{}, head...), randBytes(r, total-len(head))...)
}

func opensshEd25519(r *rand.Rand) []byte {
	str := func(b *bytes.Buffer, s []byte) {
		_ = binary.Write(b, binary.BigEndian, uint32(len(s)))
		b.Write(s)
	}
	key := ed25519.NewKeyFromSeed(randBytes(r, ed25519.SeedSize))
	pub := key.Public().(ed25519.PublicKey)
	var pubBlob bytes.Buffer
	str(&pubBlob, []byte("ssh-ed25519"))
	str(&pubBlob, pub)
	var priv bytes.Buffer
	check := randBytes(r, 4)
	priv.Write(check)
	priv.Write(check)
	str(&priv, []byte("ssh-ed25519"))
	str(&priv, pub)
	str(&priv, key)
	str(&priv, []byte(tmpl(r, "{l:4-8}@{l:4-8}")))
	for i := byte(1); priv.Len()%8 != 0; i++ {
		priv.WriteByte(i)
	}
	var b bytes.Buffer
	b.WriteString("openssh-key-v1\x00")
	str(&b, []byte("none"))
	str(&b, []byte("none"))
	str(&b, nil)
	_ = binary.Write(&b, binary.BigEndian, uint32(1))
	str(&b, pubBlob.Bytes())
	str(&b, priv.Bytes())
	return b.Bytes()
}

func validPEM(s string) bool {
	block, rest := pem.Decode([]byte(s))
	return block != nil && strings.HasSuffix(block.Type, "PRIVATE KEY") && len(block.Bytes) >= 40 && len(bytes.TrimSpace(rest)) == 0
}

// Credentials in URLs: scheme://user:password@host, as database drivers,
// brokers and package registries take them.
var passwordURL = &Format{
	Name: "password-in-url", Type: "password_in_url", Gen: genPasswordURL, Valid: validPasswordURL,
	Keys:  []string{"DATABASE_URL", "REDIS_URL", "MONGO_URI", "AMQP_URL", "dsn", "registry"},
	Place: urlShape, Span: passwordSpan,
}

func genPasswordURL(r *rand.Rand) string {
	scheme := pick(r, []string{"postgres", "postgresql", "mysql", "mongodb+srv", "redis", "amqp", "https", "ftp"})
	user := pick(r, []string{"admin", "app", "svc_" + tmpl(r, "{l:4-8}"), "deploy", pick(r, firstNames)})
	user = strings.ToLower(user)
	pass := tmpl(r, pick(r, []string{"{A:12-24}", "{A:6}-{A:6}-{A:6}", "{L:6}{d:4}"}))
	host := tmpl(r, pick(r, []string{"db.{l:4-8}.internal", "{l:5-9}.cluster-{a:12}.eu-west-1.rds.amazonaws.com", "cluster0.{a:5}.mongodb.net", "{l:4-8}.{l:4-8}.io"}))
	port := map[string]string{"postgres": ":5432", "postgresql": ":5432", "mysql": ":3306", "redis": ":6379", "amqp": ":5672"}[scheme]
	path := map[string]string{"postgres": "/app", "postgresql": "/orders?sslmode=require", "mysql": "/shop", "mongodb+srv": "/?retryWrites=true&w=majority", "https": "/simple/"}[scheme]
	return scheme + "://" + user + ":" + pass + "@" + host + port + path
}

func passwordSpan(s string) (int, int) {
	i := strings.Index(s, "://")
	if i < 0 {
		return -1, -1
	}
	at := strings.IndexByte(s[i:], '@') + i
	colon := strings.IndexByte(s[i+3:at], ':') + i + 3
	return colon + 1, at
}

func validPasswordURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	p, ok := u.User.Password()
	a, b := passwordSpan(s)
	return ok && len(p) >= 6 && a > 0 && s[a:b] == p
}
