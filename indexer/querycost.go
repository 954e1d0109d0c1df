package indexer

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
)

// Bounds on the terms of a query string that expand over the term
// dictionary. A regexp, wildcard or fuzzy term is not looked up: it is
// matched against the terms of the field in every partition searched before
// a single document is scored. Regexps and wildcards are expanded by
// expandPatterns, in one pass over the dictionary that checks the context;
// a fuzzy term by Bleve's Levenshtein automaton, whose walk does not. The
// bounds keep both short and the pattern small. BenchmarkExpensiveTerms
// (20,000 messages) gave the numbers when Bleve still ran the regexps:
// /.{50}/ ~70 ms, /.{500}/ ~660 ms, five /.{50}/ ~330 ms, and
// /[a-z]{1,50}/ 1.6 s, because it matches most of the dictionary, which
// maxTermExpansion refuses.
const (
	// maxExpensiveTerms is how many regexp, wildcard and fuzzy terms one
	// query may hold.
	maxExpensiveTerms = 5
	// maxPatternLen bounds one regexp or wildcard, in bytes. Terms are
	// single words: a longer pattern cannot be about a word.
	maxPatternLen = 128
	// maxRepeat bounds a counted repetition ({n}, {n,m}).
	maxRepeat = 50
	// maxPatternSteps bounds the compiled size of all regexps and
	// wildcards of one query together, in instructions of Go's compiled
	// program with each character class counted by its ranges
	// (patternSteps), which grows as Bleve's automaton does: /.{50}/ is 52,
	// /AKIA[A-Z0-9]{16}/ 38, /\p{L}/ about 650. The walk costs about 1.3 ms per step at
	// 20,000 messages, so the bound keeps it well under a second.
	maxPatternSteps = 200
	// maxFuzzyLen bounds a fuzzy term: the Levenshtein automaton grows with
	// the term, and no word is longer.
	maxFuzzyLen = 64
	// maxFuzziness is the largest edit distance Bleve supports.
	maxFuzziness = 2
	// maxTermExpansion bounds how many distinct terms one expansion (a
	// regexp, wildcard, fuzzy term, date range or a disjunction) may turn
	// into. Each becomes a term searcher with its own postings iterator, and
	// every hit goes through a heap over all of them, so the cost of a query
	// grows with this number. 1024 is Lucene's long-standing default for the
	// same limit: far above what a meaningful pattern matches in a real
	// vocabulary ("budg*" matches dozens of words), and the widest date
	// range expands to about 500 prefix-coded terms.
	maxTermExpansion = 1024
)

func init() {
	// Bleve's default, 0, is no limit.
	searcher.DisjunctionMaxClauseCount = maxTermExpansion
}

// queryCost is what checkQueryCost has counted so far in one query.
type queryCost struct {
	expensive int // regexp, wildcard and fuzzy terms
	steps     int // compiled size of the patterns
}

// checkQueryCost walks a parsed query string and refuses, naming the term,
// anything whose cost is not bounded: too many or too large regexps,
// wildcards and fuzzy terms, and dates outside the supported window. It
// also parses every regexp, so a malformed one is the caller's error, said
// before anything is read.
func checkQueryCost(q query.Query) error {
	var c queryCost
	return c.walk(q)
}

func (c *queryCost) walk(q query.Query) error {
	switch q := q.(type) {
	case *query.BooleanQuery:
		for _, sub := range []query.Query{q.Must, q.Should, q.MustNot} {
			if sub != nil {
				if err := c.walk(sub); err != nil {
					return err
				}
			}
		}
	case *query.ConjunctionQuery:
		for _, sub := range q.Conjuncts {
			if err := c.walk(sub); err != nil {
				return err
			}
		}
	case *query.DisjunctionQuery:
		for _, sub := range q.Disjuncts {
			if err := c.walk(sub); err != nil {
				return err
			}
		}
	case *query.RegexpQuery:
		return c.pattern("regular expression /"+q.Regexp+"/", q.Regexp)
	case *query.WildcardQuery:
		return c.pattern("wildcard "+q.Wildcard, wildcardRegexp(q.Wildcard))
	case *query.MatchQuery:
		if q.Fuzziness != 0 {
			return c.fuzzy(q.Match, q.Fuzziness)
		}
	case *query.FuzzyQuery:
		return c.fuzzy(q.Term, q.Fuzziness)
	case *query.DateRangeQuery:
		for _, t := range []query.BleveQueryTime{q.Start, q.End} {
			if !t.IsZero() {
				if err := CheckTime("date in the query", t.Time); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *queryCost) count(what string) error {
	c.expensive++
	if c.expensive > maxExpensiveTerms {
		return fmt.Errorf("%w: %s: a query may hold at most %d regular expression, wildcard and fuzzy terms",
			ErrBadQuery, what, maxExpensiveTerms)
	}
	return nil
}

// pattern checks a regexp (or a wildcard turned into one) against the
// bounds above.
func (c *queryCost) pattern(what, expr string) error {
	if err := c.count(what); err != nil {
		return err
	}
	if len(expr) > maxPatternLen {
		return fmt.Errorf("%w: %s: longer than %d bytes", ErrBadQuery, what, maxPatternLen)
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadQuery, what, err)
	}
	if n := largestRepeat(re); n > maxRepeat {
		return fmt.Errorf("%w: %s: repeats %d times; at most %d are allowed", ErrBadQuery, what, n, maxRepeat)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrBadQuery, what, err)
	}
	c.steps += patternSteps(prog)
	if c.steps > maxPatternSteps {
		return fmt.Errorf("%w: %s: the query's patterns are too complex (%d steps; at most %d); use fewer or simpler ones",
			ErrBadQuery, what, c.steps, maxPatternSteps)
	}
	return nil
}

// patternSteps is a compiled pattern's size as Bleve's automaton will see
// it: one step per instruction, and a character class as many steps as it
// has ranges. Bleve turns each range into UTF-8 byte sequences, so a class
// such as \p{L} (about 650 ranges) costs what 650 single characters would
// (a pen-test's /\p{L}{20}/ ran 6.5 s at 17,000 messages, one instruction
// per class in the count before).
func patternSteps(prog *syntax.Prog) int {
	n := 0
	for _, in := range prog.Inst {
		if in.Op == syntax.InstRune {
			n += max(1, len(in.Rune)/2)
			continue
		}
		n++
	}
	return n
}

// largestRepeat returns the largest count of a counted repetition in re.
// {n,} has no upper bound but its lower one still expands n times.
func largestRepeat(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, sub := range re.Sub {
		n = max(n, largestRepeat(sub))
	}
	return n
}

// wildcardRegexp is the regexp Bleve runs for a wildcard term (a copy of
// query.wildcardRegexpReplacer): * is any run of characters, ? one
// character, everything else literal.
var wildcardRegexp = strings.NewReplacer(
	"+", `\+`, "(", `\(`, ")", `\)`, "^", `\^`, "$", `\$`, ".", `\.`, "{", `\{`, "}", `\}`,
	"[", `\[`, "]", `\]`, `|`, `\|`, `\`, `\\`,
	"*", ".*", "?", ".").Replace

// fuzzy checks a fuzzy term: each word of it (the analyzer splits
// "foo-bar~1" into two) is a Levenshtein automaton over the dictionary.
func (c *queryCost) fuzzy(text string, fuzziness int) error {
	what := fmt.Sprintf("fuzzy term %s~%d", text, fuzziness)
	if fuzziness < 0 || fuzziness > maxFuzziness {
		return fmt.Errorf("%w: %s: fuzziness must be 0 to %d", ErrBadQuery, what, maxFuzziness)
	}
	if len(text) > maxFuzzyLen {
		return fmt.Errorf("%w: %s: longer than %d bytes", ErrBadQuery, what, maxFuzzyLen)
	}
	words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	for range max(len(words), 1) {
		if err := c.count(what); err != nil {
			return err
		}
	}
	return nil
}

// tooManyTerms turns Bleve's error for an expansion over maxTermExpansion
// (a plain error, raised while searching) into a bad query: the caller
// chose it and can narrow it.
func tooManyTerms(err error) error {
	if err == nil || errors.Is(err, ErrBadQuery) || !strings.Contains(err.Error(), "TooManyClauses") {
		return err
	}
	return fmt.Errorf("%w: a regular expression, wildcard, fuzzy term or list of terms matches more than %d distinct words; make it more specific",
		ErrBadQuery, maxTermExpansion)
}
