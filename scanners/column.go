package scanners

// Tables pasted into chats (CSV exports, spreadsheet copies) name a value in
// a header line, away from the value: "name,passport_number\nsven,274175745".
// columnNamed finds the name of the column a value is in, in lines
// separated by ',', ';' or tabs; a block of lines with as many delimiters
// starts with its header (a sentence with a comma above it is not one). A cell in quotes that holds the delimiter is not handled: such a
// table falls back to the prose context rules.
//
// The collector's tableMemo remembers the line last looked at and its
// header, so that many cells on a line and many rows under a header cost
// one pass over the text, whatever the input.

const (
	tableMaxLine = 512 // longer lines are not read as table rows
	tableMaxRows = 64  // rows under one header
)

type tableMemo struct {
	noneUntil  int  // positions before it lie in lines too long to be rows
	s, e       int  // the line last looked at; e == 0 before the first
	delim      byte // its delimiter, or 0
	cells      int  // delimiters on it
	colPos     int  // delimiters in [s, colPos) number col
	col        int
	hdrS, hdrE int // the header line of its block
	rows       int // lines from the header to this one
	hdrPos     int // the header's cell hdrCol starts at hdrPos
	hdrCol     int
	between    int // rows counted by rowsBetween
	scanned    int // 1 + the start of the header line whose column was last read down
}

// columnNamed reports whether the value at i is a cell of a table whose
// header names its column with one of words (as contextWord matches them).
// The header is the first line of the block of delimited lines holding i.
func columnNamed(c *collector, i int, words []string) bool {
	m := &c.table
	if !m.lineAt(c.text, i) || m.hdrS == m.s || m.rows > tableMaxRows {
		return false
	}
	cs, ce := m.headerCell(c.text, m.colAt(c.text, i))
	return ce > cs && lastContextWord(c.text, ce, ce-cs, words) >= 0
}

// lineAt points the memo at the line holding i and reports whether it is a
// table line (not too long, delimited).
func (m *tableMemo) lineAt(text string, i int) bool {
	if i < m.noneUntil {
		return false
	}
	if m.e != 0 && i >= m.s && i <= m.e {
		return m.delim != 0
	}
	if m.e != 0 && i < m.s {
		m.e = 0 // a look behind the scan: start over
	}
	s, e, ok := lineAround(text, i)
	if !ok {
		// Every position up to the next line break is on this long line.
		e = i
		for e < len(text) && text[e] != '\n' {
			e++
		}
		m.noneUntil = e
		return false
	}
	delim, cells := tableDelim(text, s, e)
	if delim != 0 && m.delim == delim && m.cells == cells && m.e != 0 && m.e < s && m.rowsBetween(text, m.e, s) {
		m.rows += 1 + m.between
	} else if delim != 0 {
		m.hdrS, m.hdrE, m.rows = m.headerAbove(text, s, e, delim, cells)
	}
	m.s, m.e, m.delim, m.cells = s, e, delim, cells
	m.colPos, m.col = s, 0
	m.hdrPos, m.hdrCol = m.hdrS, 0
	return m.delim != 0
}

// rowsBetween reports whether the lines strictly between the line ending at
// from and the line starting at to are all rows like the memo's line, and
// counts them in m.between. It reads each byte between once.
func (m *tableMemo) rowsBetween(text string, from, to int) bool {
	m.between = 0
	p := nextLineStart(text, from)
	for p >= 0 && p < to {
		e := p
		n := 0
		for e < len(text) && text[e] != '\n' && e-p <= tableMaxLine {
			if text[e] == m.delim {
				n++
			}
			e++
		}
		if n != m.cells || e-p > tableMaxLine {
			return false
		}
		m.between++
		p = e + 1
	}
	return p == to
}

// headerAbove walks up from the line [s, e) to the first line of its block
// and returns that line and the number of lines below it. It stops at the
// line the memo last looked at, which the scan has passed already.
func (m *tableMemo) headerAbove(text string, s, e int, delim byte, cells int) (hs, he, rows int) {
	hs, he = s, e
	for rows < tableMaxRows && hs > 0 && hs > m.e {
		ps, pe, ok := lineAround(text, hs-1)
		if !ok || pe == ps {
			break
		}
		if d, n := tableDelim(text, ps, pe); d != delim || n != cells {
			break
		}
		hs, he = ps, pe
		rows++
	}
	return hs, he, rows
}

// colAt returns the column of the cell holding i on the memo's line,
// counting delimiters on from the last position asked about.
func (m *tableMemo) colAt(text string, i int) int {
	if i < m.colPos {
		m.colPos, m.col = m.s, 0
	}
	for p := m.colPos; p < i; p++ {
		if text[p] == m.delim {
			m.col++
		}
	}
	m.colPos = i
	return m.col
}

// headerCell returns the bounds of cell col of the memo's header line,
// trimmed, walking on from the last cell asked about.
func (m *tableMemo) headerCell(text string, col int) (cs, ce int) {
	if col < m.hdrCol {
		m.hdrPos, m.hdrCol = m.hdrS, 0
	}
	p := m.hdrPos
	for m.hdrCol < col {
		for p < m.hdrE && text[p] != m.delim {
			p++
		}
		if p == m.hdrE {
			m.hdrPos = p
			return 0, 0
		}
		p++
		m.hdrCol++
	}
	m.hdrPos = p
	ce = p
	for ce < m.hdrE && text[ce] != m.delim {
		ce++
	}
	return trimCell(text, p, ce)
}

// lineAround returns the bounds of the line holding i (without its line
// break), or ok=false if the line is longer than tableMaxLine.
func lineAround(text string, i int) (s, e int, ok bool) {
	s = i
	for s > 0 && text[s-1] != '\n' {
		if i-s >= tableMaxLine {
			return 0, 0, false
		}
		s--
	}
	e = i
	for e < len(text) && text[e] != '\n' {
		if e-s >= tableMaxLine {
			return 0, 0, false
		}
		e++
	}
	if e > s && text[e-1] == '\r' {
		e--
	}
	return s, e, true
}

// nextLineStart returns the start of the line after the one ending at e, or
// -1 at the end of the text.
func nextLineStart(text string, e int) int {
	if e < len(text) && text[e] == '\r' {
		e++
	}
	if e+1 >= len(text) || text[e] != '\n' {
		return -1
	}
	return e + 1
}

// tableDelim returns the delimiter of a table line, the first ',', ';' or
// tab in it (or 0), and how many times it occurs.
func tableDelim(text string, s, e int) (delim byte, n int) {
	for p := s; p < e; p++ {
		if ch := text[p]; delim == 0 && (ch == ',' || ch == ';' || ch == '\t') {
			delim = ch
		}
		if delim != 0 && text[p] == delim {
			n++
		}
	}
	return delim, n
}

func trimCell(text string, cs, ce int) (int, int) {
	for cs < ce && (text[cs] == ' ' || text[cs] == '"' || text[cs] == '\'') {
		cs++
	}
	for ce > cs && (text[ce-1] == ' ' || text[ce-1] == '"' || text[ce-1] == '\'') {
		ce--
	}
	return cs, ce
}

// isCell reports whether [s, e) is a whole table cell as far as its
// neighbours show: after a line start or delimiter and before a line end or
// delimiter, allowing quotes and spaces around it. It is the cheap test run
// before the table is read.
func isCell(text string, s, e int) bool {
	for k := 0; k < 2 && s > 0 && (text[s-1] == '"' || text[s-1] == '\'' || text[s-1] == ' '); k++ {
		s--
	}
	for k := 0; k < 2 && e < len(text) && (text[e] == '"' || text[e] == '\'' || text[e] == ' '); k++ {
		e++
	}
	before := s == 0 || text[s-1] == '\n' || text[s-1] == ',' || text[s-1] == ';' || text[s-1] == '\t'
	after := e == len(text) || text[e] == '\n' || text[e] == '\r' || text[e] == ',' || text[e] == ';' || text[e] == '\t'
	return before && after
}

// headerCellAt reports whether [s, e) is a whole cell of a table's header
// line, and returns its column. A header line has its values' column read
// once (see columnCells), which keeps hostile tables linear.
func headerCellAt(c *collector, s, e int) (col int, ok bool) {
	m := &c.table
	if !isCell(c.text, s, e) || !m.lineAt(c.text, s) || m.hdrS != m.s || m.scanned == m.s+1 {
		return 0, false
	}
	m.scanned = m.s + 1
	return m.colAt(c.text, s), true
}

// columnCells calls fn with the trimmed bounds of each non-empty cell in
// column col of the rows under the memo's header line, up to tableMaxRows
// rows or the first line that is not a row.
func columnCells(c *collector, col int, fn func(cs, ce int)) {
	text, m := c.text, &c.table
	p := nextLineStart(text, m.e)
	for k := 0; k < tableMaxRows && p >= 0; k++ {
		s, e, ok := lineAround(text, p)
		if !ok || e == s {
			return
		}
		if d, n := tableDelim(text, s, e); d != m.delim || n != m.cells {
			return
		}
		if cs, ce, ok := nthCell(text, s, e, col, m.delim); ok && ce > cs {
			fn(cs, ce)
		}
		p = nextLineStart(text, e)
	}
}

// nthCell returns the trimmed bounds of cell col on the line [s, e), or
// ok=false if the line has fewer cells.
func nthCell(text string, s, e, col int, delim byte) (cs, ce int, ok bool) {
	cs = s
	for k := 0; k < col; k++ {
		for cs < e && text[cs] != delim {
			cs++
		}
		if cs == e {
			return 0, 0, false
		}
		cs++
	}
	ce = cs
	for ce < e && text[ce] != delim {
		ce++
	}
	cs, ce = trimCell(text, cs, ce)
	return cs, ce, true
}
