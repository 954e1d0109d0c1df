package fakeapi

// KeySpec is one key the fake organisation accepts. Every key of the
// organisation spends the same per-minute quota, as the real API counts it
// per parent organisation.
type KeySpec struct {
	Secret string   // the x-api-key value
	ID     string   // apikey_… as the Activity Feed names it
	Kind   string   // "compliance" (default) or "admin"
	Scopes []string // default: every compliance read scope
	IP     string   // the address the feed reports for this key's calls; default the request's
}
