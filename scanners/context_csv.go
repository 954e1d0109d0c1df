package scanners

// CSV exports (`name,DD_API_KEY,region` above `web,5c7f…,eu`): the column
// name is the identifier of every value below it. The engine calls
// scanCSVComma at a comma between two words; only a neighbour ending like a
// secret keyword makes its line a header candidate, and each line is
// looked at once.

const (
	csvMaxLine = 1024
	csvMaxRows = 32
	csvMaxCols = 64
)

// csvHeaderChar is what column names are made of.
var csvHeaderChar = makeSet("a-z", "A-Z", "0-9", "_ .-,\r")

func scanCSVComma(c *collector, i int) {
	text := c.text
	if i < c.csvDone {
		return
	}
	ws := i
	for ws > 0 && i-ws < 64 && setWord[text[ws-1]] {
		ws--
	}
	if !keywordTail(text[ws:i]) {
		we := i + 1
		for we < len(text) && we-i < 64 && setWord[text[we]] {
			we++
		}
		if !keywordTail(text[i+1 : we]) {
			return
		}
		ws = i + 1
	}
	scanCSVHeader(c, ws)
}

// scanCSVHeader looks at the line around ws as a header and judges the
// values of the rows below it.
func scanCSVHeader(c *collector, ws int) {
	text := c.text
	// Whatever the outcome, the rest of this line is not looked at again.
	le := ws
	for le < len(text) && le-ws < csvMaxLine && text[le] != '\n' {
		le++
	}
	c.csvDone = le
	if le >= len(text) || !allIn(text[ws:le], &csvHeaderChar) {
		return
	}
	ls := ws
	for ls > 0 && ws-ls < csvMaxLine && text[ls-1] != '\n' {
		if !csvHeaderChar[text[ls-1]] {
			return
		}
		ls--
	}
	var cols [csvMaxCols][2]int
	n := csvSplit(text, ls, le, cols[:])
	if n < 2 {
		return
	}
	// Rows below with as many fields; the values of keyword columns are
	// judged as if assigned to the column name.
	var vals [csvMaxCols][2]int
	rs := le + 1
	for r := 0; r < csvMaxRows && rs < len(text); r++ {
		re := rs
		for re < len(text) && re-rs < csvMaxLine && text[re] != '\n' {
			re++
		}
		if csvSplit(text, rs, re, vals[:]) != n {
			return
		}
		c.csvDone = re // a data row is not a header: each line is read once
		for k := 0; k < n; k++ {
			ns, ne := trimSpace(text, cols[k][0], cols[k][1])
			if ne-ns < 3 {
				continue
			}
			vs, ve := trimQuotes(text, vals[k][0], vals[k][1])
			if ve-vs < ctxMinValue {
				continue
			}
			a := assignment{identStart: ns, identEnd: ne, opStart: ne, start: vs, end: ve, quoted: vs > vals[k][0]}
			evalAssignment(c, &a, text[ns:ne], vs, "", true)
		}
		rs = re + 1
	}
}

// csvSplit records the comma-separated fields of text[s:e] in out and
// returns how many there are, or 0 if there are more than out holds.
func csvSplit(text string, s, e int, out [][2]int) int {
	n := 0
	fs := s
	for k := s; k <= e; k++ {
		if k < e && text[k] != ',' {
			continue
		}
		if n == len(out) {
			return 0
		}
		fe := k
		if fe > fs && text[fe-1] == '\r' {
			fe--
		}
		out[n] = [2]int{fs, fe}
		n++
		fs = k + 1
	}
	return n
}

func trimSpace(text string, s, e int) (int, int) {
	for s < e && text[s] == ' ' {
		s++
	}
	for e > s && text[e-1] == ' ' {
		e--
	}
	return s, e
}

func trimQuotes(text string, s, e int) (int, int) {
	s, e = trimSpace(text, s, e)
	if e-s >= 2 && text[s] == '"' && text[e-1] == '"' {
		return s + 1, e - 1
	}
	return s, e
}
