package fakeapi

import (
	"fmt"
	"math/rand/v2"
)

const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// tagged mints ids shaped like the API's: prefix + "01" + 22 base58 chars.
func tagged(r *rand.Rand, prefix string) string {
	b := make([]byte, 22)
	for i := range b {
		b[i] = base58[r.IntN(len(base58))]
	}
	return prefix + "01" + string(b)
}

func uuid(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func hexString(r *rand.Rand, n int) string {
	const hexdig = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = hexdig[r.IntN(16)]
	}
	return string(b)
}
